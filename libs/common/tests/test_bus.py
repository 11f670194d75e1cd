"""Bus conformance: InMemoryBus and RabbitMQBus honour the same contract.

Every test in ``TestBusConformance`` runs once per implementation through the ``harness``
fixture, which gives both the same observable surface (publish, publish raw bytes, subscribe,
read what a consumer dead-lettered). RabbitMQ tests use a private namespace deleted afterwards.
"""

import asyncio
import json
import logging
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase
from yarl import URL

from runagents_common.bus.base import EventHandler, topic_matches
from runagents_common.bus.memory import InMemoryBus
from runagents_common.bus.rabbitmq import RabbitMQBus
from runagents_common.db import create_metadata
from runagents_common.db.database import Database
from runagents_common.db.inbox import idempotent_handler
from runagents_common.db.messaging import messaging_tables
from runagents_common.events.catalog import AgentDeployRequested, EventData, PoisonEvent, Service, parse_data
from runagents_common.events.envelope import Envelope, new_envelope
from runagents_common.testing import DeadLetters, TcpProxy, delete_namespace

Eventually = Callable[..., Awaitable[None]]

MAX_DELIVERIES = 3
FENCE = "test.fence.v1"


def event(event_type: str, **data: Any) -> Envelope:
    return Envelope(type=event_type, source="/runagents/test", data=data)


class BusHarness:
    """One bus under test, observed the same way whatever the implementation."""

    def __init__(self, bus: InMemoryBus | RabbitMQBus) -> None:
        self.bus = bus
        self.consumers: list[str] = []

    async def subscribe(self, consumer: str, patterns: Sequence[str], handler: EventHandler) -> None:
        self.consumers.append(consumer)
        await self.bus.subscribe(consumer, patterns, handler)

    async def publish(self, envelope: Envelope) -> None:
        await self.bus.publish(envelope)

    async def publish_raw(self, routing_key: str, body: bytes) -> None:
        await self.bus.publish_raw(routing_key, body)

    async def dead_lettered(self, consumer: str) -> list[bytes]:
        """Bodies ``consumer`` dead-lettered so far, oldest first."""
        raise NotImplementedError

    async def close(self) -> None:
        await self.bus.close()


class MemoryHarness(BusHarness):
    bus: InMemoryBus

    async def dead_lettered(self, consumer: str) -> list[bytes]:
        return [letter.body for letter in self.bus.dead_letters if letter.consumer == consumer]


class RabbitHarness(BusHarness):
    """Reads ``<ns>.<consumer>.dlq`` on its own connection; what it read is kept, in order."""

    bus: RabbitMQBus

    def __init__(self, bus: RabbitMQBus, amqp_url: str) -> None:
        super().__init__(bus)
        self.amqp_url = amqp_url
        self.dead_letters = DeadLetters(bus, amqp_url)

    async def dead_lettered(self, consumer: str) -> list[bytes]:
        return await self.dead_letters.of(consumer)

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            await delete_namespace(self.amqp_url, self.bus.namespace, self.consumers)


@pytest.fixture(params=["memory", "rabbitmq"])
async def harness(request: pytest.FixtureRequest, amqp_url: str, bus_namespace: str) -> AsyncIterator[BusHarness]:
    h: BusHarness
    if request.param == "memory":
        h = MemoryHarness(InMemoryBus(max_deliveries=MAX_DELIVERIES, retry_delay=0.01))
    else:
        bus = RabbitMQBus(amqp_url, namespace=bus_namespace, max_deliveries=MAX_DELIVERIES, retry_delay=0.01)
        h = RabbitHarness(bus, amqp_url)
    await h.bus.start()
    try:
        yield h
    finally:
        await h.close()


class Recorder:
    """A handler that records what it was given."""

    def __init__(self) -> None:
        self.received: list[Envelope] = []

    async def __call__(self, envelope: Envelope) -> None:
        self.received.append(envelope)

    def types(self) -> list[str]:
        return [e.type for e in self.received]

    def ids(self) -> list[str]:
        return [e.id for e in self.received]

    def got(self, envelope: Envelope) -> bool:
        return envelope.id in self.ids()


