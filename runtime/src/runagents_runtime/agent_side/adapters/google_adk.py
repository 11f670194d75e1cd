"""Google ADK agents (`root_agent`: Agent / LlmAgent, SequentialAgent and the other BaseAgents, or an
ADK 2 Workflow), run through `google.adk.runners.InMemoryRunner`.

Each turn gets a session of its own (deleted after it), seeded with the turn's earlier messages as session events;
the message is sent as `types.Content(role="user", parts=[Part(text=...)])`. The answer is the
text of the last final response (for a SequentialAgent, its last sub-agent's); function_call /
function_response parts are tool_call / tool_result. Streamed: the runner in SSE mode, partial
text as content deltas.
"""

from __future__ import annotations

import importlib
import inspect
import uuid
from collections.abc import AsyncIterator
from typing import Any

from runagents_runtime.agent_side.adapters.support import history_messages, is_instance_of, text_of
from runagents_runtime.agent_side.turn import AgentSideEvent, RunTurn, Turn

_USER = "runagents-user"


def recognizes(obj: object) -> bool:
    return is_instance_of(obj, "google.adk", ("BaseAgent", "LlmAgent", "Agent", "Workflow"))


def bind(obj: Any) -> RunTurn:
    runners: list[Any] = []

    def runner() -> Any:
        if not runners:
            in_memory_runner = importlib.import_module("google.adk.runners").InMemoryRunner
            if is_instance_of(obj, "google.adk", ("BaseAgent",)):
                runners.append(in_memory_runner(agent=obj))
            else:  # an ADK 2 Workflow is a graph of nodes, given to the runner as its node
                runners.append(in_memory_runner(node=obj))
        return runners[0]

    async def run(turn: Turn) -> AsyncIterator[AgentSideEvent]:
        types = importlib.import_module("google.genai.types")
        adk = runner()
        session = await _settled(adk.session_service.create_session(
            app_name=adk.app_name, user_id=_USER, session_id=f"turn-{uuid.uuid4().hex}"
        ))
        try:
            await _seed(adk, session, turn, types)
            options: dict[str, Any] = {}
            if turn.stream:
                run_config = importlib.import_module("google.adk.agents.run_config")
                options["run_config"] = run_config.RunConfig(streaming_mode=run_config.StreamingMode.SSE)
            answer = last_text = ""
            async for event in adk.run_async(
                user_id=_USER,
                session_id=session.id,
                new_message=types.Content(role="user", parts=[types.Part(text=turn.message)]),
                **options,
            ):
                partial = bool(getattr(event, "partial", False))
                text = _text(event)
                if partial:
                    if text:
                        yield {"type": "content", "delta": text}
                    continue
                for call in _calls(event, "get_function_calls"):
                    yield {
                        "type": "tool_call",
                        "id": str(getattr(call, "id", "") or ""),
                        "name": str(getattr(call, "name", "") or ""),
                        "arguments": text_of(getattr(call, "args", None) or {}),
                    }
                for response in _calls(event, "get_function_responses"):
                    yield {
                        "type": "tool_result",
                        "id": str(getattr(response, "id", "") or ""),
                        "name": str(getattr(response, "name", "") or ""),
                        "content": text_of(getattr(response, "response", None)),
                    }
                if text:
                    last_text = text
                    if _is_final(event):
                        answer = text
            yield {"type": "answer", "text": answer or last_text}
        finally:  # the in-memory service would keep every turn's session
            await _settled(
                adk.session_service.delete_session(app_name=adk.app_name, user_id=_USER, session_id=session.id))

    return run


def _text(event: Any) -> str:
    content = getattr(event, "content", None)
    parts = getattr(content, "parts", None) or []
    return "".join(
        part.text
        for part in parts
        if isinstance(getattr(part, "text", None), str) and not getattr(part, "thought", False)
    )


def _is_final(event: Any) -> bool:
    is_final = getattr(event, "is_final_response", None)
    return bool(is_final()) if callable(is_final) else True


def _calls(event: Any, getter: str) -> list[Any]:
    method = getattr(event, getter, None)
    return list(method() or []) if callable(method) else []


async def _settled(value: Any) -> Any:
    """ADK before 1.0 has a synchronous session service (in memory, so nothing blocks); later ones are async."""
    return await value if inspect.isawaitable(value) else value


async def _seed(adk: Any, session: Any, turn: Turn, types: Any) -> None:
    """Append the turn's earlier messages to the session, as the user's and the agent's events."""
    history = history_messages(turn)
    if not history:
        return
    event_class = importlib.import_module("google.adk.events").Event
    for message in history:
        from_user = message["role"] != "assistant"
        event = event_class(
            author="user" if from_user else str(getattr(adk.agent, "name", "agent")),
            invocation_id=f"history-{uuid.uuid4().hex}",
            content=types.Content(role="user" if from_user else "model", parts=[types.Part(text=message["content"])]),
        )
        await _settled(adk.session_service.append_event(session, event))
