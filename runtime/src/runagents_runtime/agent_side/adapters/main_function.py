"""`main(message)`: a function that takes the user's message (sync or async)."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from typing import Any

from runagents_runtime.agent_side.adapters.support import call, finished
from runagents_runtime.agent_side.rendering import response_text
from runagents_runtime.agent_side.turn import AgentSideEvent, RunTurn, Turn

ARGV_NAMES = frozenset({"argv", "args", "arguments", "cli_args", "sys_argv", "raw_args"})
"""main(argv=None) takes a command line, not the message: runagents_contracts.entry_rules.ARGV_NAMES, which
this side cannot import (tests/test_entry_rules_sides.py holds the two equal)."""


def takes_message(obj: Any) -> bool:
    """True when main()'s first positional parameter can receive the message."""
    try:
        parameters = inspect.signature(obj).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = [p for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)]
    return bool(positional) and positional[0].name not in ARGV_NAMES


def recognizes(obj: object) -> bool:
    return callable(obj) and not isinstance(obj, type) and takes_message(obj)


def bind(obj: Any) -> RunTurn:
    if not takes_message(obj):
        from runagents_runtime.agent_side.loading import EntryLoadError

        raise EntryLoadError(
            "main() takes no parameter, so it cannot receive the user's message; add "
            "`def handler(request): return <main's work on request[\"message\"]>`")

    async def run(turn: Turn) -> AsyncIterator[AgentSideEvent]:
        result = await call(obj, turn.message)
        async for event in finished(turn, response_text(result)):
            yield event

    return run
