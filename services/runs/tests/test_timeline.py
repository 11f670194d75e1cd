"""Events from several services merge into one run and its timeline, in any arrival order."""

from collections.abc import Callable
from typing import Any

from runagents_common.events import EventData, new_envelope
from runagents_common.events.catalog import LlmCallCompleted, LlmCallsCompleted, RunStarted, Service
from runagents_runs.testing import RunEvents, RunsPlatform, RunView, at


def hello_world(run: RunEvents) -> list[EventData]:
    """One invoke as emitted: started, a model call asking for the echo tool, the tool call,
    a final model call, completed (with a usage that differs from the calls' sum)."""
    return [
        run.started(at(0)),
        run.llm_call(at(1), 10, 5, tool_calls=["echo__echo"]),
        run.tool_call(at(2)),
        run.llm_call(at(3), 20, 7),
        run.completed(at(4), 4000, usage={"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}),
    ]


def is_finished(count: int) -> Callable[[RunView], bool]:
    return lambda run: run["status"] != "running" and len(run["events"]) == count


def without_identity(run: RunView) -> dict[str, Any]:
    return {k: v for k, v in run.items() if k not in {"id", "trace_id", "agent"}}


async def test_ordered_flow_builds_the_timeline_and_sums_usage_of_model_calls(
    platform: RunsPlatform
) -> None:
    run = RunEvents()
    await platform.publish_all(*hello_world(run))

    view = await platform.wait_for_run(run.run_id, is_finished(5))

    assert view["id"] == run.run_id
    assert view["agent"] == run.agent
    assert view["status"] == "succeeded"
    assert view["user"] == "alice"
    assert view["trace_id"] == run.trace_id
    assert view["message"] == "Say hello"
    assert view["response"] == "Hello!"
    assert view["model"] == "playground-1"
    assert view["error"] is None
    assert view["started_at"] == "2026-03-01T12:00:00Z"
    assert view["ended_at"] == "2026-03-01T12:00:04Z"
    assert view["duration_ms"] == 4000
    assert view["usage"] == {"prompt_tokens": 30, "completion_tokens": 12, "total_tokens": 42}
    assert [e["type"] for e in view["events"]] == [
        "run.started", "llm.call", "tool.call", "llm.call", "run.completed"
    ]
    started, first_call, tool, _, completed = view["events"]
    assert started["data"] == {"message": "Say hello", "user": "alice"}
    assert first_call["time"] == "2026-03-01T12:00:01Z"
    assert first_call["data"] == {
        "provider": "playground", "model": "playground-1", "status": 200,
        "tokens": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        "latency_ms": 12.5, "finish_reason": "tool_calls", "tool_calls": ["echo__echo"],
    }
    assert tool["data"] == {"tool": "echo", "method": "POST", "path": "/echo", "decision": "allow",
                            "status": 200, "latency_ms": 3.25}
    assert completed["data"]["response"] == "Hello!"
    assert completed["data"]["duration_ms"] == 4000
    assert completed["data"]["usage"] == {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    assert completed["data"]["tool_calls_made"][0]["function"] == "echo__echo"


async def test_out_of_order_arrival_gives_the_same_run_and_never_reverts_completion(
    platform: RunsPlatform
) -> None:
    in_order, shuffled = RunEvents(), RunEvents()
    await platform.publish_all(*hello_world(in_order))
    started, call, tool, last_call, completed = hello_world(shuffled)

    await platform.publish_all(completed, last_call, tool, call)
    before_start = await platform.wait_for_run(shuffled.run_id, is_finished(4), what="completion before start")
    assert before_start["status"] == "succeeded"
    assert before_start["agent"] == shuffled.agent
    assert before_start["started_at"] == "2026-03-01T12:00:00Z", "implied by ended_at - duration_ms"
    assert before_start["user"] is None
    assert before_start["usage"]["total_tokens"] == 42

    await platform.publish(started)
    late_start = await platform.wait_for_run(shuffled.run_id, is_finished(5), what="late start")
    reference = await platform.wait_for_run(in_order.run_id, is_finished(5))

    assert late_start["status"] == "succeeded"
    assert late_start["trace_id"] == shuffled.trace_id
    assert without_identity(late_start) == without_identity(reference)


async def test_usage_is_what_completion_reported_when_no_model_call_was_recorded(
    platform: RunsPlatform
) -> None:
    run = RunEvents()
    await platform.publish_all(
        run.started(at(0)),
        run.failed(at(2), 2000, "agent process exited with code 1", usage={"prompt_tokens": 7, "completion_tokens": 3}),
    )

    view = await platform.wait_for_run(run.run_id, is_finished(2))

    assert view["status"] == "failed"
    assert view["error"] == "agent process exited with code 1"
    assert view["usage"] == {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10}
    assert view["events"][-1] == {
        "type": "run.failed", "time": "2026-03-01T12:00:02Z", "seq": None,
        "data": {"error": "agent process exited with code 1", "duration_ms": 2000},
    }


async def test_call_with_only_a_trace_id_joins_the_run_of_that_trace(
    platform: RunsPlatform
) -> None:
    ours, other = RunEvents(), RunEvents()
    await platform.publish_all(ours.started(at(0)), other.started(at(0)))
    await platform.publish_all(ours.llm_call(at(1), 4, 2, by_run=False), ours.tool_call(at(2), by_run=False))

    view = await platform.wait_for_events(ours.run_id, 3)

    assert [e["type"] for e in view["events"]] == ["run.started", "llm.call", "tool.call"]
    assert view["usage"]["total_tokens"] == 6
    assert [e["type"] for e in (await platform.get_run(other.run_id)).json()["events"]] == ["run.started"]


async def test_call_whose_trace_is_not_yet_known_waits_for_the_run_of_that_trace(
    platform: RunsPlatform
) -> None:
    run = RunEvents()
    # Consumption is in publish order on both buses, so the call is parked before the run exists.
    await platform.publish(run.llm_call(at(1), 8, 4, by_run=False))
    await platform.publish_all(run.started(at(0)), run.completed(at(3), 3000, usage={"total_tokens": 99}))

    view = await platform.wait_for_run(run.run_id, is_finished(3))

    assert [e["type"] for e in view["events"]] == ["run.started", "llm.call", "run.completed"]
    assert view["usage"] == {"prompt_tokens": 8, "completion_tokens": 4, "total_tokens": 12}


async def test_redelivered_event_adds_one_timeline_entry(platform: RunsPlatform) -> None:
    run = RunEvents()
    await platform.publish(run.started(at(0)))
    call = await platform.publish(run.llm_call(at(1), 10, 5))
    await platform.bus.publish(call)
    await platform.publish(run.completed(at(2), 2000))

    view = await platform.wait_for_run(run.run_id, is_finished(3))

    assert [e["type"] for e in view["events"]] == ["run.started", "llm.call", "run.completed"]
    assert view["usage"]["total_tokens"] == 15


async def test_gateway_batch_puts_each_of_its_calls_on_the_timeline_once_even_when_redelivered(
    platform: RunsPlatform
) -> None:
    run = RunEvents()
    await platform.publish(run.started(at(0)))
    batch = await platform.publish(LlmCallsCompleted(calls=[
        run.llm_call(at(1), 10, 5, tool_calls=["echo__echo"]),
        run.llm_call(at(2), 20, 7),
    ]), source="/runagents/gateway")
    await platform.bus.publish(batch)  # delivered again, as a bus may
    await platform.publish(run.completed(at(3), 3000))

    view = await platform.wait_for_run(run.run_id, is_finished(4))

    assert [e["type"] for e in view["events"]] == ["run.started", "llm.call", "llm.call", "run.completed"]
    _, first, second, _ = view["events"]
    assert (first["time"], first["data"]["tokens"]["total_tokens"], first["data"]["tool_calls"]) == (
        "2026-03-01T12:00:01Z", 15, ["echo__echo"])
    assert (second["time"], second["data"]["tokens"]["total_tokens"], second["data"]["tool_calls"]) == (
        "2026-03-01T12:00:02Z", 27, [])
    assert view["usage"] == {"prompt_tokens": 30, "completion_tokens": 12, "total_tokens": 42}


def numbered_run(run: RunEvents) -> list[EventData]:
    """started, llm #1 (asks for the tool), tool #2, llm #3, completed saying 2 model calls and 1 tool call.
    The tool call is stamped after the run's end, as an egress layer that stamps late would."""
    return [
        run.started(at(0)),
        run.llm_call(at(1), 10, 5, tool_calls=["echo__echo"], seq=1),
        run.tool_call(at(5), seq=2),
        run.llm_call(at(3), 20, 7, seq=3),
        run.completed(at(4), 4000, calls={"llm": 2, "tool": 1, "other": 0}),
    ]


async def test_timeline_is_in_the_runs_own_order_whatever_the_arrival_order_and_the_stamps(
    platform: RunsPlatform
) -> None:
    run = RunEvents()
    started, first_call, tool, last_call, completed = numbered_run(run)
    # The tool call is ingested after the run's end and the last model call before the first.
    await platform.publish_all(started, last_call, completed, first_call, tool)

    view = await platform.wait_for_run(run.run_id, is_finished(5))

    assert [(e["type"], e["seq"]) for e in view["events"]] == [
        ("run.started", None), ("llm.call", 1), ("tool.call", 2), ("llm.call", 3), ("run.completed", None),
    ]
    assert view["events"][2]["time"] == "2026-03-01T12:00:05Z", "each entry keeps the time its emitter gave"


async def test_a_succeeded_run_is_complete_only_once_its_last_model_call_arrived(platform: RunsPlatform) -> None:
    run = RunEvents()
    started, first_call, tool, last_call, completed = numbered_run(run)
    await platform.publish_all(started, first_call, tool, completed)

    before = await platform.wait_for_run(run.run_id, is_finished(4), what="the run's end")
    assert (before["status"], before["complete"]) == ("succeeded", False)
    assert before["events"][-1]["data"]["calls"] == {"llm": 2, "tool": 1, "other": 0}
    listed = (await platform.client.get("/api/v1/runs", params={"agent": run.agent})).json()["items"]
    assert [(item["id"], item["complete"]) for item in listed] == [(run.run_id, False)]

    await platform.publish(last_call)
    after = await platform.wait_for_run(run.run_id, is_finished(5), what="the late model call")
    assert (after["status"], after["complete"]) == ("succeeded", True)
    assert after["usage"]["total_tokens"] == 42


async def test_calls_of_unknown_kind_count_towards_completeness_as_model_or_tool_calls(
    platform: RunsPlatform
) -> None:
    run = RunEvents()
    await platform.publish_all(run.started(at(0)), run.llm_call(at(1), 1, 1, seq=1),
                               run.completed(at(3), 3000, calls={"llm": 0, "tool": 0, "other": 2}))
    before = await platform.wait_for_run(run.run_id, is_finished(3))
    assert before["complete"] is False

    await platform.publish(run.tool_call(at(2), seq=2))
    after = await platform.wait_for_run(run.run_id, is_finished(4))
    assert after["complete"] is True


async def test_a_run_without_call_counts_is_complete_with_its_start_and_end(platform: RunsPlatform) -> None:
    run = RunEvents()
    await platform.publish(run.completed(at(3), 3000))
    ended = await platform.wait_for_run(run.run_id, is_finished(1))
    assert ended["complete"] is False, "its start has not arrived"

    await platform.publish(run.started(at(0)))
    assert (await platform.wait_for_run(run.run_id, is_finished(2)))["complete"] is True


async def test_an_event_delivered_twice_in_one_batch_adds_one_entry(platform: RunsPlatform) -> None:
    run = RunEvents()
    started = new_envelope(RunStarted.event_type, Service.DEPLOYER.source, run.started(at(0)))
    call = new_envelope(LlmCallCompleted.event_type, Service.GATEWAY.source, run.llm_call(at(1), 10, 5, seq=1))
    # Back to back, with no await that yields between them: on the in-process bus one batch holds all four.
    await platform.bus.publish_many([started, call, call, started])
    await platform.publish(run.completed(at(2), 2000, calls={"llm": 1, "tool": 0, "other": 0}))

    view = await platform.wait_for_run(run.run_id, is_finished(3))

    assert [e["type"] for e in view["events"]] == ["run.started", "llm.call", "run.completed"]
    assert view["usage"]["total_tokens"] == 15
    assert view["complete"] is True
