"""Outbox, inbox and migrations on SQLite and on Postgres (a private schema per test)."""

import asyncio
import re
import textwrap
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from runagents_common.bus.memory import InMemoryBus
from runagents_common.db import create_metadata, migrations
from runagents_common.db.base import utcnow
from runagents_common.db.database import Database
from runagents_common.db.inbox import (
    TransactionalHandler,
    combined_handlers,
    idempotent_batch_handler,
    idempotent_handler,
)
from runagents_common.db.messaging import messaging_tables
from runagents_common.db.outbox import Outbox, OutboxRelay
from runagents_common.events.catalog import AgentDeleted, EventData, PoisonEvent, Service
from runagents_common.events.envelope import Envelope, new_envelope
from runagents_common.telemetry import current_trace_id, tracer
from runagents_common.testing import TcpProxy

Eventually = Callable[..., Awaitable[None]]

SOURCE = Service.DEPLOYER.source  # the owner of the agent.* events these tests use


class Base(DeclarativeBase):
    metadata = create_metadata()


class Thing(Base):
    __tablename__ = "things"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))


OutboxMessage, ProcessedEvent = messaging_tables(Base)


@pytest.fixture(params=["sqlite", "postgres"])
async def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    """A database with no tables: a tmp SQLite file, or a fresh schema of the session's Postgres database."""
    if request.param == "sqlite":
        database = Database(f"sqlite+aiosqlite:///{tmp_path / 'test.db'}")
        yield database
        await database.dispose()
        return
    postgres_url: str = request.getfixturevalue("postgres_url")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    database = Database(postgres_url, schema=schema)
    await database.create_schema()
    try:
        yield database
    finally:
        await database.dispose()
        admin = Database(postgres_url)
        async with admin.engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await admin.dispose()


@pytest.fixture
async def database(empty_database: Database) -> Database:
    async with empty_database.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    return empty_database


@pytest.fixture
def outbox() -> Outbox:
    return Outbox(OutboxMessage, SOURCE)


@pytest.fixture
async def bus() -> AsyncIterator[InMemoryBus]:
    bus = InMemoryBus(max_deliveries=2, retry_delay=0.01)
    await bus.start()
    yield bus
    await bus.close()


class Received:
    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def __call__(self, envelope: Envelope) -> None:
        self.envelopes.append(envelope)

    def ids(self) -> list[str]:
        return [e.id for e in self.envelopes]


@pytest.fixture
async def received(bus: InMemoryBus) -> Received:
    """Everything published on ``bus``."""
    recorder = Received()
    await bus.subscribe("observer", ["#"], recorder)
    return recorder


@pytest.fixture
async def relay(database: Database, outbox: Outbox, bus: InMemoryBus) -> AsyncIterator[OutboxRelay]:
    """A relay that is woken by commits only (its poll is far longer than any test)."""
    relay = OutboxRelay(database, outbox, bus, poll_seconds=60)
    relay.start()
    yield relay
    await relay.stop()


async def count(database: Database, model: type[Base]) -> int:
    async with database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def pending(database: Database) -> int:
    """Outbox rows not marked published yet."""
    async with database.session() as session:
        query = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.published_at.is_(None))
        return int(await session.scalar(query) or 0)


async def nothing_pending(database: Database) -> bool:
    return await pending(database) == 0


async def write_events(database: Database, outbox: Outbox, n: int) -> list[Envelope]:
    sent = []
    for i in range(n):
        async with database.session() as session:
            sent.append(outbox.add(session, AgentDeleted(agent=f"agent-{i}"), subject=f"agent-{i}"))
    return sent


async def test_state_change_and_its_event_commit_together(
    database: Database, outbox: Outbox, relay: OutboxRelay, received: Received, wait_until: Eventually
) -> None:
    async with database.session() as session:
        session.add(Thing(name="created"))
        sent = outbox.add(session, AgentDeleted(agent="a"), subject="a")
        await session.flush()
        # Not visible to the relay before the unit of work commits.
        assert await relay.publish_pending() == 0

    await wait_until(lambda: received.ids() == [sent.id], message="event relayed after commit")
    # The relay marks the row once the bus accepted the event (its commit follows the publish).
    await wait_until(lambda: nothing_pending(database), message="row marked published")
    assert received.envelopes == [sent]
    assert received.envelopes[0].type == "agent.deleted.v1"
    assert received.envelopes[0].data == {"agent": "a"}
    assert await count(database, Thing) == 1
    async with database.session() as session:
        row = (await session.scalars(select(OutboxMessage))).one()
    assert row.event_id == sent.id
    assert row.published_at is not None
    assert row.published_at.tzinfo is not None


