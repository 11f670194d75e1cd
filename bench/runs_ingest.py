"""Events per second the runs service ingests from RabbitMQ into Postgres, by batch size, beside the
consumer a user would otherwise write (plain aio-pika, one asyncpg INSERT per event, one transaction each).

    uv run python bench/runs_ingest.py [--events 20000] [--slow-events 3000] [--batch-sizes 1,50,200,500]

Uses the shared Postgres and RabbitMQ (DATABASE_URL / AMQP_URL, default the local standard ports),
each cell in a database and a bus namespace of its own, dropped afterwards. The events are those of
runs as the platform emits them (run.started, a model call, a tool call, a model call, run.completed:
5 per run, numbered by the run's process; runs interleaved as under load), published first onto the
consumer's queue; then the consumer starts and the clock runs until the last event is committed in
Postgres. events/s = events / that time. Cells slower than 1,000 events/s get --slow-events events.

The runs service merges each event into its run (row created or locked, usage and call counts
summed, trace joined) and its timeline, with the inbox's redelivery check; the naive consumer only
stores each event's body as a row: it does less work per event, and is still the slower.
"""

import argparse
import asyncio
import os
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aio_pika
import asyncpg
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from runagents_common.bus.rabbitmq import RabbitMQBus
from runagents_common.events import new_envelope
from runagents_common.events.catalog import (
    LlmCallCompleted,
    RunCompleted,
    RunStarted,
    ToolCallCompleted,
    parse_data,
)
from runagents_common.events.envelope import Envelope
from runagents_common.run_wire import new_run_id
from runagents_common.service import ServiceHost
from runagents_common.settings import RunMode
from runagents_common.testing import DEFAULT_AMQP_URL, delete_namespace, fresh_database
from runagents_runs.component import create_component
from runagents_runs.db import ProcessedEvent
from runagents_runs.runs.consumers import INGESTED_TYPES
from runagents_runs.runs.models import Run, RunEvent
from runagents_runs.settings import RunsSettings

AMQP_URL = os.environ.get("AMQP_URL", DEFAULT_AMQP_URL)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PATTERNS = [event.event_type for event in INGESTED_TYPES]
EVENTS_PER_RUN = 5
INTERLEAVED_RUNS = 50
T0 = datetime(2026, 12, 1, tzinfo=UTC)


def run_events(index: int) -> list[Envelope]:
    """The five events of one run, as the deployer, the gateway and the egress layer emit them."""
    run_id, trace_id, agent = new_run_id(), uuid.uuid4().hex, f"agent-{index % 7}"
    start = T0 + timedelta(seconds=index)

    def llm(seq: int) -> LlmCallCompleted:
        return LlmCallCompleted(run_id=run_id, trace_id=trace_id, agent=agent, provider="playground",
                                model="playground-mini", status=200, prompt_tokens=40, completion_tokens=12,
                                latency_ms=3.5, finish_reason="stop", at=start + timedelta(milliseconds=10 * seq),
                                seq=seq)

    events = [
        RunStarted(run_id=run_id, agent=agent, user="anonymous", trace_id=trace_id, started_at=start,
                   message="Say hello through the echo tool."),
        llm(1),
        ToolCallCompleted(run_id=run_id, trace_id=trace_id, agent=agent, tool="echo", method="POST", path="/echo",
                          decision="allow", status=200, latency_ms=1.2, at=start + timedelta(milliseconds=20), seq=2),
        llm(3),
        RunCompleted(run_id=run_id, agent=agent, status="succeeded", ended_at=start + timedelta(milliseconds=40),
                     duration_ms=40, response="Hello", model="playground-mini", usage={"total_tokens": 104},
                     llm_calls=2, tool_calls=1, other_calls=0),
    ]
    return [new_envelope(data.event_type, "/runagents/bench", data) for data in events]


