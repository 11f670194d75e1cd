"""Deleting an agent: its row and every deployment of it go, in one statement each."""

import pytest
from sqlalchemy import select

from runagents_deployer.agents.models import Agent, Deployment

from .conftest import Deployer


@pytest.mark.filterwarnings("error::sqlalchemy.exc.SAWarning")
async def test_deleting_an_agent_removes_its_deployments_without_a_warning(deployer: Deployer) -> None:
    agent = await deployer.running_agent({"mode": "open", "identity_provider": None})
    async with deployer.component.database.session() as session:
        current = await session.get(Agent, agent)
        assert current is not None
        session.add_all([Deployment(id=current.deployment_id, agent=agent, status="running"),
                         Deployment(id=f"{current.deployment_id}-old", agent=agent, status="stopped")])

    deleted = await deployer.client.delete(f"/api/v1/agents/{agent}")

    assert deleted.status_code == 204, deleted.text
    async with deployer.component.database.session() as session:
        assert await session.get(Agent, agent) is None
        assert (await session.scalars(select(Deployment).where(Deployment.agent == agent))).all() == []
    assert (await deployer.client.get(f"/api/v1/agents/{agent}")).status_code == 404
