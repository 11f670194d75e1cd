"""OpenAI's Responses API (``POST /llm/v1/responses``), translated to and from chat completions."""
