"""A RabbitMQ node and a Postgres cluster of the fault suite's own, on free ports in a temporary folder,
that it may stop and start at will: the shared servers on 5432 and 5672 are never touched."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from glob import glob
from pathlib import Path

RABBITMQ_BIN = Path("/usr/lib/rabbitmq/bin")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _postgres_bin() -> Path:
    found = sorted(glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise RuntimeError("no Postgres server binaries under /usr/lib/postgresql/*/bin")
    return Path(found[-1]).parent


@dataclass
class RabbitMQNode:
    """``rabbitmq-server`` with its own node name, ports, database and logs."""

    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="runagents-faults-rabbitmq-")))
    name: str = field(default_factory=lambda: f"runagents-faults-{uuid.uuid4().hex[:8]}@localhost")
    port: int = field(default_factory=free_port)
    dist_port: int = field(default_factory=free_port)
    management_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    @property
    def management_url(self) -> str:
        """The node's management API (per-service broker users are made through it)."""
        return f"http://127.0.0.1:{self.management_port}"

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RABBITMQ_", "ERL_"))}
        env.update({
            "HOME": str(self.root / "home"),  # the Erlang cookie rabbitmqctl and the node share
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.root / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.root / "log"),
            "RABBITMQ_PID_FILE": str(self.root / "node.pid"),
            "RABBITMQ_CONFIG_FILE": str(self.root / "rabbitmq"),
            "RABBITMQ_CONF_ENV_FILE": str(self.root / "rabbitmq-env.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.root / "enabled_plugins"),
            # epmd is shared with the machine's own node (one per host, it only maps names to ports).
            "ERL_EPMD_ADDRESS": "127.0.0.1",
        })
        return env

    def start(self, timeout: float = 60) -> None:
        (self.root / "home").mkdir(parents=True, exist_ok=True)
        (self.root / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = 127.0.0.1:{self.port}\nloopback_users = none\n"
            f"management.tcp.ip = 127.0.0.1\nmanagement.tcp.port = {self.management_port}\n"
        )
        (self.root / "rabbitmq-env.conf").write_text("")
        (self.root / "enabled_plugins").write_text("[rabbitmq_management].\n")
        with open(self.root / "server.log", "ab") as log:
            self.process = subprocess.Popen([str(RABBITMQ_BIN / "rabbitmq-server")], env=self._env(), stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        self._ctl("wait", str(self.root / "node.pid"), "--timeout", str(int(timeout)), timeout=timeout + 10)

    def stop(self) -> None:
        if self.process is None:
            return
        try:
            self._ctl("stop", str(self.root / "node.pid"), timeout=60)
        finally:
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def destroy(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def _ctl(self, *args: str, timeout: float) -> None:
        done = subprocess.run([str(RABBITMQ_BIN / "rabbitmqctl"), "-n", self.name, *args], env=self._env(),
                              capture_output=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)} failed: {done.stdout.decode()}{done.stderr.decode()}")


@dataclass
class PostgresCluster:
    """A Postgres cluster made with ``initdb`` (as the ``postgres`` user when run as root), trust auth."""

    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="runagents-faults-postgres-")))
    port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout: float = 60) -> None:
        command = [str(_postgres_bin() / args[0]), *args[1:]]
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stdout.decode()}{done.stderr.decode()}\n{self.log()}")

    def log(self) -> str:
        path = self.root / "postgres.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
        self._run("initdb", "-D", str(self.root / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        self._run("pg_ctl", "-D", str(self.root / "data"), "-o", options, "-l", str(self.root / "postgres.log"),
                  "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def destroy(self) -> None:
        try:
            if (self.root / "data" / "postmaster.pid").exists():
                self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def wait_until(condition: Callable[[], bool], timeout: float, what: str, interval: float = 0.1) -> float:
    """Poll ``condition()`` until true; the seconds it took (raises TimeoutError past ``timeout``)."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"{what}: not within {timeout} s")
        time.sleep(interval)
    return time.monotonic() - started
