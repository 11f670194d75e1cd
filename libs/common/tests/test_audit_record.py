"""record_change writes the audit event of the outbox's own service, in the caller's unit of work."""

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import DeclarativeBase

from runagents_common.audit import MAX_SUMMARY_CHARS, record_change
from runagents_common.auth import Principal, PrincipalKind, Role
from runagents_common.db import create_metadata
from runagents_common.db.database import Database
from runagents_common.db.messaging import messaging_tables
from runagents_common.db.outbox import Outbox
from runagents_common.events.catalog import CHANGE_RECORDED, GatewayChangeRecorded, Service


class Base(DeclarativeBase):
    metadata = create_metadata()


OutboxMessage, _ProcessedEvent = messaging_tables(Base)
OPERATOR = Principal(id="key:ra_abcdefghij", kind=PrincipalKind.API_KEY, name="ci", role=Role.OPERATOR)


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'audit.db'}")
    async with database.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield database
    await database.dispose()


async def written(database: Database) -> list[dict[str, object]]:
    async with database.session() as session:
        return [json.loads(row.envelope) for row in (await session.scalars(select(OutboxMessage))).all()]


def test_every_service_has_one_audit_event_type_it_owns() -> None:
    assert set(CHANGE_RECORDED) == set(Service)
    assert all(model.owner is service and model.event_type == f"audit.{service.value}.recorded.v1"
               for service, model in CHANGE_RECORDED.items())


async def test_a_change_is_recorded_as_its_service_s_audit_event(database: Database) -> None:
    async with database.session() as session:
        record_change(session, Outbox(OutboxMessage, Service.GATEWAY.source), OPERATOR,
                      action="model_provider.deleted", resource_type="model_provider", resource="openai",
                      summary="x" * (MAX_SUMMARY_CHARS + 10))

    [envelope] = await written(database)
    assert envelope["type"] == GatewayChangeRecorded.event_type and envelope["source"] == "/runagents/gateway"
    assert envelope["subject"] == "model_provider/openai"
    data = GatewayChangeRecorded.model_validate(envelope["data"])
    assert (data.principal_id, data.principal_name, data.role, data.action, data.resource) == (
        "key:ra_abcdefghij", "ci", "operator", "model_provider.deleted", "openai")
    assert len(data.summary) == MAX_SUMMARY_CHARS and data.at.tzinfo is not None


async def test_a_change_rolled_back_leaves_no_record(database: Database) -> None:
    with pytest.raises(RuntimeError, match="refused"):
        async with database.session() as session:
            record_change(session, Outbox(OutboxMessage, Service.POLICY.source), OPERATOR, action="tool.deleted",
                          resource_type="tool", resource="echo")
            raise RuntimeError("refused")
    assert await written(database) == []


async def test_an_outbox_of_no_service_cannot_record(database: Database) -> None:
    async with database.session() as session:
        with pytest.raises(ValueError, match="no service emits events as '/elsewhere'"):
            record_change(session, Outbox(OutboxMessage, "/elsewhere"), OPERATOR, action="tool.deleted",
                          resource_type="tool", resource="echo")
