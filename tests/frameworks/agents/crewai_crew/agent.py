"""A one-agent CrewAI crew that answers the user's request and can echo messages."""

import os

import requests
from crewai import Agent, Crew, Process, Task
from crewai.tools import tool

ECHO_URL = os.environ.get("TOOL_URL_ECHO", "http://localhost:8000/starter/echo")


@tool("echo")
def echo(message: str) -> str:
    """Echo a message back, exactly as the echo service returns it."""
    response = requests.post(f"{ECHO_URL}/echo", json={"message": message}, timeout=10)
    response.raise_for_status()
    return response.text


assistant = Agent(
    role="Echo assistant",
    goal="Carry out the user's request, echoing messages with the echo tool when asked to",
    backstory="You relay messages faithfully and report exactly what the echo service returned.",
    tools=[echo],
    llm="gpt-4o-mini",
    verbose=False,
)

answer = Task(
    description="The user's request: {message}",
    expected_output="What the echo service returned for the user's message.",
    agent=assistant,
)

crew = Crew(agents=[assistant], tasks=[answer], process=Process.sequential)

if __name__ == "__main__":
    print(crew.kickoff(inputs={"message": "Please echo: hello from CrewAI"}).raw)
