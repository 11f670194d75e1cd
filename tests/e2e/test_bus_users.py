"""In distributed mode each service is on the broker as its own user, which may publish only its own event types."""

from urllib.parse import quote

from runagents.processes import PlatformProcesses
from runagents_common.bus.access import service_user
from runagents_common.events.catalog import Service
from runagents_common.testing import eventually


async def test_each_distributed_service_connects_to_the_broker_as_its_own_user(
    distributed_platform: PlatformProcesses,
) -> None:
    admin, namespace = distributed_platform.bus_admin, distributed_platform.bus_namespace
    assert admin is not None and namespace is not None
    vhost = quote(admin.vhost, safe="")
    expected = {service_user(service, namespace) for service in Service}
    users: set[str] = set()

    def connected_users() -> bool:
        # The management API lists a connection once its statistics were first collected (every 5 s).
        with admin.client() as api:
            connections = api.get(f"/api/vhosts/{vhost}/connections")
        connections.raise_for_status()
        users.clear()
        users.update(connection["user"] for connection in connections.json())
        return users >= expected

    await eventually(connected_users, within=30, interval=0.5, message="every service connected")
    assert users == expected
    with admin.client() as api:
        topic_permissions = api.get(f"/api/vhosts/{vhost}/topic-permissions").json()
    deployer = next(p for p in topic_permissions if p["user"] == service_user(Service.DEPLOYER, namespace))
    assert "agent\\.deploy\\.requested\\.v1" in deployer["write"] and "llm" not in deployer["write"]
