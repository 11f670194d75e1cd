from langchain_anthropic import ChatAnthropic
from langchain_openai import ChatOpenAI


def get_llm(provider: str = "openai"):
    if provider == "anthropic":
        return ChatAnthropic(model="claude-3-5-sonnet-latest", temperature=0)
    return ChatOpenAI(model="gpt-4o", temperature=0)
