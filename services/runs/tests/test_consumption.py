"""What the consumer does with events it cannot use."""

import json

from runagents_common.events.catalog import Service
from runagents_common.events.envelope import Envelope
from runagents_common.testing import eventually
from runagents_runs.testing import WAIT_SECONDS, RunEvents, RunsPlatform, at


async def test_malformed_event_is_dead_lettered_and_the_next_one_is_processed(
    platform: RunsPlatform
) -> None:
    run = RunEvents()
    not_json = b"{this is not json"
    invalid_data = Envelope(type="run.started.v1", source=Service.DEPLOYER.source, data={"run_id": run.run_id})

    await platform.bus.publish_raw("run.started.v1", not_json)
    await platform.bus.publish_raw("run.started.v1", invalid_data.model_dump_json().encode())
    await platform.publish(run.started(at(0)))

    view = await platform.wait_for_events(run.run_id, 1)
    assert view["status"] == "running"

    async def both_dead_lettered() -> bool:
        return len(await platform.dead_lettered()) >= 2

    await eventually(both_dead_lettered, WAIT_SECONDS, message="dead-lettering")
    dead = await platform.dead_lettered()
    assert dead[0] == not_json
    assert json.loads(dead[1])["data"] == {"run_id": run.run_id}


async def test_call_naming_neither_run_nor_trace_is_dropped_and_consumption_goes_on(
    platform: RunsPlatform
) -> None:
    run = RunEvents()
    orphan = run.llm_call(at(1), 1, 1, by_run=False).model_copy(update={"trace_id": None})
    await platform.publish(orphan)
    await platform.publish(run.started(at(0)))

    view = await platform.wait_for_events(run.run_id, 1)

    assert [e["type"] for e in view["events"]] == ["run.started"]
    assert await platform.dead_lettered() == []
