"""Broker users per service: each may publish only the event types it owns, and needs every permission it has.

Runs against the real RabbitMQ through its management API (the ``rabbitmq_management`` plugin), in a
vhost and with users of its own, deleted afterwards.
"""

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

import aio_pika
import pytest
from aiormq.exceptions import ChannelAccessRefused

from runagents_common.bus.access import (
    BrokerAdmin,
    create_service_users,
    delete_service_users,
    service_permissions,
    service_user,
)
from runagents_common.bus.rabbitmq import RabbitMQBus
from runagents_common.events.catalog import CATALOG, Service, owned_types
from runagents_common.events.envelope import Envelope
from runagents_common.testing import eventually


@dataclass
class Broker:
    admin: BrokerAdmin
    namespace: str
    urls: dict[Service, str]


@pytest.fixture
def broker(amqp_url: str) -> Iterator[Broker]:
    """Every service's user, made by the platform's set-up on a fresh vhost; all deleted afterwards."""
    tag = uuid.uuid4().hex[:10]
    admin = BrokerAdmin(urlunsplit(urlsplit(amqp_url)._replace(path=f"/test-bus-access-{tag}")))
    namespace = f"test-{tag}"
    try:
        yield Broker(admin, namespace, create_service_users(admin, namespace=namespace))
    finally:
        delete_service_users(admin, namespace=namespace)
        with admin.client() as api:
            api.delete(f"/api/vhosts/{quote(admin.vhost, safe='')}")


@pytest.fixture
async def buses(broker: Broker) -> AsyncIterator[dict[Service, RabbitMQBus]]:
    """Each service's bus, connected as its own user."""
    started: dict[Service, RabbitMQBus] = {}
    try:
        for service, url in broker.urls.items():
            started[service] = RabbitMQBus(url, namespace=broker.namespace)
            await started[service].start()
        yield started
    finally:
        for bus in started.values():
            await bus.close()


def exactly(names: list[str]) -> str:
    return "^(" + "|".join(re.escape(name) for name in names) + ")$"


def event_of(event_type: str, source: str) -> Envelope:
    return Envelope(type=event_type, source=source, data={})


async def test_a_service_publishing_another_services_event_type_is_refused_by_the_broker(
    buses: dict[Service, RabbitMQBus]
) -> None:
    received: list[Envelope] = []

    async def record(envelope: Envelope) -> None:
        received.append(envelope)

    await buses[Service.POLICY].subscribe("policy", ["agent.deploy.requested.v1"], record)
    genuine = event_of("agent.deploy.requested.v1", Service.DEPLOYER.source)
    await buses[Service.DEPLOYER].publish(genuine)

    # The gateway forges the deployer's event, with the deployer's source even: the broker refuses it.
    forged = event_of("agent.deploy.requested.v1", Service.DEPLOYER.source)
    with pytest.raises(ChannelAccessRefused, match=re.escape("access to topic 'agent.deploy.requested.v1'")):
        await buses[Service.GATEWAY].publish(forged)

    await eventually(lambda: len(received) == 1, message="the deployer's event delivered")
    assert [e.id for e in received] == [genuine.id]


@pytest.mark.parametrize("service", list(Service))
async def test_each_service_publishes_every_type_it_owns_and_no_other(
    broker: Broker, service: Service
) -> None:
    others = [t for t in CATALOG if t not in owned_types(service)]
    bus = RabbitMQBus(broker.urls[service], namespace=broker.namespace)
    await bus.start()
    try:
        # a consumer's queue too: declaring, binding and consuming it are within the user's permissions
        received: list[str] = []

        async def record(envelope: Envelope) -> None:
            received.append(envelope.type)

        await bus.subscribe(service.value, owned_types(service) or ["#"], record)
        await bus.publish_many([event_of(t, service.source) for t in owned_types(service)])
        await eventually(lambda: received == owned_types(service), message="its own events delivered")
    finally:
        await bus.close()
    for other in others[:3] + others[-2:]:  # each refusal closes the channel: one bus per attempt
        bus = RabbitMQBus(broker.urls[service], namespace=broker.namespace)
        await bus.start()
        try:
            with pytest.raises(ChannelAccessRefused):
                await bus.publish(event_of(other, service.source))
        finally:
            await bus.close()


async def test_every_permission_granted_is_needed(broker: Broker) -> None:
    service = Service.DEPLOYER
    user = service_user(service, broker.namespace)
    granted = service_permissions(service, broker.namespace)
    names = RabbitMQBus("amqp://unused", namespace=broker.namespace)
    resources = {
        "configure": [names.exchange_name, names.dead_letter_exchange_name, names.queue_name("deployer"),
                      names.dead_letter_queue_name("deployer")],
        "write": [names.exchange_name, names.dead_letter_exchange_name, names.queue_name("deployer"),
                  names.dead_letter_queue_name("deployer")],
        "read": [names.exchange_name, names.dead_letter_exchange_name, names.queue_name("deployer")],
    }
    assert {k: getattr(granted, k) for k in resources} == {k: exactly(v) for k, v in resources.items()}

    async def runs_its_bus() -> bool:
        bus = RabbitMQBus(broker.urls[service], namespace=broker.namespace)
        received: list[Envelope] = []

        async def record(envelope: Envelope) -> None:
            received.append(envelope)

        try:
            await bus.start()
            await bus.subscribe("deployer", ["agent.deleted.v1"], record)
            await bus.publish(event_of("agent.deleted.v1", service.source))
            await eventually(lambda: len(received) == 1, within=5, message="delivered")
            return True
        except ChannelAccessRefused:
            return False
        finally:
            await bus.close()

    vhost = broker.admin.vhost
    with broker.admin.client() as api:
        for kind, needed in resources.items():
            for left_out in needed:
                # a fresh declaration each time: the queues of the previous attempt go
                for queue in (names.queue_name("deployer"), names.dead_letter_queue_name("deployer")):
                    api.delete(f"/api/queues/{vhost}/{queue}")
                permissions = {k: getattr(granted, k) for k in resources}
                permissions[kind] = exactly([n for n in needed if n != left_out])
                api.put(f"/api/permissions/{vhost}/{user}", json=permissions).raise_for_status()
                assert not await runs_its_bus(), f"{kind} on {left_out} is not needed"
        api.put(f"/api/permissions/{vhost}/{user}",
                json={k: getattr(granted, k) for k in resources}).raise_for_status()
    assert await runs_its_bus()


async def test_passwords_derived_from_a_platform_secret_are_the_same_on_every_run(broker: Broker) -> None:
    again = create_service_users(broker.admin, [Service.RUNS], namespace=broker.namespace,
                                 password_secret="a-platform-secret")
    once_more = create_service_users(broker.admin, [Service.RUNS], namespace=broker.namespace,
                                     password_secret="a-platform-secret")
    assert again == once_more
    assert again[Service.RUNS] != broker.urls[Service.RUNS]  # the generated password was replaced
    connection = await aio_pika.connect(again[Service.RUNS])
    await connection.close()
    with pytest.raises(aio_pika.exceptions.ProbableAuthenticationError):
        await asyncio.wait_for(aio_pika.connect(broker.urls[Service.RUNS]), 10)
