"""Who may do what on the broker: one RabbitMQ user per service, allowed to publish only its own event types.

An envelope's ``source`` is self-declared, so the consumers' owner check (see
``runagents_common.events.catalog.check_source``) only holds if a service cannot publish another's
types. RabbitMQ enforces that with topic permissions: on the events exchange, a service's user may
publish only with the routing keys of the types it owns (the routing key of an event is its type).

The users, their permissions and their topic permissions are created through the broker's
management HTTP API (the ``rabbitmq_management`` plugin): the set-up then runs from anywhere that
reaches the broker with an administrator's credentials, not only on the broker's host as
``rabbitmqctl`` would.
"""

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import httpx

from runagents_common.bus.rabbitmq import RabbitMQBus
from runagents_common.events.catalog import Service, owned_types

MANAGEMENT_PORT = 15672


@dataclass(frozen=True)
class BrokerPermissions:
    """A service user's permissions on one vhost: regular expressions over resource names, and over
    routing keys on the topic exchange."""

    configure: str
    """Resources it may declare (and delete): the two exchanges it declares, its own queue and dead-letter queue."""
    write: str
    """Resources it may publish to or bind to: the events exchange, its own queues (binding a queue needs
    write on it), the dead-letter exchange (declaring a queue that dead-letters there needs write on it)."""
    read: str
    """Resources it may consume from or bind from: its own queue, the two exchanges (binding from an exchange
    needs read on it). Not its dead-letter queue: the bus never consumes that one."""
    topic_exchange: str
    """The topic exchange the topic permissions apply to."""
    topic_write: str
    """Routing keys it may publish with on ``topic_exchange``: the types it owns."""
    topic_read: str
    """Routing keys it may bind its queue with on ``topic_exchange``: any (events carry no secrets)."""


def _alternatives(names: Iterable[str]) -> str:
    """A regular expression matching exactly ``names`` (and nothing, if there are none)."""
    escaped = [re.escape(name) for name in names]
    return f"^({'|'.join(escaped)})$" if escaped else "^$"


def service_permissions(service: Service, namespace: str = "runagents") -> BrokerPermissions:
    """What ``service``'s user needs on the broker, for the bus ``namespace``, and nothing more."""
    names = RabbitMQBus("amqp://unused", namespace=namespace)
    exchanges = [names.exchange_name, names.dead_letter_exchange_name]
    queue, dead_letter_queue = names.queue_name(service.value), names.dead_letter_queue_name(service.value)
    # Each resource below is needed (libs/common/tests/test_bus_access.py takes each out in turn and sees the
    # bus fail); read on the dead-letter queue is not, so it is not granted.
    return BrokerPermissions(
        configure=_alternatives([*exchanges, queue, dead_letter_queue]),
        write=_alternatives([*exchanges, queue, dead_letter_queue]),
        read=_alternatives([*exchanges, queue]),
        topic_exchange=names.exchange_name,
        topic_write=_alternatives(owned_types(service)),
        topic_read=".*",
    )


def service_user(service: Service, namespace: str = "runagents") -> str:
    """The broker user of ``service`` for the bus ``namespace`` (several platforms may share a broker)."""
    return f"{namespace}-{service.value}"


def derived_password(secret: str, user: str) -> str:
    """A password for ``user`` derived from a platform secret: the set-up can be run again and give the same."""
    return hmac.new(secret.encode(), f"runagents-bus-user:{user}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class BrokerAdmin:
    """An administrator's access to a broker: its AMQP URL, and its management API's address."""

    amqp_url: str
    management_url: str | None = None
    """Default: ``http://<the AMQP host>:15672``."""

    @property
    def vhost(self) -> str:
        """The vhost of the AMQP URL (``/`` when it names none)."""
        path = urlsplit(self.amqp_url).path
        return unquote(path[1:]) if len(path) > 1 else "/"

    def api_url(self) -> str:
        """The management API's base URL."""
        if self.management_url:
            return self.management_url.rstrip("/")
        parts = urlsplit(self.amqp_url)
        scheme = "https" if parts.scheme == "amqps" else "http"
        return f"{scheme}://{parts.hostname}:{MANAGEMENT_PORT}"

    def client(self) -> httpx.Client:
        """An HTTP client of the management API, authenticated as the AMQP URL's user."""
        parts = urlsplit(self.amqp_url)
        auth = (unquote(parts.username or "guest"), unquote(parts.password or "guest"))
        return httpx.Client(base_url=self.api_url(), auth=auth, timeout=30)

    def url_for(self, user: str, password: str) -> str:
        """The AMQP URL of the same broker and vhost, as ``user``."""
        parts = urlsplit(self.amqp_url)
        host = parts.hostname or "localhost"
        netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}"
        if parts.port:
            netloc += f":{parts.port}"
        return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))


def _check(response: httpx.Response, what: str) -> None:
    if response.is_error:
        raise RuntimeError(f"the broker refused to {what}: HTTP {response.status_code} {response.text[:300]}")


def create_service_users(admin: BrokerAdmin, services: Sequence[Service] = tuple(Service),
                         namespace: str = "runagents", password_secret: str | None = None) -> dict[Service, str]:
    """Create (or update) each service's broker user, its permissions and topic permissions on the
    admin URL's vhost (created if missing); return each service's own AMQP URL.

    Passwords are derived from ``password_secret`` when given (running the set-up again changes
    nothing), else generated (running it again rotates them).
    """
    vhost = quote(admin.vhost, safe="")
    urls: dict[Service, str] = {}
    with admin.client() as api:
        _check(api.put(f"/api/vhosts/{vhost}", json={}), f"create the vhost {admin.vhost!r}")
        for service in services:
            user = service_user(service, namespace)
            password = derived_password(password_secret, user) if password_secret else secrets.token_urlsafe(32)
            permissions = service_permissions(service, namespace)
            name = quote(user, safe="")
            _check(api.put(f"/api/users/{name}", json={"password": password, "tags": ""}), f"create user {user}")
            _check(api.put(f"/api/permissions/{vhost}/{name}", json={
                "configure": permissions.configure, "write": permissions.write, "read": permissions.read,
            }), f"set the permissions of {user}")
            _check(api.put(f"/api/topic-permissions/{vhost}/{name}", json={
                "exchange": permissions.topic_exchange, "write": permissions.topic_write,
                "read": permissions.topic_read,
            }), f"set the topic permissions of {user}")
            urls[service] = admin.url_for(user, password)
    return urls


def delete_service_users(admin: BrokerAdmin, services: Sequence[Service] = tuple(Service),
                         namespace: str = "runagents") -> None:
    """Delete the services' broker users (their permissions go with them)."""
    with admin.client() as api:
        for service in services:
            response = api.delete(f"/api/users/{quote(service_user(service, namespace), safe='')}")
            if response.status_code != 404:
                _check(response, f"delete user {service_user(service, namespace)}")