class FlakyHandler(Recorder):
    """Fails the first ``failures`` deliveries of each event whose type is in ``failing``."""

    def __init__(self, failing: set[str], failures: int, error: type[Exception] = RuntimeError) -> None:
        super().__init__()
        self.failing = failing
        self.failures = failures
        self.error = error
        self.attempts: Counter[str] = Counter()

    async def __call__(self, envelope: Envelope) -> None:
        self.attempts[envelope.id] += 1
        if envelope.type in self.failing and self.attempts[envelope.id] <= self.failures:
            raise self.error(f"attempt {self.attempts[envelope.id]} of {envelope.id} fails")
        await super().__call__(envelope)


def dead_ids(bodies: list[bytes]) -> list[str]:
    return [json.loads(body)["id"] for body in bodies]


class InboxBase(DeclarativeBase):
    metadata = create_metadata()


_, ProcessedEvent = messaging_tables(InboxBase)


@pytest.fixture
async def inbox_database(tmp_path: Path) -> AsyncIterator[Database]:
    """A SQLite database holding the processed-events table the consumer wrapper writes."""
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'inbox.db'}")
    async with database.engine.begin() as conn:
        await conn.run_sync(InboxBase.metadata.create_all)
    yield database
    await database.dispose()


class TestBusConformance:
    async def test_delivers_to_every_consumer_whose_pattern_matches_and_no_other(
        self, harness: BusHarness, wait_until: Eventually
    ) -> None:
        subscriptions = {
            "exact": ["agent.deleted.v1", FENCE],
            "star": ["agent.*.v1", FENCE],
            "hash": ["agent.#", FENCE],
            "all": ["#"],
            "other": ["run.*.v1", "agent.deleted", FENCE],
        }
        recorders = {name: Recorder() for name in subscriptions}
        for name, patterns in subscriptions.items():
            await harness.subscribe(name, patterns, recorders[name])

        for event_type in ("agent.deleted.v1", "agent.build.requested.v1", "analysis.requested.v1"):
            await harness.publish(event(event_type, n=1))
        # Each queue is FIFO: once the fence arrived, every earlier matching event has too.
        await harness.publish(event(FENCE))
        await wait_until(lambda: all(FENCE in r.types() for r in recorders.values()), message="fence delivered")

        assert recorders["exact"].types() == ["agent.deleted.v1", FENCE]
        assert recorders["star"].types() == ["agent.deleted.v1", FENCE]
        assert recorders["hash"].types() == ["agent.deleted.v1", "agent.build.requested.v1", FENCE]
        assert recorders["all"].types() == [
            "agent.deleted.v1", "agent.build.requested.v1", "analysis.requested.v1", FENCE
        ]
        assert recorders["other"].types() == [FENCE]

    async def test_a_batch_published_at_once_arrives_whole_and_in_order(
        self, harness: BusHarness, wait_until: Eventually
    ) -> None:
        recorder = Recorder()
        await harness.subscribe("ordered", ["agent.deleted.v1"], recorder)
        batch = [event("agent.deleted.v1", n=n) for n in range(300)]
        await harness.bus.publish_many(batch)
        await wait_until(lambda: len(recorder.received) == len(batch), message="the whole batch delivered")
        assert recorder.ids() == [e.id for e in batch]

    async def test_each_consumer_gets_its_own_copy(self, harness: BusHarness, wait_until: Eventually) -> None:
        first, second = Recorder(), Recorder()
        await harness.subscribe("first", ["agent.deleted.v1"], first)
        await harness.subscribe("second", ["agent.deleted.v1"], second)

        sent = event("agent.deleted.v1", agent="a")
        await harness.publish(sent)
        await wait_until(lambda: first.got(sent) and second.got(sent), message="both consumers got the event")

        assert first.received == [sent]
        assert second.received == [sent]

    async def test_handler_failing_twice_gets_the_event_a_third_time(
        self, harness: BusHarness, wait_until: Eventually
    ) -> None:
        handler = FlakyHandler({"agent.deleted.v1"}, failures=2)
        await harness.subscribe("flaky", ["agent.deleted.v1", FENCE], handler)

        sent = event("agent.deleted.v1", agent="a")
        await harness.publish(sent)
        await wait_until(lambda: handler.got(sent), message="event handled after two failures")
        await harness.publish(event(FENCE))
        await wait_until(lambda: FENCE in handler.types(), message="fence delivered")

        assert handler.attempts[sent.id] == 3
        assert handler.ids().count(sent.id) == 1
        assert await harness.dead_lettered("flaky") == []

    async def test_always_failing_event_is_dead_lettered_after_max_deliveries(
        self, harness: BusHarness, wait_until: Eventually
    ) -> None:
        handler = FlakyHandler({"agent.deleted.v1"}, failures=1_000)
        await harness.subscribe("doomed", ["agent.#"], handler)

        doomed = event("agent.deleted.v1", agent="a")
        await harness.publish(doomed)

        async def dead_lettered() -> bool:
            return dead_ids(await harness.dead_lettered("doomed")) == [doomed.id]

        await wait_until(dead_lettered, message="event dead-lettered")
        assert handler.attempts[doomed.id] == MAX_DELIVERIES

        # The consumer goes on with the next event.
        after = event("agent.status.changed.v1", agent="a")
        await harness.publish(after)
        await wait_until(lambda: handler.got(after), message="next event handled")
        assert handler.attempts[doomed.id] == MAX_DELIVERIES
        assert dead_ids(await harness.dead_lettered("doomed")) == [doomed.id]

    async def test_an_event_waits_out_a_database_outage_without_using_up_its_deliveries(
        self, harness: BusHarness, wait_until: Eventually
    ) -> None:
        """A few seconds of database outage once dead-lettered the events a consumer was handling."""
        handler = FlakyHandler({"agent.deleted.v1"}, failures=MAX_DELIVERIES + 3, error=ConnectionRefusedError)
        await harness.subscribe("patient", ["agent.#"], handler)

        waiting = event("agent.deleted.v1", agent="a")
        await harness.publish(waiting)

        await wait_until(lambda: handler.got(waiting), message="the event handled once the database answers")
        assert handler.attempts[waiting.id] == MAX_DELIVERIES + 4
        assert handler.types() == ["agent.deleted.v1"]
        assert await harness.dead_lettered("patient") == []

    async def test_malformed_bodies_are_dead_lettered_at_once(
        self, harness: BusHarness, wait_until: Eventually
    ) -> None:
        handler = Recorder()
        await harness.subscribe("strict", ["agent.#"], handler)

        not_json = b"\x00 this is not json {"
        not_envelope = json.dumps({"hello": "world", "type": "agent.deleted.v1"}).encode()
        await harness.publish_raw("agent.deleted.v1", not_json)
        await harness.publish_raw("agent.deleted.v1", not_envelope)
        after = event("agent.deleted.v1", agent="a")
        await harness.publish(after)

        await wait_until(lambda: handler.got(after), message="next event handled")

        async def both_dead() -> bool:
            return len(await harness.dead_lettered("strict")) >= 2

        await wait_until(both_dead, message="malformed bodies dead-lettered")
        assert await harness.dead_lettered("strict") == [not_json, not_envelope]
        assert handler.received == [after]

    async def test_poison_event_is_dead_lettered_at_once(self, harness: BusHarness, wait_until: Eventually) -> None:
        calls: Counter[str] = Counter()
        handled: list[Envelope] = []

        async def handler(envelope: Envelope) -> None:
            calls[envelope.id] += 1
            parse_data(envelope)  # raises PoisonEvent for a type the catalog does not know
            handled.append(envelope)

        await harness.subscribe("catalogued", ["agent.#"], handler)
        unknown = event("agent.unknown.v1", agent="a")
        await harness.publish(unknown)
        after = event("agent.deleted.v1", agent="a")
        await harness.publish(after)
        await wait_until(lambda: after in handled, message="next event handled")

        async def dead_lettered() -> bool:
            return dead_ids(await harness.dead_lettered("catalogued")) == [unknown.id]

        await wait_until(dead_lettered, message="unknown event dead-lettered")
        assert calls[unknown.id] == 1
        assert handled == [after]

    async def test_an_event_from_a_service_that_does_not_own_its_type_is_dead_lettered_unhandled(
        self, harness: BusHarness, inbox_database: Database, wait_until: Eventually, caplog: pytest.LogCaptureFixture
    ) -> None:
        handled: list[str] = []

        async def handle(session: AsyncSession, envelope: Envelope, data: EventData) -> None:
            handled.append(envelope.id)

        consumer = idempotent_handler(inbox_database, ProcessedEvent, "grants", handle)
        await harness.subscribe("grants", [AgentDeployRequested.event_type], consumer)
        deploy = AgentDeployRequested(agent="ghost", deployment_id="d1", tools=["stripe"])
        forged = new_envelope(deploy.event_type, Service.GATEWAY.source, deploy)  # only the deployer owns it
        genuine = new_envelope(deploy.event_type, Service.DEPLOYER.source, deploy)
        caplog.set_level(logging.ERROR, logger="runagents.bus")
        await harness.publish(forged)
        await harness.publish(genuine)
        await wait_until(lambda: genuine.id in handled, message="the owner's event handled")

        async def dead_lettered() -> bool:
            return dead_ids(await harness.dead_lettered("grants")) == [forged.id]

        await wait_until(dead_lettered, message="forged event dead-lettered")
        assert handled == [genuine.id]
        assert any("refused as forged" in r.getMessage() and "/runagents/gateway" in r.getMessage()
                   for r in caplog.records)

    async def test_poison_raised_by_handler_is_not_retried(self, harness: BusHarness, wait_until: Eventually) -> None:
        handler = FlakyHandler({"agent.deleted.v1"}, failures=1_000, error=PoisonEvent)
        await harness.subscribe("poisoned", ["agent.deleted.v1"], handler)
        poisoned = event("agent.deleted.v1", agent="a")
        await harness.publish(poisoned)

        async def dead_lettered() -> bool:
            return dead_ids(await harness.dead_lettered("poisoned")) == [poisoned.id]

        await wait_until(dead_lettered, message="poison event dead-lettered")
        assert handler.attempts[poisoned.id] == 1

    async def test_event_nobody_subscribed_to_is_accepted_and_dropped(
        self, harness: BusHarness, wait_until: Eventually
    ) -> None:
        handler = Recorder()
        await harness.subscribe("listener", [FENCE], handler)
        await harness.publish(event("agent.deleted.v1", agent="a"))  # no queue is bound for it
        await harness.publish(event(FENCE))
        await wait_until(lambda: handler.types() == [FENCE], message="fence delivered")
        assert await harness.dead_lettered("listener") == []

    async def test_batch_subscriber_gets_a_backlog_in_batches_in_order_each_event_once(
        self, harness: BusHarness, wait_until: Eventually
    ) -> None:
        batches: list[list[Envelope]] = []

        async def record(envelopes: Sequence[Envelope]) -> None:
            batches.append(list(envelopes))

        harness.consumers.append("batched")
        backlog = [event("agent.deleted.v1", n=n) for n in range(300)]
        if isinstance(harness.bus, RabbitMQBus):
            await harness.bus.declare_queue("batched", ["agent.deleted.v1"])  # the backlog waits in the queue
            await harness.bus.publish_many(backlog)
            await harness.bus.subscribe_batch("batched", ["agent.deleted.v1"], record, max_batch=100)
        else:
            await harness.bus.subscribe_batch("batched", ["agent.deleted.v1"], record, max_batch=100)
            await harness.bus.publish_many(backlog)
        await wait_until(lambda: sum(map(len, batches)) >= len(backlog), message="the backlog delivered")

        assert [e.id for batch in batches for e in batch] == [e.id for e in backlog]
        assert max(map(len, batches)) > 1, "a backlog is handed over more than one event at a time"
        assert all(len(batch) <= 100 for batch in batches)

    async def test_a_failing_batch_is_retried_event_by_event_and_only_its_poison_is_dead_lettered(
        self, harness: BusHarness, wait_until: Eventually
    ) -> None:
        handled: list[str] = []
        poison = event("agent.deleted.v1", n="poison")

        async def handle(envelopes: Sequence[Envelope]) -> None:
            if any(e.id == poison.id for e in envelopes):
                raise PoisonEvent("one event of this batch can never be processed")
            handled.extend(e.id for e in envelopes)

        harness.consumers.append("batched")
        await harness.bus.subscribe_batch("batched", ["agent.deleted.v1"], handle)
        good = [event("agent.deleted.v1", n=n) for n in range(5)]
        await harness.bus.publish_many([*good[:2], poison, *good[2:]])
        await wait_until(lambda: len(handled) == len(good), message="the good events handled")

        assert sorted(handled) == sorted(e.id for e in good)
        await wait_until(self._dead_lettered(harness, "batched", 1), message="the poison dead-lettered")
        assert dead_ids(await harness.dead_lettered("batched")) == [poison.id]

    @staticmethod
    def _dead_lettered(harness: BusHarness, consumer: str, count: int) -> Callable[[], Awaitable[bool]]:
        async def check() -> bool:
            return len(await harness.dead_lettered(consumer)) >= count

        return check

    @pytest.mark.parametrize("poison", ["nested_json", "nested_data", "handler_recursion"])
    async def test_consumer_goes_on_after_a_message_that_raises_recursion_error(
        self, harness: BusHarness, wait_until: Eventually, poison: str
    ) -> None:
        """A 200 KB deeply nested body (RecursionError is not a ValueError) once ended the consumer."""
        depth = 100_000
        handler = FlakyHandler({"agent.build.requested.v1"}, failures=1_000, error=RecursionError)
        await harness.subscribe("sturdy", ["agent.#"], handler)

        if poison == "nested_json":
            await harness.publish_raw("agent.deleted.v1", b"[" * depth + b"]" * depth)
        elif poison == "nested_data":
            envelope = event("agent.deleted.v1").model_dump_json().encode()
            body = envelope.replace(b'"data":{}', b'"data":{"x":' + b"[" * depth + b"]" * depth + b"}")
            assert len(body) > 200_000
            await harness.publish_raw("agent.deleted.v1", body)
        else:
            await harness.publish(event("agent.build.requested.v1", agent="a"))
        after = event("agent.deleted.v1", agent="after")
        await harness.publish(after)

        await wait_until(lambda: handler.got(after), message="the next event handled")

        async def dead_lettered() -> bool:
            return len(await harness.dead_lettered("sturdy")) == 1

        await wait_until(dead_lettered, message="the poison message dead-lettered")
        assert [e.id for e in handler.received] == [after.id]
        assert harness.bus.consumers_ready() == {"sturdy": True}

    async def test_health_follows_start_and_close(self, harness: BusHarness) -> None:
        assert await harness.bus.is_healthy()
        await harness.bus.close()
        assert not await harness.bus.is_healthy()


