"""Run and trace identity: inbound headers reach every outbound call."""

from __future__ import annotations

import asyncio

from runagents_runtime.propagation import (
    CallKind,
    outbound_headers,
    propagating,
    propagation_from_headers,
)

INBOUND_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
INBOUND_SPAN_ID = "00f067aa0ba902b7"
INBOUND_HEADERS = {
    "X-RunAgents-Run-Id": "run-42",
    "traceparent": f"00-{INBOUND_TRACE_ID}-{INBOUND_SPAN_ID}-01",
    "baggage": "tenant=acme,user=u-7",
    "X-Request-Id": "req-abc",
}


def _trace_parts(traceparent: str) -> tuple[str, str, str, str]:
    version, trace_id, span_id, flags = traceparent.split("-")
    return version, trace_id, span_id, flags


async def test_trace_run_and_identity_headers_reach_the_gateway_and_the_tool(start_runtime, gateway, tools):
    gateway.reply_with(gateway.tool_reply(("echo__echo", {"x": 1})), gateway.text_reply("done"))

    async with start_runtime() as client:
        response = await client.post("/invoke", json={"message": "go"}, headers=INBOUND_HEADERS)

    assert response.status_code == 200
    assert response.json()["request_id"] == "req-abc"
    assert response.headers["x-request-id"] == "req-abc"
    outbound = [request.headers for request in [*gateway.requests, *tools.requests]]
    assert len(outbound) == 3
    span_ids = set()
    for headers in outbound:
        version, trace_id, span_id, flags = _trace_parts(headers["traceparent"])
        assert (version, trace_id, flags) == ("00", INBOUND_TRACE_ID, "01")
        span_ids.add(span_id)
        assert headers["x-runagents-run-id"] == "run-42"
        assert headers["x-runagents-agent"] == "test-agent"
        assert headers["baggage"] == "tenant=acme,user=u-7"
        assert headers["authorization"] == "Bearer agent-token-for-tests"
    assert INBOUND_SPAN_ID not in span_ids
    assert len(span_ids) == 3


async def test_a_trace_is_started_when_none_comes_in_and_shared_by_all_outbound_calls(start_runtime, gateway, tools):
    gateway.reply_with(gateway.tool_reply(("echo__echo", {})), gateway.text_reply("done"))

    async with start_runtime({"RUNAGENTS_AGENT_TOKEN": None}) as client:
        response = await client.post("/invoke", json={"message": "go"})

    assert response.status_code == 200
    outbound = [request.headers for request in [*gateway.requests, *tools.requests]]
    trace_ids = {_trace_parts(headers["traceparent"])[1] for headers in outbound}
    assert len(trace_ids) == 1
    assert trace_ids != {"0" * 32}
    assert all("authorization" not in headers for headers in outbound)
    assert all("x-runagents-run-id" not in headers for headers in outbound)


def test_a_malformed_traceparent_starts_a_new_trace():
    propagation = propagation_from_headers({"traceparent": "00-not-a-trace-01"}, agent_name="a", agent_token=None)

    assert len(propagation.trace_id) == 32
    assert propagation.trace_id != "not-a-trace"


def test_request_id_is_a_fresh_uuid_hex_without_x_request_id():
    first = propagation_from_headers({}, agent_name="a", agent_token=None)
    second = propagation_from_headers({}, agent_name="a", agent_token=None)

    assert len(first.request_id) == 32
    assert first.request_id != second.request_id


async def test_outbound_headers_follow_the_run_into_worker_threads():
    run = propagation_from_headers(INBOUND_HEADERS, agent_name="a", agent_token=None)

    with propagating(run):
        headers = await asyncio.to_thread(outbound_headers)

    assert headers["X-RunAgents-Run-Id"] == "run-42"
    assert _trace_parts(headers["traceparent"])[1] == INBOUND_TRACE_ID
    assert outbound_headers() == {}


async def test_each_outbound_call_of_a_run_carries_its_number_in_the_order_the_calls_started(
    start_runtime, gateway, tools
):
    gateway.reply_with(gateway.tool_reply(("echo__echo", {"x": 1})), gateway.text_reply("done"))

    async with start_runtime() as client:
        response = await client.post("/invoke", json={"message": "go"}, headers=INBOUND_HEADERS)

    assert response.status_code == 200
    first_llm, last_llm = (request.headers["x-runagents-run-seq"] for request in gateway.requests)
    (tool,) = (request.headers["x-runagents-run-seq"] for request in tools.requests)
    assert (first_llm, tool, last_llm) == ("1", "2", "3")
    assert response.json()["calls"] == {"llm": 2, "tool": 1, "other": 0}


async def test_calls_the_agents_own_clients_make_in_worker_threads_are_numbered_in_the_same_sequence():
    run = propagation_from_headers(INBOUND_HEADERS, agent_name="agent", agent_token=None)
    with propagating(run):
        own = outbound_headers(kind=CallKind.LLM)["X-RunAgents-Run-Seq"]
        in_threads = await asyncio.gather(*(asyncio.to_thread(outbound_headers) for _ in range(20)))

    numbers = sorted(int(headers["X-RunAgents-Run-Seq"]) for headers in in_threads)
    assert own == "1"
    assert numbers == list(range(2, 22))
    assert run.steps.counts() == {"llm": 1, "tool": 0, "other": 20}
