"""Helpers for tests of the runs service (and of services that feed it): the service seen
through its HTTP API and its bus, and catalog events of one run as their emitters build them."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from runagents_common.bus.memory import InMemoryBus
from runagents_common.bus.rabbitmq import RabbitMQBus
from runagents_common.events import EventData, new_envelope
from runagents_common.events.catalog import LlmCallCompleted, RunCompleted, RunStarted, ToolCallCompleted
from runagents_common.events.envelope import Envelope
from runagents_common.testing import NotReached, eventually

RunView = dict[str, Any]
T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
WAIT_SECONDS = 15.0


def at(seconds: float) -> datetime:
    """A moment ``seconds`` after :data:`T0`."""
    return T0 + timedelta(seconds=seconds)


def unique(prefix: str) -> str:
    """A name no other test uses (distributed-mode tests share one database)."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


class RunsPlatform:
    """The runs service behind its HTTP API, and the bus that feeds it."""

    def __init__(self, bus: InMemoryBus | RabbitMQBus, client: httpx.AsyncClient,
                 dead_lettered: Callable[[], Awaitable[list[bytes]]]) -> None:
        self.bus = bus
        self.client = client
        self.dead_lettered = dead_lettered
        """Bodies the runs consumer dead-lettered so far, oldest first."""

    async def publish(self, data: EventData, source: str | None = None) -> Envelope:
        """Publish ``data`` as its owner would (or as ``source``, to forge it)."""
        envelope = new_envelope(data.event_type, source or data.owner.source, data)
        await self.bus.publish(envelope)
        return envelope

    async def publish_all(self, *events: EventData) -> None:
        for data in events:
            await self.publish(data)

    async def get_run(self, run_id: str) -> httpx.Response:
        return await self.client.get(f"/api/v1/runs/{run_id}")

    async def wait_for_run(self, run_id: str, condition: Callable[[RunView], bool],
                           within: float = WAIT_SECONDS, what: str = "run state") -> RunView:
        """Poll the run until ``condition`` holds; raise :class:`NotReached` after ``within`` seconds."""
        seen: list[RunView] = []

        async def holds() -> bool:
            response = await self.get_run(run_id)
            if response.status_code != 200:
                return False
            seen[:] = [response.json()]
            return condition(seen[0])

        try:
            await eventually(holds, within, message=what)
        except NotReached as exc:
            raise NotReached(f"{what} of {run_id}: {exc}; last seen: {seen}") from None
        return seen[0]

    async def wait_for_events(self, run_id: str, count: int) -> RunView:
        return await self.wait_for_run(run_id, lambda run: len(run["events"]) >= count,
                                       what=f"{count} timeline entries")


class RunEvents:
    """Catalog events of one run, as the deployer, gateway and egress layer emit them."""

    def __init__(self, agent: str | None = None, run_id: str | None = None, trace_id: str | None = None) -> None:
        self.agent = agent or unique("agent")
        self.run_id = run_id or unique("run")
        self.trace_id = trace_id or uuid.uuid4().hex

    def started(self, started_at: datetime = T0, user: str = "alice", message: str = "Say hello") -> RunStarted:
        return RunStarted(run_id=self.run_id, agent=self.agent, user=user, trace_id=self.trace_id,
                          started_at=started_at, message=message)

    def llm_call(self, when: datetime, prompt_tokens: int, completion_tokens: int, *, by_run: bool = True,
                 tool_calls: list[str] | None = None, seq: int | None = None) -> LlmCallCompleted:
        return LlmCallCompleted(
            run_id=self.run_id if by_run else None, trace_id=self.trace_id, agent=self.agent,
            provider="playground", model="playground-1", status=200, prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens, latency_ms=12.5,
            finish_reason="tool_calls" if tool_calls else "stop", tool_calls=tool_calls or [], at=when, seq=seq,
        )

    def tool_call(self, when: datetime, *, by_run: bool = True, seq: int | None = None) -> ToolCallCompleted:
        return ToolCallCompleted(
            run_id=self.run_id if by_run else None, trace_id=self.trace_id, agent=self.agent, tool="echo",
            method="POST", path="/echo", decision="allow", status=200, latency_ms=3.25, at=when, seq=seq,
        )

    def completed(self, ended_at: datetime, duration_ms: int, usage: dict[str, int] | None = None,
                  response: str = "Hello!", calls: dict[str, int] | None = None) -> RunCompleted:
        """The run's end; ``calls`` are the counts the runtime answered ({"llm": .., "tool": .., "other": ..})."""
        counts = calls or {}
        return RunCompleted(
            run_id=self.run_id, agent=self.agent, status="succeeded", ended_at=ended_at, duration_ms=duration_ms,
            response=response, model="playground-1", usage=usage or {},
            tool_calls_made=[{"function": "echo__echo", "method": "POST", "url": "http://echo/echo"}],
            llm_calls=counts.get("llm"), tool_calls=counts.get("tool"), other_calls=counts.get("other"),
        )

    def failed(self, ended_at: datetime, duration_ms: int, error: str,
               usage: dict[str, int] | None = None) -> RunCompleted:
        return RunCompleted(run_id=self.run_id, agent=self.agent, status="failed", ended_at=ended_at,
                            duration_ms=duration_ms, usage=usage or {}, error=error)
