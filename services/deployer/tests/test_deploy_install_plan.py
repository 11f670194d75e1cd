"""Deploy passes the analysis report's install plan to the builder in the build request, as it passes
the packages (kept for builders that predate the plan); a report without one sends none."""

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from runagents_common.events.catalog import AgentBuildRequested
from runagents_deployer.db import OutboxMessage

from .conftest import Deployer
from .fixed_registry import serving_fixed_registry

PLAN = {"source": "requirements.txt", "requirements": ["aiohttp==3.14.3"], "constraints": ["langchain<1.0"],
        "projects": ["libs/helper[server]"], "uv_lock": False,
        "added": [{"requirement": "python-dotenv",
                   "reason": "the code imports it and the manifest does not declare it"}]}
ENTRY = {"file": "agent.py", "reason": "handler"}
REPORTS: dict[str, dict[str, Any]] = {
    "planned": {"tier": {"value": "custom", "reason": "code"}, "entry_point": ENTRY, "install_plan": PLAN,
                "packages": [{"name": "aiohttp", "ecosystem": "pypi", "source": "manifest"}]},
    "old": {"tier": {"value": "custom", "reason": "code"}, "entry_point": ENTRY,
            "packages": [{"name": "six", "ecosystem": "pypi", "source": "import"}]},
}


@pytest.fixture
async def services(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    async with serving_fixed_registry(monkeypatch, REPORTS) as url:
        yield url


async def build_requested(deployer: Deployer, agent: str) -> dict[str, Any]:
    async with deployer.component.database.session() as session:
        rows = (await session.scalars(select(OutboxMessage).where(
            OutboxMessage.event_type == AgentBuildRequested.event_type))).all()
    [data] = [json.loads(row.envelope)["data"] for row in rows if json.loads(row.envelope)["data"]["agent"] == agent]
    return data


async def test_the_build_request_carries_the_report_s_install_plan(services: str, deployer: Deployer) -> None:
    accepted = await deployer.client.post("/api/v1/agents", json={"name": "planned", "analysis_id": "planned"})
    assert accepted.status_code == 202, accepted.text

    data = await build_requested(deployer, "planned")
    assert data["install_plan"] == PLAN
    assert data["packages"] == ["aiohttp"]


async def test_a_report_without_a_plan_sends_the_packages_alone(services: str, deployer: Deployer) -> None:
    accepted = await deployer.client.post("/api/v1/agents", json={"name": "older", "analysis_id": "old"})
    assert accepted.status_code == 202, accepted.text

    data = await build_requested(deployer, "older")
    assert data["install_plan"] is None and data["packages"] == ["six"]