def workload(count: int) -> list[Envelope]:
    """``count`` events (whole runs), each run's events in order, runs interleaved in groups."""
    runs = [run_events(index) for index in range(max(1, count // EVENTS_PER_RUN))]
    ordered: list[Envelope] = []
    for group in range(0, len(runs), INTERLEAVED_RUNS):
        chunk = runs[group:group + INTERLEAVED_RUNS]
        for step in range(EVENTS_PER_RUN):
            ordered.extend(run[step] for run in chunk)
    return ordered


async def backend_cpu_seconds(database_url: str) -> float:
    """CPU seconds used so far by the Postgres backends connected to the cell's database (this machine's
    /proc): with other work on the machine, events per CPU-second says what wall time cannot."""
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        pids = await connection.fetch("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                      "AND pid <> pg_backend_pid()")
    finally:
        await connection.close()
    total = 0.0
    for (pid,) in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()  # noqa: ASYNC240
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return total


class Clock:
    """Wall time, and CPU time of this process plus the database's backends, between start and stop."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    async def start(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        self.backends = await backend_cpu_seconds(self.database_url)

    async def stop(self) -> tuple[float, float, float]:
        """Wall seconds, this process's CPU seconds, the database backends' CPU seconds."""
        wall, cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu
        # Backends that exited meanwhile are not counted: the pools keep theirs open until disposed.
        return wall, cpu, max(0.0, await backend_cpu_seconds(self.database_url) - self.backends)


async def publish_onto_queue(namespace: str, consumer: str, envelopes: list[Envelope]) -> None:
    bus = RabbitMQBus(AMQP_URL, namespace=namespace)
    await bus.start()
    try:
        await bus.declare_queue(consumer, PATTERNS)
        for start in range(0, len(envelopes), 1000):
            await bus.publish_many(envelopes[start:start + 1000])
    finally:
        await bus.close()


async def runs_service_cell(database_url: str, events: list[Envelope], batch_size: int) -> tuple[float, float, float]:
    namespace = f"bench-{uuid.uuid4().hex[:10]}"
    settings = RunsSettings(mode=RunMode.DISTRIBUTED, database_url=database_url, amqp_url=AMQP_URL,
                            runs_batch_size=batch_size)
    component = create_component(settings)
    try:
        await component.migrate()
        await publish_onto_queue(namespace, "runs", events)
        host = ServiceHost([component], RabbitMQBus(AMQP_URL, namespace=namespace))
        async with component.database.session() as session:  # the pool's first connection, opened untimed
            await session.execute(select(1))
        clock = Clock(database_url)
        await clock.start()
        await host.start()
        try:
            while True:
                async with component.database.session() as session:
                    done = await session.scalar(select(func.count()).select_from(ProcessedEvent))
                if done is not None and done >= len(events):
                    measured = await clock.stop()
                    break
                await asyncio.sleep(0.02)
        finally:
            await host.stop()
        async with component.database.session() as session:
            entries = await session.scalar(select(func.count()).select_from(RunEvent))
            whole = await session.scalar(select(func.count()).select_from(Run).where(
                Run.status == "succeeded", Run.llm_calls_seen == 2, Run.tool_calls_seen == 1, Run.start_reported))
        if (entries, whole) != (len(events), len(events) // EVENTS_PER_RUN):
            raise SystemExit(f"merged {entries} entries and {whole} whole runs of {len(events)} events")
        return measured
    finally:
        await component.database.dispose()
        await delete_namespace(AMQP_URL, namespace, ["runs"])


async def naive_cell(database_url: str, events: list[Envelope]) -> tuple[float, float, float]:
    """A plain aio-pika consumer writing each event with asyncpg, one transaction per event."""
    namespace = f"bench-{uuid.uuid4().hex[:10]}"
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=4)
    try:
        await pool.execute("CREATE TABLE naive_events (id text PRIMARY KEY, type text NOT NULL, "
                           "body jsonb NOT NULL, received_at timestamptz NOT NULL DEFAULT now())")
        await publish_onto_queue(namespace, "naive", events)
        connection = await aio_pika.connect(AMQP_URL)
        clock = Clock(database_url)
        await clock.start()
        async with connection:
            channel = await connection.channel()
            await channel.set_qos(prefetch_count=16)
            queue = await channel.get_queue(f"{namespace}.naive", ensure=False)
            seen = 0
            async with queue.iterator() as messages:
                async for message in messages:
                    await pool.execute("INSERT INTO naive_events (id, type, body) VALUES ($1, $2, $3) "
                                       "ON CONFLICT (id) DO NOTHING", message.message_id, message.type,
                                       message.body.decode())
                    await message.ack()
                    seen += 1
                    if seen == len(events):
                        break
            return await clock.stop()
    finally:
        await pool.close()
        await delete_namespace(AMQP_URL, namespace, ["naive"])


async def delivery_only_cell(database_url: str, events: list[Envelope], batch_size: int) -> tuple[float, float, float]:
    """The ceiling: the same events taken from RabbitMQ in batches, decoded and validated, written nowhere."""
    namespace = f"bench-{uuid.uuid4().hex[:10]}"
    bus = RabbitMQBus(AMQP_URL, namespace=namespace)
    try:
        await publish_onto_queue(namespace, "ceiling", events)
        await bus.start()
        seen = 0
        all_seen = asyncio.Event()

        async def validate(envelopes: Sequence[Envelope]) -> None:
            nonlocal seen
            for envelope in envelopes:
                parse_data(envelope)
            seen += len(envelopes)
            if seen >= len(events):
                all_seen.set()

        clock = Clock(database_url)
        await clock.start()
        await bus.subscribe_batch("ceiling", PATTERNS, validate, max_batch=batch_size)
        await all_seen.wait()
        return await clock.stop()
    finally:
        await bus.close()
        await delete_namespace(AMQP_URL, namespace, ["ceiling"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--slow-events", type=int, default=3_000)
    parser.add_argument("--batch-sizes", default="1,50,200,500")
    args = parser.parse_args()

    sizes = [int(size) for size in args.batch_sizes.split(",")]
    cells: list[tuple[str, int | None]] = [("naive aio-pika + asyncpg, 1 event/transaction", None)]
    cells += [(f"runs service, batch <= {size}", size) for size in sizes]
    cells += [(f"ceiling: bus delivery alone, batch <= {max(sizes)}", -max(sizes))]
    print(f"runs ingestion, RabbitMQ -> Postgres, {os.cpu_count()} CPU(s), events of {EVENTS_PER_RUN}-event runs")
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    print(f"{'consumer':<48} {'events':>7} {'seconds':>8} {'events/s':>9} {'events/CPU-s':>13} "
          f"{'consumer µs/event':>18} {'Postgres µs/event':>18}")
    for name, batch_size in cells:
        count = args.slow_events if batch_size is None or batch_size == 1 else args.events
        events = workload(count)
        with fresh_database() as database_url:
            if batch_size is None:
                seconds, consumer, backends = asyncio.run(naive_cell(database_url, events))
            elif batch_size < 0:
                seconds, consumer, backends = asyncio.run(delivery_only_cell(database_url, events, -batch_size))
            else:
                seconds, consumer, backends = asyncio.run(runs_service_cell(database_url, events, batch_size))
        print(f"{name:<48} {len(events):>7} {seconds:>8.2f} {len(events) / seconds:>9,.0f} "
              f"{len(events) / max(consumer + backends, 1e-9):>13,.0f} {consumer / len(events) * 1e6:>18,.0f} "
              f"{backends / len(events) * 1e6:>18,.0f}", flush=True)
    print("events/CPU-s: events per CPU second of the consumer's process and its Postgres backends (the "
          "broker's not counted); the machine's other work slows wall time, not this. The ceiling row is what "
          "this machine's broker and the aio-pika client deliver right now with no database at all.")


if __name__ == "__main__":
    main()
