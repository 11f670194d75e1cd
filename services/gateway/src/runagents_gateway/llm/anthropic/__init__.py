"""Anthropic's Messages API (``POST /llm/v1/messages``), translated to and from chat completions."""
