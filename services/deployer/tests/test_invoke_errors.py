"""What the invoke front door tells a caller when the agent failed: not the agent's error, which names the
server's files, but where to read it; the run's timeline keeps the error itself."""

import json

import pytest
from sqlalchemy import select

from runagents_deployer.db import OutboxMessage

from .conftest import USER_CODE_ERROR, Deployer


async def test_an_agent_that_raised_is_a_500_naming_the_run_not_the_servers_path(
        deployer: Deployer, caplog: pytest.LogCaptureFixture) -> None:
    agent = await deployer.running_agent({"mode": "open"})

    answer = await deployer.client.post(f"/api/v1/agents/{agent}/invoke", json={"message": "fail"})

    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert "/srv/runagents" not in answer.text and "FileNotFoundError" not in answer.text
    assert body["detail"] == (f"agent {agent!r} failed handling the request (run {body['run_id']}); its error is "
                              f"in the run's timeline: GET /api/v1/runs/{body['run_id']}")
    async with deployer.component.database.session() as session:
        rows = (await session.scalars(select(OutboxMessage).where(
            OutboxMessage.event_type == "run.completed.v1"))).all()
    [completed] = [json.loads(row.envelope)["data"] for row in rows
                   if json.loads(row.envelope)["data"]["run_id"] == body["run_id"]]
    assert (completed["status"], completed["error"]) == ("failed", USER_CODE_ERROR)
    assert any(USER_CODE_ERROR in record.getMessage() for record in caplog.records)
