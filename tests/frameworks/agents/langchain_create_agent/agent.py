"""A LangChain 1.x agent, as LangChain's quickstart writes it: create_agent, no handler."""

import os

import requests
from langchain.agents import create_agent
from langchain_core.tools import tool
from langchain_openai import ChatOpenAI

ECHO_URL = os.environ.get("TOOL_URL_ECHO", "http://localhost:8000/starter/echo")


@tool
def echo(message: str) -> str:
    """Echo a message back, exactly as the echo service returns it."""
    response = requests.post(f"{ECHO_URL}/echo", json={"message": message}, timeout=10)
    response.raise_for_status()
    return response.text


agent = create_agent(
    model=ChatOpenAI(model="gpt-4o-mini", temperature=0),
    tools=[echo],
    system_prompt="You are a helpful assistant. Use the echo tool when the user asks you to echo something.",
)
