"""Request and response bodies of the runtime's HTTP API."""

from __future__ import annotations

from pydantic import BaseModel, Field

from runagents_runtime.events import AgentAnswer, ChatMessage


class HistoryMessage(BaseModel):
    """A prior message of the conversation."""

    role: str = Field(min_length=1, description="user, assistant, system or tool")
    content: str = Field(description="the message text")


class InvokeRequest(BaseModel):
    """Body of POST /invoke and POST /invoke/stream."""

    message: str = Field(min_length=1, description="the user's message")
    history: list[HistoryMessage] = Field(default_factory=list, description="earlier turns, oldest first")

    def chat_history(self) -> list[ChatMessage]:
        """Return the history as runtime messages."""
        return [ChatMessage(item.role, item.content) for item in self.history]


class UsageBody(BaseModel):
    """Token counts summed over the turn's LLM calls."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ToolCallBody(BaseModel):
    """One tool HTTP call made during the turn."""

    function: str
    method: str
    url: str
    status: int | None


class CallCountsBody(BaseModel):
    """How many outbound calls the turn made, numbered by X-RunAgents-Run-Seq, by kind."""

    llm: int = Field(description="calls the runtime made to the LLM gateway")
    tool: int = Field(description="tool calls the runtime made")
    other: int = Field(description="calls the agent's own HTTP clients made (model or tool calls; which, the "
                                   "runtime cannot tell)")


class InvokeResponse(BaseModel):
    """Body of a successful POST /invoke."""

    response: str
    model: str
    usage: UsageBody
    tool_calls_made: list[ToolCallBody]
    calls: CallCountsBody
    duration_ms: int
    request_id: str

    @classmethod
    def from_answer(
        cls, answer: AgentAnswer, *, duration_ms: int, request_id: str, calls: dict[str, int]
    ) -> InvokeResponse:
        """Build the response body of a finished turn."""
        return cls(
            response=answer.response,
            model=answer.model,
            usage=UsageBody(**vars(answer.usage)),
            tool_calls_made=[ToolCallBody(**vars(record)) for record in answer.tool_calls_made],
            calls=CallCountsBody(**calls),
            duration_ms=duration_ms,
            request_id=request_id,
        )


class UserCodeHealth(BaseModel):
    """Whether USER_ENTRY_POINT was loaded, and what calls it."""

    entry_point: str | None
    loaded: bool
    error: str | None
    adapter: str | None = Field(default=None, description="The adapter that calls the entry (EntryAdapter)")
    target: str | None = Field(default=None, description="The module-level name it calls")


class HealthResponse(BaseModel):
    """Body of GET / and GET /healthz."""

    status: str = Field(description="ok, or degraded when the agent's code failed to load")
    agent: str
    deployment: str | None = Field(
        default=None, description="The deployment served (RUNAGENTS_DEPLOYMENT_ID): how a restarted platform "
        "knows its agent")
    model: str
    tools: int
    user_code: UserCodeHealth


class ReadyResponse(BaseModel):
    """Body of a successful GET /readyz."""

    status: str
    gateway: str