async def test_rolled_back_unit_of_work_publishes_nothing(
    database: Database, outbox: Outbox, relay: OutboxRelay, received: Received, wait_until: Eventually
) -> None:
    with pytest.raises(RuntimeError, match="changed my mind"):
        async with database.session() as session:
            session.add(Thing(name="never"))
            outbox.add(session, AgentDeleted(agent="never"))
            await session.flush()
            raise RuntimeError("changed my mind")

    assert await relay.publish_pending() == 0
    assert await count(database, Thing) == 0
    assert await count(database, OutboxMessage) == 0

    # A later event does get through, and is the only one.
    (later,) = await write_events(database, outbox, 1)
    await wait_until(lambda: later.id in received.ids(), message="later event relayed")
    assert received.ids() == [later.id]


async def test_relay_publishes_in_insertion_order_and_marks_rows_published(
    database: Database, outbox: Outbox, bus: InMemoryBus, received: Received
) -> None:
    sent = await write_events(database, outbox, 5)
    async with database.session() as session:
        session.add(Thing(name="more"))
        sent += [outbox.add(session, AgentDeleted(agent=f"batch-{i}")) for i in range(3)]

    relay = OutboxRelay(database, outbox, bus, batch_size=3)
    assert [await relay.publish_pending() for _ in range(4)] == [3, 3, 2, 0]
    await bus.drain()

    assert received.ids() == [e.id for e in sent]
    async with database.session() as session:
        rows = list((await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())
    assert [row.event_id for row in rows] == [e.id for e in sent]
    assert all(row.published_at is not None for row in rows)


async def test_prune_deletes_only_events_published_longer_ago_than_the_retention(
    database: Database, outbox: Outbox, bus: InMemoryBus
) -> None:
    sent = await write_events(database, outbox, 3)
    relay = OutboxRelay(database, outbox, bus, retention=timedelta(hours=1))
    assert await relay.publish_pending() == 3
    pending = await write_events(database, outbox, 1)
    async with database.session() as session:
        old = await session.scalar(select(OutboxMessage).where(OutboxMessage.event_id == sent[0].id))
        assert old is not None
        old.published_at = utcnow() - timedelta(hours=2)

    assert await relay.prune() == 1
    async with database.session() as session:
        left = set((await session.scalars(select(OutboxMessage.event_id))).all())
    assert left == {sent[1].id, sent[2].id, pending[0].id}


async def test_events_left_unpublished_are_published_when_a_relay_starts(
    database: Database, outbox: Outbox, bus: InMemoryBus, received: Received, wait_until: Eventually
) -> None:
    sent = await write_events(database, outbox, 3)
    await bus.drain()
    assert received.envelopes == []

    relay = OutboxRelay(database, outbox, bus, poll_seconds=0.05)
    relay.start()
    try:
        await wait_until(lambda: len(received.envelopes) == 3, message="leftover events relayed")
        await wait_until(lambda: nothing_pending(database), message="rows marked published")
    finally:
        await relay.stop()
    assert received.ids() == [e.id for e in sent]
    assert await relay.publish_pending() == 0


@pytest.mark.usefixtures("sdk_tracer_provider")
async def test_trace_flows_from_producer_through_outbox_to_consumer(
    database: Database, outbox: Outbox, bus: InMemoryBus, relay: OutboxRelay, wait_until: Eventually
) -> None:
    seen: list[str | None] = []

    async def handle(session: AsyncSession, envelope: Envelope, data: EventData) -> None:
        seen.append(current_trace_id())

    await bus.subscribe("consumer", ["agent.#"], idempotent_handler(database, ProcessedEvent, "consumer", handle))
    with tracer().start_as_current_span("request"):
        producer_trace = current_trace_id()
        async with database.session() as session:
            outbox.add(session, AgentDeleted(agent="a"))

    await wait_until(lambda: len(seen) == 1, message="event consumed")
    await bus.drain()
    assert producer_trace is not None
    assert seen == [producer_trace]


class GatedBus(InMemoryBus):
    """A bus whose publish waits until the test opens the gate."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = asyncio.Event()
        self.gate = asyncio.Event()

    async def publish(self, envelope: Envelope) -> None:
        self.entered.set()
        await self.gate.wait()
        await super().publish(envelope)


async def relay_inside_a_batch(database: Database, outbox: Outbox) -> tuple[OutboxRelay, GatedBus]:
    """A started relay held at the gate while it publishes a batch of one event."""
    bus = GatedBus()
    relay = OutboxRelay(database, outbox, bus, poll_seconds=60)
    relay.start()
    await write_events(database, outbox, 1)
    async with asyncio.timeout(10):
        await bus.entered.wait()
    return relay, bus


async def test_relay_stop_lets_the_batch_in_flight_finish(database: Database, outbox: Outbox) -> None:
    relay, bus = await relay_inside_a_batch(database, outbox)

    stopping = asyncio.create_task(relay.stop())
    await asyncio.sleep(0)  # let stop() begin waiting for the batch
    bus.gate.set()
    async with asyncio.timeout(10):
        await stopping

    assert await pending(database) == 0  # the batch committed: nothing is published twice


async def test_relay_stop_gives_up_on_a_stuck_batch_after_the_grace(database: Database, outbox: Outbox) -> None:
    relay, _ = await relay_inside_a_batch(database, outbox)

    async with asyncio.timeout(10):
        await relay.stop(grace=0.05)

    assert await pending(database) == 1  # left for the next start


class Effects:
    """A transactional handler whose effect is a Thing row per event."""

    def __init__(self, fail_times: int = 0) -> None:
        self.calls = 0
        self.fail_times = fail_times

    async def __call__(self, session: AsyncSession, envelope: Envelope, data: EventData) -> None:
        self.calls += 1
        assert isinstance(data, AgentDeleted)
        session.add(Thing(name=f"{envelope.id}:{data.agent}"))
        await session.flush()
        if self.calls <= self.fail_times:
            raise RuntimeError("handler failed after its effect")


def agent_deleted(agent: str = "a") -> Envelope:
    return new_envelope("agent.deleted.v1", SOURCE, AgentDeleted(agent=agent))


async def test_idempotent_handler_processes_a_redelivered_event_once(database: Database) -> None:
    effects = Effects()
    handler = idempotent_handler(database, ProcessedEvent, "consumer", effects)
    envelope = agent_deleted()

    await handler(envelope)
    await handler(envelope)  # redelivery of the same event id
    await handler(envelope.model_copy())

    assert effects.calls == 1
    assert await count(database, Thing) == 1
    async with database.session() as session:
        record = (await session.scalars(select(ProcessedEvent))).one()
    assert (record.consumer, record.event_id, record.event_type) == ("consumer", envelope.id, envelope.type)

    # Another consumer of the same database keeps its own record.
    other = idempotent_handler(database, ProcessedEvent, "other-consumer", effects)
    await other(envelope)
    assert effects.calls == 2
    assert await count(database, ProcessedEvent) == 2


async def test_idempotent_handler_over_a_bus_redelivery(
    database: Database, bus: InMemoryBus, wait_until: Eventually
) -> None:
    effects = Effects()
    await bus.subscribe("consumer", ["agent.#"], idempotent_handler(database, ProcessedEvent, "consumer", effects))
    envelope = agent_deleted()
    await bus.publish(envelope)
    await bus.publish(envelope)
    await bus.drain()

    assert effects.calls == 1
    assert await count(database, Thing) == 1
    assert bus.dead_letters == []


async def test_batch_handler_hands_each_event_over_once_however_often_it_was_delivered(database: Database) -> None:
    handed: list[list[str]] = []

    async def handle(session: AsyncSession, events: Sequence[tuple[Envelope, EventData]]) -> None:
        handed.append([envelope.id for envelope, _ in events])
        session.add_all(Thing(name=envelope.id) for envelope, _ in events)

    handler = idempotent_batch_handler(database, ProcessedEvent, "consumer", handle)
    first, second, third = agent_deleted("a"), agent_deleted("b"), agent_deleted("c")

    await handler([first, second, first.model_copy(), second])  # the same ids twice in one batch
    await handler([second, third, first])  # a redelivery beside a new event
    await handler([third])

    assert handed == [[first.id, second.id], [third.id]]
    assert await count(database, Thing) == 3
    assert await count(database, ProcessedEvent) == 3


async def test_batch_handler_rolls_back_the_whole_batch_and_its_records_when_it_fails(database: Database) -> None:
    async def handle(session: AsyncSession, events: Sequence[tuple[Envelope, EventData]]) -> None:
        session.add_all(Thing(name=envelope.id) for envelope, _ in events)
        raise RuntimeError("the batch fails")

    handler = idempotent_batch_handler(database, ProcessedEvent, "consumer", handle)
    with pytest.raises(RuntimeError, match="the batch fails"):
        await handler([agent_deleted("a"), agent_deleted("b")])
    assert await count(database, Thing) == 0
    assert await count(database, ProcessedEvent) == 0


async def test_handler_exception_rolls_back_effect_and_record(database: Database) -> None:
    effects = Effects(fail_times=1)
    handler = idempotent_handler(database, ProcessedEvent, "consumer", effects)
    envelope = agent_deleted()

    with pytest.raises(RuntimeError, match="handler failed"):
        await handler(envelope)
    assert await count(database, Thing) == 0
    assert await count(database, ProcessedEvent) == 0

    await handler(envelope)  # the redelivery is processed
    assert effects.calls == 2
    assert await count(database, Thing) == 1
    assert await count(database, ProcessedEvent) == 1


@pytest.mark.parametrize(
    "envelope",
    [
        Envelope(type="agent.deleted.v1", source=SOURCE, data={}),
        Envelope(type="agent.deleted.v1", source=SOURCE, data={"agent": ["not", "a", "string"]}),
        Envelope(type="agent.status.changed.v1", source=SOURCE,
                 data={"agent": "a", "deployment_id": "d", "status": "Exploded"}),
        Envelope(type="agent.unknown.v1", source=SOURCE, data={"agent": "a"}),
    ],
    ids=["missing-field", "wrong-type", "bad-literal", "unknown-type"],
)
async def test_invalid_event_data_raises_poison(database: Database, envelope: Envelope) -> None:
    effects = Effects()
    handler = idempotent_handler(database, ProcessedEvent, "consumer", effects)
    with pytest.raises(PoisonEvent):
        await handler(envelope)
    assert effects.calls == 0
    assert await count(database, ProcessedEvent) == 0


async def test_idempotent_handler_refuses_an_event_whose_source_does_not_own_its_type(database: Database) -> None:
    effects = Effects()
    handler = idempotent_handler(database, ProcessedEvent, "consumer", effects)
    forged = new_envelope("agent.deleted.v1", Service.GATEWAY.source, AgentDeleted(agent="a"))

    refusal = "agent.deleted.v1 comes from /runagents/deployer, not '/runagents/gateway'"
    with pytest.raises(PoisonEvent, match=re.escape(refusal)):
        await handler(forged)
    assert effects.calls == 0
    assert await count(database, ProcessedEvent) == 0


async def test_batch_handler_refuses_a_batch_holding_an_event_whose_source_does_not_own_its_type(
    database: Database,
) -> None:
    handed: list[str] = []

    async def handle(session: AsyncSession, events: Sequence[tuple[Envelope, EventData]]) -> None:
        handed.extend(envelope.id for envelope, _ in events)

    handler = idempotent_batch_handler(database, ProcessedEvent, "consumer", handle)
    forged = new_envelope("agent.deleted.v1", Service.GATEWAY.source, AgentDeleted(agent="a"))

    with pytest.raises(PoisonEvent, match="refused as forged"):
        await handler([agent_deleted("b"), forged])  # the bus then hands them over one by one
    assert handed == []
    assert await count(database, ProcessedEvent) == 0


async def test_outbox_refuses_an_event_type_its_service_does_not_own(database: Database) -> None:
    gateway_outbox = Outbox(OutboxMessage, Service.GATEWAY.source)
    async with database.session() as session:
        with pytest.raises(ValueError, match="its owner is /runagents/deployer"):
            gateway_outbox.add(session, AgentDeleted(agent="a"))
    assert await pending(database) == 0


def write_migrations(directory: Path) -> Path:
    """A throwaway Alembic script directory: an env.py calling run_env, and one revision."""
    (directory / "versions").mkdir(parents=True)
    (directory / "env.py").write_text(
        "from runagents_common.db.migrations import run_env\n\nrun_env()\n"
    )
    (directory / "versions" / "0001_widgets.py").write_text(textwrap.dedent('''
        """widgets"""
        import sqlalchemy as sa
        from alembic import op

        revision = "0001"
        down_revision = None
        branch_labels = None
        depends_on = None


        def upgrade() -> None:
            op.create_table(
                "widgets",
                sa.Column("id", sa.Integer(), primary_key=True),
                sa.Column("name", sa.String(50), nullable=False),
            )


        def downgrade() -> None:
            op.drop_table("widgets")
    '''))
    return directory


async def test_migrations_upgrade_runs_revisions(empty_database: Database, tmp_path: Path) -> None:
    migrations_dir = write_migrations(tmp_path / "migrations")

    await migrations.upgrade(empty_database, migrations_dir, Base.metadata)
    await migrations.upgrade(empty_database, migrations_dir, Base.metadata)  # at head already: no-op

    async with empty_database.session() as session:
        await session.execute(text("INSERT INTO widgets (id, name) VALUES (1, 'w')"))
    async with empty_database.session() as session:
        assert await session.scalar(text("SELECT name FROM widgets")) == "w"
        assert await session.scalar(text("SELECT version_num FROM alembic_version")) == "0001"
        if not empty_database.is_sqlite:
            # The tables live in the service's own schema.
            found = (await session.execute(
                text("SELECT table_schema, table_name FROM information_schema.tables "
                     "WHERE table_schema IN (:schema, 'public') ORDER BY table_name"),
                {"schema": empty_database.schema},
            )).all()
            assert [tuple(row) for row in found] == [
                (empty_database.schema, "alembic_version"), (empty_database.schema, "widgets")
            ]


async def test_concurrent_deliveries_of_one_event_have_one_effect(database: Database) -> None:
    effects = Effects()
    handler = idempotent_handler(database, ProcessedEvent, "consumer", effects)
    envelope = agent_deleted()

    await asyncio.gather(handler(envelope), handler(envelope.model_copy()))

    assert await count(database, Thing) == 1
    assert await count(database, ProcessedEvent) == 1


SCRIPT_TEMPLATE = '''"""${message}"""
import sqlalchemy as sa
from alembic import op
${imports if imports else ""}

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
'''


def widgets_and_gadgets() -> MetaData:
    """The models after a change: the migrated widgets table, and a new gadgets table."""
    metadata = create_metadata()
    Table("widgets", metadata, Column("id", Integer(), primary_key=True),
          Column("name", String(50), nullable=False))
    Table("gadgets", metadata, Column("id", Integer(), primary_key=True),
          Column("label", String(20), nullable=False, index=True))
    return metadata


async def test_migrations_autogenerate_writes_only_the_model_changes(
    empty_database: Database, tmp_path: Path
) -> None:
    migrations_dir = write_migrations(tmp_path / "migrations")
    (migrations_dir / "script.py.mako").write_text(SCRIPT_TEMPLATE)
    metadata = widgets_and_gadgets()

    await migrations.autogenerate(empty_database, migrations_dir, metadata, "add gadgets")
    (generated,) = (migrations_dir / "versions").glob("*_add_gadgets.py")
    script = generated.read_text()
    assert "create_table('gadgets'" in script or 'create_table("gadgets"' in script
    assert "ix_gadgets_label" in script
    assert "drop_table" not in script.split("def downgrade")[0]  # nothing to drop, not alembic_version

    await migrations.upgrade(empty_database, migrations_dir, metadata)
    async with empty_database.session() as session:
        await session.execute(text("INSERT INTO gadgets (id, label) VALUES (1, 'g')"))

    # Models and database agree now: a new revision has nothing to do.
    await migrations.autogenerate(empty_database, migrations_dir, metadata, "nothing")
    (empty,) = (migrations_dir / "versions").glob("*_nothing.py")
    assert "op." not in empty.read_text()


async def test_combined_handlers_run_every_domain_s_handler_of_an_event_type_in_order() -> None:
    calls: list[str] = []

    def recording(label: str) -> TransactionalHandler:
        async def handle(session: AsyncSession, envelope: Envelope, data: EventData) -> None:
            calls.append(label)

        return handle

    only_grants = recording("grants:deleted")
    combined = combined_handlers({"agent.deployed": recording("grants"), "agent.deleted": only_grants},
                                 {"agent.deployed": recording("providers")})

    await combined["agent.deployed"](None, None, None)  # type: ignore[arg-type]

    assert calls == ["grants", "providers"]
    assert combined["agent.deleted"] is only_grants
    assert set(combined) == {"agent.deployed", "agent.deleted"}


async def test_an_event_recorded_while_the_database_is_down_is_written_once_it_is_back(
    postgres_url: str, outbox: Outbox, wait_until: Eventually
) -> None:
    """A run's end or a tool call is recorded after its response was sent: an outage once lost it."""
    url = make_url(postgres_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    await proxy.start()
    schema = f"test_{uuid.uuid4().hex[:12]}"
    database = Database(url.set(port=proxy.port).render_as_string(hide_password=False), schema=schema)
    try:
        await database.create_schema()
        async with database.engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        await proxy.cut()
        recording = asyncio.create_task(outbox.add_until_written(database, AgentDeleted(agent="a"), subject="a"))
        await wait_until(lambda: outbox._waiting == 1, message="the event waits for the database")
        await proxy.restore()

        assert await asyncio.wait_for(recording, 30) is True
        async with database.session() as session:
            rows = (await session.scalars(select(OutboxMessage))).all()
        assert [(row.event_type, Envelope.model_validate_json(row.envelope).data) for row in rows] == [
            ("agent.deleted.v1", {"agent": "a"})
        ]
    finally:
        if proxy._server is None:
            await proxy.restore()  # to drop the schema
        async with database.engine.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await database.dispose()
        await proxy.close()
