"""`runagents setup-bus` makes the services' broker users; `runagents serve` connects as its service's user."""

import stat
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from aiormq.exceptions import ChannelAccessRefused

from runagents.cli import main
from runagents_common.bus.access import BrokerAdmin, delete_service_users
from runagents_common.bus.rabbitmq import RabbitMQBus
from runagents_common.events.catalog import Service
from runagents_common.events.envelope import Envelope
from runagents_common.settings import PlatformSettings


@pytest.fixture
def admin(amqp_url: str) -> Iterator[tuple[BrokerAdmin, str]]:
    """An admin URL on a vhost of its own and a namespace of its own; their users and the vhost go afterwards."""
    tag = uuid.uuid4().hex[:10]
    broker = BrokerAdmin(urlunsplit(urlsplit(amqp_url)._replace(path=f"/test-setup-bus-{tag}")))
    namespace = f"test-{tag}"
    try:
        yield broker, namespace
    finally:
        delete_service_users(broker, namespace=namespace)
        with broker.client() as api:
            api.delete(f"/api/vhosts/{quote(broker.vhost, safe='')}")


async def test_setup_bus_writes_each_services_url_whose_user_publishes_only_its_own_types(
    admin: tuple[BrokerAdmin, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broker, namespace = admin
    env_file = tmp_path / "bus.env"
    monkeypatch.setenv("RUNAGENTS_BUS_PASSWORD_SECRET", "platform-secret-for-this-test")
    main(["setup-bus", "--admin-url", broker.amqp_url, "--namespace", namespace, "--env-file", str(env_file)])
    first = env_file.read_text()
    main(["setup-bus", "--admin-url", broker.amqp_url, "--namespace", namespace, "--env-file", str(env_file)])

    assert env_file.read_text() == first  # derived passwords: running it again changes nothing
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    variables = dict(line.split("=", 1) for line in first.splitlines())
    assert sorted(variables) == sorted(f"RUNAGENTS_{s.value.upper()}_AMQP_URL" for s in Service)

    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    deployer_url = PlatformSettings().service_amqp_url("deployer")
    assert urlsplit(deployer_url).username == f"{namespace}-deployer"
    bus = RabbitMQBus(deployer_url, namespace=namespace)
    await bus.start()
    try:
        await bus.publish(Envelope(type="agent.deploy.requested.v1", source=Service.DEPLOYER.source))
        with pytest.raises(ChannelAccessRefused):
            await bus.publish(Envelope(type="identity_provider.registered.v1", source=Service.POLICY.source))
    finally:
        await bus.close()


def test_a_service_without_a_url_of_its_own_uses_the_shared_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AMQP_URL", "amqp://shared:pw@broker:5672/")
    monkeypatch.setenv("RUNAGENTS_GATEWAY_AMQP_URL", "amqp://runagents-gateway:pw@broker:5672/")
    monkeypatch.delenv("RUNAGENTS_RUNS_AMQP_URL", raising=False)
    monkeypatch.delenv("RUNAGENTS_AMQP_URL", raising=False)
    settings = PlatformSettings()
    assert settings.service_amqp_url("gateway") == "amqp://runagents-gateway:pw@broker:5672/"
    assert settings.service_amqp_url("runs") == "amqp://shared:pw@broker:5672/"
