"""The run's headers on an outbound call: one spelling for the agent's process and the runtime's server.

Standard library only, so the agent's process can use it; the server's runagents_runtime.propagation
imports it from here. The platform's services spell the same names in `runagents_common.run_wire`
(neither package can depend on the other) and a test holds both equal.
"""

from __future__ import annotations

import secrets

RUN_ID_HEADER = "X-RunAgents-Run-Id"
RUN_SEQ_HEADER = "X-RunAgents-Run-Seq"
AGENT_HEADER = "X-RunAgents-Agent"
REQUEST_ID_HEADER = "X-Request-Id"
INVALID_SPAN_ID = "0" * 16


def new_span_id() -> str:
    """Return a random, valid W3C span id (16 lowercase hex digits)."""
    while (span_id := secrets.token_hex(8)) == INVALID_SPAN_ID:
        pass
    return span_id


def call_headers(
    *,
    trace_id: str,
    trace_flags: str,
    agent: str,
    request_id: str,
    number: int,
    run_id: str | None = None,
    tracestate: str | None = None,
    baggage: str | None = None,
) -> dict[str, str]:
    """The headers of the run's call number `number`: on the run's trace, with a fresh span id."""
    headers = {
        "traceparent": f"00-{trace_id}-{new_span_id()}-{trace_flags}",
        AGENT_HEADER: agent,
        REQUEST_ID_HEADER: request_id,
        RUN_SEQ_HEADER: str(number),
    }
    if tracestate:
        headers["tracestate"] = tracestate
    if baggage:
        headers["baggage"] = baggage
    if run_id:
        headers[RUN_ID_HEADER] = run_id
    return headers
