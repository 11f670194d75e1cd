"""A deploy, a redeploy and a delete each record who made them (the deployer's audit events, written with the
change), and the agent shows who deployed it first and last."""

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from runagents_common.events.catalog import DeployerChangeRecorded
from runagents_common.testing import ADMIN_HEADERS
from runagents_deployer.db import OutboxMessage

from .conftest import Deployer
from .fixed_registry import serving_fixed_registry

REPORTS: dict[str, dict[str, Any]] = {
    "first": {"tier": {"value": "custom", "reason": "code"}, "entry_point": {"file": "agent.py", "reason": "handler"}},
    "second": {"tier": {"value": "custom", "reason": "code"}, "entry_point": {"file": "agent.py", "reason": "handler"}},
}
ADMIN = "bootstrap admin key (env) (bootstrap:env)"


@pytest.fixture
async def services(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    async with serving_fixed_registry(monkeypatch, REPORTS) as url:
        yield url


async def recorded(deployer: Deployer, agent: str) -> list[dict[str, Any]]:
    async with deployer.component.database.session() as session:
        rows = (await session.scalars(select(OutboxMessage).where(
            OutboxMessage.event_type == DeployerChangeRecorded.event_type).order_by(OutboxMessage.id))).all()
    return [data for data in (json.loads(row.envelope)["data"] for row in rows) if data["resource"] == agent]


async def test_deploy_redeploy_and_delete_record_who_made_them(services: str, deployer: Deployer) -> None:
    client = deployer.client
    deployed = await client.post("/api/v1/agents", json={"name": "audited", "analysis_id": "first"},
                                 headers=ADMIN_HEADERS)
    assert deployed.status_code == 202, deployed.text
    assert deployed.json()["created_by"] == ADMIN and deployed.json()["updated_by"] == ADMIN
    redeployed = await client.post("/api/v1/agents", json={"name": "audited", "analysis_id": "second"},
                                   headers=ADMIN_HEADERS)
    assert redeployed.status_code == 202, redeployed.text
    shown = (await client.get("/api/v1/agents/audited", headers=ADMIN_HEADERS)).json()
    assert shown["created_by"] == ADMIN and shown["updated_by"] == ADMIN
    assert (await client.delete("/api/v1/agents/audited", headers=ADMIN_HEADERS)).status_code == 204

    entries = await recorded(deployer, "audited")
    assert [(e["action"], e["principal_id"], e["role"], e["resource_type"]) for e in entries] == [
        ("agent.deploy.requested", "bootstrap:env", "admin", "agent"),
        ("agent.redeploy.requested", "bootstrap:env", "admin", "agent"),
        ("agent.deleted", "bootstrap:env", "admin", "agent"),
    ]
    assert "of analysis first" in entries[0]["summary"] and "of analysis second" in entries[1]["summary"]


async def test_a_refused_deploy_records_nothing(services: str, deployer: Deployer) -> None:
    refused = await deployer.client.post("/api/v1/agents", json={"name": "refused", "analysis_id": "first",
                                                                 "tools": {"api.example.com": "missing"}},
                                         headers=ADMIN_HEADERS)
    assert refused.status_code == 422, refused.text
    assert await recorded(deployer, "refused") == []
