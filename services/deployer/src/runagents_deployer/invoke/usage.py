"""A run's token usage as the LLM gateway counted it, for the invoke answer and the stream's done event.

An agent's own code calls models through the gateway; the runtime does not see those answers' usage
(it reports 0), but it counts the calls it let out. The gateway records each call with its run id, and
the runs service adds them up per run (``GET /api/v1/runs/{run_id}``: usage and one ``llm.call`` entry per
call). Those events travel asynchronously, so the front door waits, a bounded while, until the runs
service has seen as many model calls as the runtime counted; past the bound it answers with what has
arrived (``usage_complete`` false), never holding the answer longer.
"""

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx

USAGE_WAIT_SECONDS = 3.0
USAGE_POLL_SECONDS = 0.1
USAGE_KEYS = ("prompt_tokens", "completion_tokens", "total_tokens")


@dataclass
class GatewayUsage:
    runs: httpx.AsyncClient
    """The runs service's API."""
    wait_seconds: float = USAGE_WAIT_SECONDS

    async def of_run(self, run_id: str, llm_calls: int) -> tuple[dict[str, int], bool] | None:
        """The run's usage and whether all ``llm_calls`` are in it; None when the runs service cannot say."""
        deadline = time.monotonic() + self.wait_seconds
        last: tuple[dict[str, int], bool] | None = None
        while True:
            try:
                response = await self.runs.get(f"/api/v1/runs/{run_id}", timeout=self.wait_seconds)
                run = response.json() if response.status_code == 200 else None
            except (httpx.HTTPError, ValueError):
                run = None
            if isinstance(run, dict):
                seen = sum(1 for event in run.get("events") or [] if event.get("type") == "llm.call")
                last = _usage(run.get("usage")), seen >= llm_calls
                if last[1]:
                    return last
            if time.monotonic() + USAGE_POLL_SECONDS > deadline:
                return last
            await asyncio.sleep(USAGE_POLL_SECONDS)


def needs_gateway_count(result: dict[str, Any]) -> int:
    """How many model calls the runtime counted for an answer whose usage it could not report itself (0:
    the answer's own usage stands)."""
    calls = result.get("calls")
    llm = calls.get("llm") if isinstance(calls, dict) else None
    if not isinstance(llm, int) or isinstance(llm, bool) or llm <= 0:
        return 0
    usage = result.get("usage")
    reported = isinstance(usage, dict) and any(isinstance(usage.get(k), int) and usage[k] > 0 for k in USAGE_KEYS)
    return 0 if reported else llm


async def with_gateway_usage(usage: GatewayUsage, run_id: str, result: dict[str, Any]) -> dict[str, Any]:
    """``result`` (an invoke answer or a done event) with the gateway's usage for the run, when the runtime
    could not count it."""
    llm_calls = needs_gateway_count(result)
    if not llm_calls:
        return result
    counted = await usage.of_run(run_id, llm_calls)
    if counted is None:
        return result
    tokens, complete = counted
    return {**result, "usage": tokens, "usage_complete": complete}


def _usage(raw: Any) -> dict[str, int]:
    raw = raw if isinstance(raw, dict) else {}
    return {key: int(raw.get(key) or 0) for key in USAGE_KEYS}
