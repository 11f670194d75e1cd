"""The agent's entry: which callable of the upload the runtime calls, and through which adapter.

The analyzer chooses it from the source; the deployer hands it to the runtime; the runtime calls
exactly that. One definition both sides import.
"""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class EntryAdapter(StrEnum):
    """How the runtime calls the entry: each framework's own way of running an agent."""

    HANDLER = "handler"
    """`handler(request[, context])`, the platform's own convention."""
    LAMBDA = "lambda"
    """`lambda_handler(event, context)` / `handler(event, context)` written for AWS Lambda."""
    OPENAI_AGENTS = "openai-agents"
    LANGGRAPH = "langgraph"
    LANGCHAIN = "langchain"
    """An AgentExecutor, a Runnable, or a current LangChain agent (anything with `.invoke`)."""
    CREWAI = "crewai"
    """A Crew object, or a @CrewBase class of a `crewai create` project."""
    LLAMAINDEX = "llamaindex"
    PYDANTIC_AI = "pydantic-ai"
    SMOLAGENTS = "smolagents"
    AUTOGEN = "autogen"
    AGNO = "agno"
    GOOGLE_ADK = "google-adk"
    MAIN = "main"
    """`main(message)`: a function that takes the message."""


class EntryPoint(BaseModel):
    """Where the runtime enters the agent's code (part of the analysis report)."""

    model_config = ConfigDict(extra="forbid")

    file: str = Field(description="Path of the module in the upload (POSIX, relative to its root)")
    reason: str = Field(description="Why this entry, in words a person reads")
    adapter: EntryAdapter | None = Field(default=None, description="How the runtime will call it")
    target: str | None = Field(
        default=None, description="The module-level name called: a function, a framework object, a class or factory"
    )
    module: str | None = Field(
        default=None,
        description="The dotted module name as `python -m` from the project root imports it (src/ layouts, packages)",
    )
    takes_message: bool = Field(
        default=True, description="False when the entry cannot take the user's message; deploy is refused then"
    )
    refusal: str | None = Field(
        default=None, description="When takes_message is false: why, and the few lines of handler() that would fix it"
    )
