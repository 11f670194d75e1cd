"""``runagents dev``: every service in one process on one port, SQLite files, in-process bus."""

import os
import socket
from pathlib import Path

from fastapi import FastAPI

from runagents.components import available_services, component_factory
from runagents.listening import serve
from runagents_common.bus import InMemoryBus
from runagents_common.service import ServiceHost, create_host_app
from runagents_common.settings import DEV_ADMIN_KEY_FILE, PlatformSettings, private_data_dir
from runagents_common.telemetry import setup_telemetry


def create_dev_app(data_dir: Path, platform_url: str) -> FastAPI:
    """The whole platform as one ASGI app (also used by the tests)."""
    os.environ["RUNAGENTS_MODE"] = "dev"
    os.environ["RUNAGENTS_DATA_DIR"] = str(data_dir.resolve())
    os.environ["RUNAGENTS_PLATFORM_URL"] = platform_url
    settings = PlatformSettings()
    components = [component_factory(service)() for service in available_services()]
    host = ServiceHost(components, InMemoryBus(max_deliveries=settings.bus_max_deliveries),
                       outbox_poll_seconds=settings.outbox_poll_seconds, migrate_on_start=True)
    return create_host_app(host, "RunAgents (dev)")


def run_dev(sock: socket.socket, host: str, data_dir: Path, *, no_auth: bool = False) -> None:
    """Serve the whole platform on ``sock`` (bound to ``host``); print where to go and how to sign in."""
    port = sock.getsockname()[1]
    # Keys, databases and uploads are the platform's alone: owner-only files in an owner-only folder.
    private_data_dir(data_dir)
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    url = f"http://{shown_host}:{port}"
    if no_auth:
        os.environ["RUNAGENTS_AUTH_DISABLED"] = "true"
    settings = PlatformSettings()
    # A person reads dev mode's logs: plain lines unless JSON is asked for.
    log_json = settings.log_json if "RUNAGENTS_LOG_JSON" in os.environ else False
    setup_telemetry("runagents-dev", log_level=settings.log_level, log_json=log_json)
    app = create_dev_app(data_dir, url)
    print(f"RunAgents (dev) at {url}  (API docs: {url}/docs, data: {data_dir.resolve()})", flush=True)
    if settings.auth_disabled:
        print("AUTHENTICATION IS OFF (--no-auth): anyone who reaches this address is an admin.", flush=True)
    else:
        code = app.state.components["policy"].context.sign_in_links.mint()
        key_file = (data_dir / DEV_ADMIN_KEY_FILE).resolve()
        print(f"Sign in (this link works once): {url}/auth/signin/link?code={code}\n"
              f"Admin API key for scripts and the CLI: {key_file} (owner-only), sent as "
              "`Authorization: Bearer <key>`", flush=True)
    serve(app, sock)