@pytest.mark.parametrize(
    ("pattern", "routing_key", "matches"),
    [
        ("agent.deleted.v1", "agent.deleted.v1", True),
        ("agent.deleted.v1", "agent.deleted.v2", False),
        ("agent.*.v1", "agent.deleted.v1", True),
        ("agent.*.v1", "agent.build.requested.v1", False),
        ("*", "agent", True),
        ("*", "agent.deleted", False),
        ("agent.#", "agent", True),
        ("agent.#", "agent.build.requested.v1", True),
        ("agent.#", "analysis.requested.v1", False),
        ("#", "anything.at.all", True),
        ("#.v1", "run.started.v1", True),
        ("#.v1", "run.started.v2", False),
        ("agent.#.v1", "agent.v1", True),
        ("*.*.v1", "run.started.v1", True),
        ("*.*.v1", "agent.build.requested.v1", False),
    ],
)
def test_topic_matches_follows_amqp_rules(pattern: str, routing_key: str, matches: bool) -> None:
    assert topic_matches(pattern, routing_key) is matches


async def test_rabbitmq_queue_dead_letters_on_its_own_after_the_delivery_limit(
    amqp_url: str, bus_namespace: str, wait_until: Eventually
) -> None:
    """The broker enforces the limit too (x-delivery-limit), e.g. for a consumer that crashes
    before it can reject: nacking with requeue every time still ends in the dead-letter queue."""
    bus = RabbitMQBus(amqp_url, namespace=bus_namespace, max_deliveries=MAX_DELIVERIES)
    harness = RabbitHarness(bus, amqp_url)
    await bus.start()
    try:
        harness.consumers.append("crashy")
        queue = await bus.declare_queue("crashy", ["agent.#"])
        sent = event("agent.deleted.v1", agent="a")
        await bus.publish(sent)

        deliveries = 0

        async def dead_lettered() -> bool:
            nonlocal deliveries
            message = await queue.get(no_ack=False, fail=False)
            if message is not None:
                deliveries += 1
                await message.nack(requeue=True)
            return dead_ids(await harness.dead_lettered("crashy")) == [sent.id]

        await wait_until(dead_lettered, message="broker dead-lettered the event")
        assert deliveries == MAX_DELIVERIES
    finally:
        await harness.close()


