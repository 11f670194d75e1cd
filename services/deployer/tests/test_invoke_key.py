"""The front door proves to each agent's runtime that an invoke comes from the platform."""

from runagents_common.run_wire import INVOKE_KEY_HEADER
from runagents_deployer.agents import repository
from runagents_deployer.agents.gateway_keys import agent_invoke_key

from .conftest import Deployer


async def test_the_front_door_sends_each_deployment_its_own_invoke_key(deployer: Deployer) -> None:
    first = await deployer.running_agent({"mode": "open"})
    second = await deployer.running_agent({"mode": "open"})
    answer = await deployer.client.post(f"/api/v1/agents/{first}/invoke", json={"message": "you"})
    assert answer.status_code == 200, answer.text
    async with deployer.client.stream("POST", f"/api/v1/agents/{second}/invoke/stream",
                                      json={"message": "you"}) as stream:
        assert stream.status_code == 200
        await stream.aread()

    secret = deployer.component.context.key_secret
    expected = []
    async with deployer.component.database.session() as session:
        for name in (first, second):
            agent = await repository.get(session, name)
            assert agent is not None
            expected.append(agent_invoke_key(secret, name, agent.deployment_id))
    sent = [headers[INVOKE_KEY_HEADER.lower()] for headers in deployer.agent_process.received]
    assert sent == expected
    assert expected[0] != expected[1]
