"""An OpenAI Agents SDK agent as the SDK's quickstart writes one: a module-level Agent, no handler."""

import os

import httpx
from agents import Agent, function_tool, set_tracing_disabled

ECHO_URL = os.environ.get("TOOL_URL_ECHO", "http://localhost:8000/starter/echo")

# Traces go to OpenAI's own dashboard by default; this agent's model is served elsewhere.
set_tracing_disabled(True)


@function_tool
async def echo(message: str) -> str:
    """Echo a message back, exactly as the echo service returns it."""
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(f"{ECHO_URL}/echo", json={"message": message})
        response.raise_for_status()
        return response.text


echo_agent = Agent(
    name="Echo assistant",
    instructions="You are a helpful assistant. Use the echo tool when the user asks you to echo something.",
    model="gpt-4.1-mini",
    tools=[echo],
)
