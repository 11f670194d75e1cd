"""Start the platform as real processes (dev mode, or distributed mode with an ingress) and stop it.

Used by the end-to-end tests and the benchmarks, which drive the platform as a client would.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import httpx

from runagents.components import SERVICES
from runagents_common.auth.service_keys import derive_service_key
from runagents_common.bus.access import BrokerAdmin, create_service_users, delete_service_users

READY_PATHS = ("/api/v1/tools", "/api/v1/model-providers")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class PlatformProcesses:
    base_url: str
    log_dir: Path
    admin_key: str
    """The admin key the platform was started with (RUNAGENTS_ADMIN_KEY): what a client of its API sends."""
    bus_namespace: str | None = None
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    bus_admin: BrokerAdmin | None = None
    """The broker vhost made for this platform, with its services' users (deleted on stop)."""

    @property
    def admin_headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.admin_key}"}

    def logs(self, lines: int = 30) -> str:
        out = []
        for name in self.processes:
            path = self.log_dir / f"{name}.log"
            if path.exists():
                tail = path.read_text(errors="replace").splitlines()[-lines:]
                out.append(f"--- {name} ---\n" + "\n".join(tail))
        return "\n".join(out)

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if self.bus_admin is not None and self.bus_namespace is not None:
            delete_service_users(self.bus_admin, namespace=self.bus_namespace)
            with self.bus_admin.client() as api:
                api.delete(f"/api/vhosts/{quote(self.bus_admin.vhost, safe='')}")
            self.bus_admin = None


def _admin_key() -> str:
    """This process's RUNAGENTS_ADMIN_KEY (a test session's), else a new one."""
    return os.environ.get("RUNAGENTS_ADMIN_KEY") or f"ra-admin-{uuid.uuid4().hex}"


def _spawn(name: str, args: list[str], env: dict[str, str], log_dir: Path) -> subprocess.Popen[bytes]:
    # The child gets its own copy of the descriptor; the parent's is closed once it started.
    with open(log_dir / f"{name}.log", "wb") as log:
        return subprocess.Popen([sys.executable, "-m", "runagents", *args], env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)


def _wait_ready(platform: PlatformProcesses, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name, process in platform.processes.items():
            if process.poll() is not None:
                platform.stop()
                raise RuntimeError(f"{name} exited with {process.returncode}\n{platform.logs()}")
        try:
            if all(httpx.get(platform.base_url + path, headers=platform.admin_headers, timeout=2).status_code == 200
                   for path in READY_PATHS):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    platform.stop()
    raise RuntimeError(f"the platform did not answer within {timeout:.0f} s\n{platform.logs()}")


def start_dev(data_dir: Path, timeout: float = 60, port: int | None = None) -> PlatformProcesses:
    """``runagents dev`` on ``port`` (a free one by default) with ``data_dir``."""
    port = port or free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNAGENTS_")}
    env["RUNAGENTS_ADMIN_KEY"] = _admin_key()
    platform = PlatformProcesses(f"http://127.0.0.1:{port}", data_dir, env["RUNAGENTS_ADMIN_KEY"])
    data_dir.mkdir(parents=True, exist_ok=True)
    platform.processes["dev"] = _spawn("dev", ["dev", "--port", str(port), "--data-dir", str(data_dir)], env, data_dir)
    _wait_ready(platform, timeout)
    return platform


def start_distributed(data_dir: Path, database_url: str, amqp_url: str, timeout: float = 90,
                      management_url: str | None = None) -> PlatformProcesses:
    """Every service as its own process on Postgres + RabbitMQ, behind ``runagents ingress``.

    As in production, each service connects to the broker as its own user (made by the set-up of
    ``runagents setup-bus``, on a vhost of this platform's own): ``amqp_url`` must be an administrator's;
    ``management_url`` is the broker's management API (default: port 15672 of the AMQP host).
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    ports = {service: free_port() for service in SERVICES}
    ingress_port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RUNAGENTS_")}
    namespace = f"e2e-{uuid.uuid4().hex[:8]}"
    secret_key = os.environ.get("RUNAGENTS_GATEWAY_SECRET_KEY") or uuid.uuid4().hex * 2
    deployer_secret_key = os.environ.get("RUNAGENTS_DEPLOYER_SECRET_KEY") or uuid.uuid4().hex * 2
    env.update({
        "RUNAGENTS_MODE": "distributed",
        "DATABASE_URL": database_url,
        "AMQP_URL": amqp_url,
        "RUNAGENTS_BUS_NAMESPACE": namespace,
        "RUNAGENTS_GATEWAY_SECRET_KEY": secret_key,
        "RUNAGENTS_DEPLOYER_SECRET_KEY": deployer_secret_key,
        "RUNAGENTS_DATA_DIR": str(data_dir),
        "RUNAGENTS_ADMIN_KEY": _admin_key(),
        "RUNAGENTS_PLATFORM_URL": f"http://127.0.0.1:{ingress_port}",
        **{f"RUNAGENTS_{service.upper()}_URL": f"http://127.0.0.1:{port}" for service, port in ports.items()},
    })
    migrate = subprocess.run([sys.executable, "-m", "runagents", "migrate"], env=env, capture_output=True)
    if migrate.returncode != 0:
        raise RuntimeError(f"migrate failed: {migrate.stdout.decode()}{migrate.stderr.decode()}")
    admin = BrokerAdmin(urlunsplit(urlsplit(amqp_url)._replace(path=f"/{namespace}")), management_url)
    platform = PlatformProcesses(f"http://127.0.0.1:{ingress_port}", data_dir, env["RUNAGENTS_ADMIN_KEY"], namespace,
                                 bus_admin=admin)
    try:
        urls = create_service_users(admin, namespace=namespace)
    except BaseException:
        platform.stop()  # the users made so far, and the vhost
        raise
    env.update({f"RUNAGENTS_{service.value.upper()}_AMQP_URL": url for service, url in urls.items()})
    # As in production: the policy service alone holds the secret the services' keys derive from, each service
    # its own key.
    service_keys_secret = uuid.uuid4().hex * 2
    for service, port in ports.items():
        own = {f"RUNAGENTS_{service.upper()}_SERVICE_KEY": derive_service_key(service_keys_secret, service)}
        if service == "policy":
            own["RUNAGENTS_SERVICE_KEYS_SECRET"] = service_keys_secret
        platform.processes[service] = _spawn(
            service, ["serve", service, "--host", "127.0.0.1", "--port", str(port)], {**env, **own}, data_dir
        )
    platform.processes["ingress"] = _spawn(
        "ingress", ["ingress", "--host", "127.0.0.1", "--port", str(ingress_port)], env, data_dir
    )
    _wait_ready(platform, timeout)
    return platform
