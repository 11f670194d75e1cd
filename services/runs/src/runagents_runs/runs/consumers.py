from sqlalchemy.ext.asyncio import AsyncSession

from runagents_common.events import EventData
from runagents_common.events.catalog import (
    LlmCallCompleted,
    LlmCallsCompleted,
    RunCompleted,
    RunStarted,
    ToolCallCompleted,
)
from runagents_common.events.envelope import Envelope
from runagents_runs.runs import service


async def on_run_started(session: AsyncSession, envelope: Envelope, data: EventData) -> None:
    assert isinstance(data, RunStarted)
    await service.record_run_started(session, envelope.id, data)


async def on_run_completed(session: AsyncSession, envelope: Envelope, data: EventData) -> None:
    assert isinstance(data, RunCompleted)
    await service.record_run_completed(session, envelope.id, data)


async def on_llm_call_completed(session: AsyncSession, envelope: Envelope, data: EventData) -> None:
    assert isinstance(data, LlmCallCompleted)
    await service.record_llm_call(session, envelope.id, data)


async def on_llm_calls_completed(session: AsyncSession, envelope: Envelope, data: EventData) -> None:
    assert isinstance(data, LlmCallsCompleted)
    for index, call in enumerate(data.calls):
        await service.record_llm_call(session, f"{envelope.id}.{index}", call)


async def on_tool_call_completed(session: AsyncSession, envelope: Envelope, data: EventData) -> None:
    assert isinstance(data, ToolCallCompleted)
    await service.record_tool_call(session, envelope.id, data)


HANDLERS = {
    RunStarted.event_type: on_run_started,
    RunCompleted.event_type: on_run_completed,
    LlmCallCompleted.event_type: on_llm_call_completed,
    LlmCallsCompleted.event_type: on_llm_calls_completed,
    ToolCallCompleted.event_type: on_tool_call_completed,
}
