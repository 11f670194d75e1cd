"""``runagents setup-bus``: one RabbitMQ user per service, allowed to publish only its own event types.

Given an administrator's AMQP URL, creates the vhost (if missing), the services' users, their
permissions and topic permissions (see ``runagents_common.bus.access``), and writes each service's
own AMQP URL as ``RUNAGENTS_<SERVICE>_AMQP_URL=...`` lines, the variables ``runagents serve`` reads.
"""

import os
import sys
from pathlib import Path

from runagents.env_files import emit_env_lines
from runagents_common.bus.access import BrokerAdmin, create_service_users
from runagents_common.events.catalog import Service

PASSWORD_SECRET_ENV = "RUNAGENTS_BUS_PASSWORD_SECRET"
"""When set, the services' passwords are derived from it (the set-up gives the same URLs on every run)."""


def env_lines(urls: dict[Service, str]) -> list[str]:
    """``RUNAGENTS_<SERVICE>_AMQP_URL=<url>`` for each service."""
    return [f"RUNAGENTS_{service.value.upper()}_AMQP_URL={url}" for service, url in urls.items()]


def setup_bus(admin_url: str, management_url: str | None, namespace: str, env_file: Path | None) -> None:
    """Create the services' broker users and write (or print) their AMQP URLs."""
    admin = BrokerAdmin(admin_url, management_url)
    urls = create_service_users(admin, namespace=namespace, password_secret=os.environ.get(PASSWORD_SECRET_ENV))
    emit_env_lines(env_lines(urls), env_file)
    if env_file is None:
        return
    users = ", ".join(f"{namespace}-{service.value}" for service in urls)
    print(f"broker users {users} set on vhost {admin.vhost!r}; their AMQP URLs are in {env_file}", file=sys.stderr)