@pytest.fixture
async def broker_proxy(amqp_url: str) -> AsyncIterator[TcpProxy]:
    """A cuttable path to the shared broker: cutting it is the broker going down for the bus under test."""
    url = URL(amqp_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5672)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.close()


def through(amqp_url: str, proxy: TcpProxy) -> str:
    return str(URL(amqp_url).with_port(proxy.port))


async def test_rabbitmq_consumer_resubscribes_after_the_broker_connection_is_lost(
    amqp_url: str, bus_namespace: str, broker_proxy: TcpProxy, wait_until: Eventually
) -> None:
    """An ack on a dead channel once ended the consumer for good: here the broker goes away while a
    handler runs, the handler's ack fails, and the consumer subscribes again once the broker is back."""
    bus = RabbitMQBus(through(amqp_url, broker_proxy), namespace=bus_namespace, reconnect_delay=0.05)
    harness = RabbitHarness(bus, amqp_url)
    await bus.start()
    handling = asyncio.Event()
    release = asyncio.Event()
    handled: list[str] = []

    async def handler(envelope: Envelope) -> None:
        if envelope.data.get("hold") and not release.is_set():
            handling.set()
            await release.wait()
        handled.append(envelope.id)

    try:
        await harness.subscribe("enduring", ["agent.#"], handler)
        held = event("agent.deleted.v1", hold=True)
        await bus.publish(held)
        await asyncio.wait_for(handling.wait(), 10)

        await broker_proxy.cut()
        await wait_until(lambda: bus.consumers_ready() == {"enduring": False},
                         message="the consumer knows it lost the broker")
        assert not await bus.is_healthy()
        release.set()  # the handler finishes; its ack goes to a dead channel

        await broker_proxy.restore()

        async def healthy() -> bool:
            return await bus.is_healthy() and bus.consumers_ready() == {"enduring": True}

        await wait_until(healthy, within=30, message="the bus reconnected and the consumer re-subscribed")
        after = event("agent.deleted.v1", n=2)
        await bus.publish(after)
        await wait_until(lambda: after.id in handled, within=20, message="an event published after the outage handled")
        # The unacknowledged event is delivered again (the inbox makes the second time harmless).
        assert handled.count(held.id) == 2
        assert await harness.dead_lettered("enduring") == []
    finally:
        await harness.close()
