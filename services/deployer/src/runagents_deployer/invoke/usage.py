"""A run's token usage as the LLM gateway counted it, for the invoke answer and the stream's done event.

An agent's own code calls models through the gateway; the runtime does not see those answers' usage
(it reports 0), but it numbers the calls it let out (``calls``: its own model and tool calls, and the
code's own HTTP calls, ``other``, models or tools). The gateway records each model call with its run id,
the egress each tool call, and the runs service adds them up per run (``GET /api/v1/runs/{run_id}``: usage,
and one ``llm.call`` or ``tool.call`` entry per call). Those events travel asynchronously, so the front
door waits, a bounded while, until the runs service has seen as many calls as the runtime numbered
(``usage_complete`` true), or the last numbered one and no change for a moment, or the bound passed (a call
that reached neither, say): then it answers with what has arrived (``usage_complete`` false).

The gateway keeps no per-run count of its own: it runs as several replicas, and the runs service already
has every call of the run.
"""

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx

USAGE_WAIT_SECONDS = 3.0
USAGE_POLL_SECONDS = 0.1
SETTLE_SECONDS = 0.75
"""Longer than the gateway takes to write a finished call's usage (it batches every 0.5 s under load)."""
USAGE_KEYS = ("prompt_tokens", "completion_tokens", "total_tokens")
RECORDED_CALLS = ("llm.call", "tool.call")


@dataclass
class GatewayUsage:
    runs: httpx.AsyncClient
    """The runs service's API."""
    wait_seconds: float = USAGE_WAIT_SECONDS

    async def of_run(self, run_id: str, calls: int) -> tuple[dict[str, int], bool] | None:
        """The run's usage and whether all its ``calls`` (numbered 1 to ``calls``) were recorded; None when the
        runs service cannot say. The runtime numbers some calls that reach no recorder (an SDK's layers may
        each number one request): once the last numbered call has arrived, a usage that stays the same for
        ``SETTLE_SECONDS`` is taken as final, short of the bound."""
        deadline = time.monotonic() + self.wait_seconds
        last: tuple[dict[str, int], bool] | None = None
        changed = time.monotonic()
        while True:
            try:
                # The bound holds for the whole wait, not for each read: a slow runs service ends it too.
                remaining = max(deadline - time.monotonic(), USAGE_POLL_SECONDS)
                response = await self.runs.get(f"/api/v1/runs/{run_id}", timeout=remaining)
                run = response.json() if response.status_code == 200 else None
            except (httpx.HTTPError, ValueError):
                run = None
            if isinstance(run, dict):
                recorded = [event for event in run.get("events") or [] if event.get("type") in RECORDED_CALLS]
                tokens = _usage(run.get("usage"))
                if len(recorded) >= calls:
                    return tokens, True
                if last is None or last[0] != tokens:
                    changed = time.monotonic()
                last = tokens, False
                if any(event.get("seq") == calls for event in recorded) \
                        and time.monotonic() - changed >= SETTLE_SECONDS:
                    return last
            if time.monotonic() + USAGE_POLL_SECONDS > deadline:
                return last
            await asyncio.sleep(USAGE_POLL_SECONDS)


def needs_gateway_count(result: dict[str, Any]) -> int:
    """How many calls the runtime numbered for an answer whose usage it could not report itself (0: the
    answer's own usage stands, or no call could have used a model)."""
    counts = result.get("calls")
    counts = counts if isinstance(counts, dict) else {}
    numbered = [counts.get(kind) for kind in ("llm", "tool", "other")]
    calls = sum(n for n in numbered if isinstance(n, int) and not isinstance(n, bool) and n > 0)
    model_calls = sum(n for n in (counts.get("llm"), counts.get("other")) if isinstance(n, int) and n > 0)
    usage = result.get("usage")
    reported = isinstance(usage, dict) and any(isinstance(usage.get(k), int) and usage[k] > 0 for k in USAGE_KEYS)
    return 0 if reported or not model_calls else calls


async def with_gateway_usage(usage: GatewayUsage, run_id: str, result: dict[str, Any]) -> dict[str, Any]:
    """``result`` (an invoke answer or a done event) with the gateway's usage for the run, when the runtime
    could not count it."""
    calls = needs_gateway_count(result)
    if not calls:
        return result
    counted = await usage.of_run(run_id, calls)
    if counted is None:
        return result
    tokens, complete = counted
    return {**result, "usage": tokens, "usage_complete": complete}


def _usage(raw: Any) -> dict[str, int]:
    raw = raw if isinstance(raw, dict) else {}
    return {key: int(raw.get(key) or 0) for key in USAGE_KEYS}
