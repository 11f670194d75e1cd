"""A LangChain 1.x agent: create_agent, as LangChain's docs write it."""

from langchain.agents import create_agent
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI


@tool
def shout(text: str) -> str:
    """Say the text loudly."""
    return text.upper()


agent = create_agent(ChatOpenAI(model="gpt-4o-mini"), tools=[shout], system_prompt="Use the shout tool.")
