from langchain_anthropic import ChatAnthropic

LLM_KWARGS = {"model": "claude-3-5-haiku-20241022", "temperature": 0, "max_tokens": 1024}
summarizer = ChatAnthropic(**LLM_KWARGS)
