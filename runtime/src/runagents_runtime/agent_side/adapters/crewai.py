"""CrewAI: a Crew object, or the @CrewBase class of a `crewai create` project (instantiated and
its .crew() built for each turn, as the project's main.py does).

kickoff(inputs=...) gets every placeholder its tasks' and agents' templates name, filled with the
user's message ({current_year} and {date} get today's), plus topic/query/question/input/message;
kickoff_async when the installed CrewAI has it. The answer is the result's .raw.
"""

from __future__ import annotations

import asyncio
import datetime
import re
from collections.abc import AsyncIterator
from typing import Any

from runagents_runtime.agent_side.adapters.support import call, finished
from runagents_runtime.agent_side.rendering import response_text
from runagents_runtime.agent_side.turn import AgentSideEvent, RunTurn, Turn

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
COMMON_INPUTS = ("topic", "query", "question", "input", "message")
TEMPLATE_FIELDS = {"tasks": ("description", "expected_output"), "agents": ("role", "goal", "backstory")}


def recognizes(obj: object) -> bool:
    return callable(getattr(obj, "kickoff", None)) or callable(getattr(obj, "crew", None))


def placeholders(crew: Any) -> list[str]:
    """The {names} the crew's task and agent templates interpolate."""
    found: list[str] = []
    for collection, fields in TEMPLATE_FIELDS.items():
        for member in getattr(crew, collection, None) or []:
            for field in fields:
                template = getattr(member, f"_original_{field}", None) or getattr(member, field, None)
                for name in PLACEHOLDER.findall(template if isinstance(template, str) else ""):
                    if name not in found:
                        found.append(name)
    return found


def crew_inputs(crew: Any, message: str) -> dict[str, str]:
    today = datetime.date.today()
    inputs = {name: message for name in COMMON_INPUTS}
    for name in placeholders(crew):
        if "year" in name:
            inputs[name] = str(today.year)
        elif name in ("date", "today", "current_date"):
            inputs[name] = today.isoformat()
        else:
            inputs[name] = message
    return inputs


def bind(obj: Any) -> RunTurn:
    make_crew = (lambda: obj().crew()) if isinstance(obj, type) else None
    lock = asyncio.Lock()

    async def kickoff(crew: Any, message: str) -> Any:
        inputs = crew_inputs(crew, message)
        if callable(getattr(crew, "kickoff_async", None)):
            return await crew.kickoff_async(inputs=inputs)
        return await call(crew.kickoff, inputs=inputs)

    async def run(turn: Turn) -> AsyncIterator[AgentSideEvent]:
        if make_crew is not None:
            result = await kickoff(await asyncio.to_thread(make_crew), turn.message)
        else:
            async with lock:  # one Crew object keeps the state of its run: turns take it in turn
                result = await kickoff(obj, turn.message)
        raw = getattr(result, "raw", None)
        async for event in finished(turn, raw if isinstance(raw, str) else response_text(result)):
            yield event

    return run
