from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from runagents_runs.runs.models import Run, RunEvent, RunStatus

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int

    @classmethod
    def of(cls, run: Run) -> "Usage":
        return cls(**run.usage)


class RunSummary(BaseModel):
    id: str
    agent: str | None
    status: RunStatus
    user: str | None
    started_at: datetime
    ended_at: datetime | None
    duration_ms: int | None
    usage: Usage
    complete: bool = Field(description="Whether every event of the run arrived: its start, its end and as many "
                                       "model and tool calls as its end says it made. A run can be succeeded "
                                       "and not yet complete while the last calls' events are on their way.")

    @classmethod
    def of(cls, run: Run) -> "RunSummary":
        return cls(id=run.id, agent=run.agent, status=RunStatus(run.status), user=run.user,
                   started_at=run.started_at, ended_at=run.ended_at, duration_ms=run.duration_ms,
                   usage=Usage.of(run), complete=run.complete)


class RunList(BaseModel):
    items: list[RunSummary]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class TimelineEntry(BaseModel):
    type: str = Field(description="run.started, llm.call, tool.call, run.completed or run.failed")
    time: datetime = Field(description="When it happened, as the service that saw it happen says")
    seq: int | None = Field(default=None, description="A call's number within its run, in the order the run's "
                                                      "process started its calls; null when it was not numbered")
    data: dict[str, Any]

    @classmethod
    def of(cls, event: RunEvent) -> "TimelineEntry":
        return cls(type=event.type, time=event.time, seq=event.seq, data=event.data)


class RunDetail(RunSummary):
    trace_id: str | None
    message: str | None
    response: str | None
    model: str | None
    error: str | None
    events: list[TimelineEntry] = Field(description="In causal order: the start, the calls by their number in "
                                                    "the run (then by time), the end")

    @classmethod
    def with_timeline(cls, run: Run, events: list[RunEvent]) -> "RunDetail":
        return cls(**RunSummary.of(run).model_dump(), trace_id=run.trace_id, message=run.message,
                   response=run.response, model=run.model, error=run.error,
                   events=[TimelineEntry.of(e) for e in events])
