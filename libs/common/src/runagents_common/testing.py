"""Pytest fixtures for tests that talk to the real Postgres and RabbitMQ.

Enabled by the root ``conftest.py``. ``DATABASE_URL`` / ``AMQP_URL`` name the servers
(default: the local standard ports). Each test session gets its own database, dropped at the
end; each bus test gets its own namespace of exchanges and queues, deleted at the end.
"""

import asyncio
import contextlib
import inspect
import os
import textwrap
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from runagents_common.bus.rabbitmq import RabbitMQBus

TEST_ADMIN_KEY = os.environ.get("RUNAGENTS_ADMIN_KEY") or f"ra-test-admin-{uuid.uuid4().hex}"
"""The admin key every platform a test starts accepts (RUNAGENTS_ADMIN_KEY, set for the session below)."""
ADMIN_HEADERS = {"authorization": f"Bearer {TEST_ADMIN_KEY}"}
"""What a test's client sends to act as the platform's administrator."""
os.environ["RUNAGENTS_ADMIN_KEY"] = TEST_ADMIN_KEY
# Each service started alone by a test derives its own key from this secret (as `runagents setup-identity` does).
os.environ.setdefault("RUNAGENTS_SERVICE_KEYS_SECRET", f"test-service-keys-{uuid.uuid4().hex}")

DEFAULT_DATABASE_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"


def _server_url() -> str:
    return os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)


def _run_admin(statement: str) -> None:
    """Run ``statement`` on its own event loop in a thread: the fixture may be first requested
    from inside a running loop (``request.getfixturevalue`` in an async fixture)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, _admin(statement)).result()


async def _admin(statement: str) -> None:
    import asyncpg

    url = make_url(_server_url()).set(drivername="postgresql", database="postgres")
    conn = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The URL of a fresh Postgres database for this test session (dropped afterwards)."""
    with fresh_database() as url:
        yield url


@pytest.fixture(scope="session")
def amqp_url() -> str:
    """The URL of the RabbitMQ server tests use."""
    return os.environ.get("AMQP_URL", DEFAULT_AMQP_URL)


@pytest.fixture
def bus_namespace() -> str:
    """A namespace of exchanges and queues private to one test."""
    return f"test-{uuid.uuid4().hex[:10]}"


async def delete_namespace(amqp_url: str, namespace: str, consumers: list[str]) -> None:
    """Delete the exchanges and queues a test declared under ``namespace``."""
    import aio_pika

    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        for consumer in consumers:
            for queue in (f"{namespace}.{consumer}", f"{namespace}.{consumer}.dlq"):
                await channel.queue_delete(queue)
        for exchange in (f"{namespace}.events", f"{namespace}.dead-letter"):
            await channel.exchange_delete(exchange)


class DeadLetters:
    """What the consumers of a RabbitMQ bus dead-lettered, oldest first.

    Reading a dead-letter queue takes its messages off it, so the bodies read are kept: each call
    answers everything the consumer dead-lettered so far.
    """

    def __init__(self, bus: "RabbitMQBus", amqp_url: str) -> None:
        self.bus = bus
        self.amqp_url = amqp_url
        self._read: dict[str, list[bytes]] = {}

    async def of(self, consumer: str) -> list[bytes]:
        """The bodies ``consumer`` dead-lettered so far."""
        import aio_pika

        bodies = self._read.setdefault(consumer, [])
        connection = await aio_pika.connect(self.amqp_url)
        async with connection:
            channel = await connection.channel()
            queue = await channel.get_queue(self.bus.dead_letter_queue_name(consumer), ensure=True)
            while (message := await queue.get(no_ack=True, fail=False)) is not None:
                bodies.append(message.body)
        return list(bodies)


@pytest.fixture
async def cleanup_namespace(amqp_url: str, bus_namespace: str) -> AsyncIterator[list[str]]:
    """Append consumer names to the yielded list; their queues are deleted after the test."""
    consumers: list[str] = []
    yield consumers
    await delete_namespace(amqp_url, bus_namespace, consumers)


@contextlib.asynccontextmanager
async def serve_app(app: Any, host: str = "127.0.0.1") -> AsyncIterator[str]:
    """Serve an ASGI app with uvicorn on a free loopback port, lifespan included; yields its base URL."""
    import socket

    import uvicorn

    with socket.socket() as sock:
        sock.bind((host, 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("the server stopped before it started")
            await asyncio.sleep(0.02)
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        await task


@contextlib.contextmanager
def fresh_database() -> Iterator[str]:
    """A database of its own for one test or fixture (dropped afterwards), for tests that must not
    share the session's database with others (e.g. a whole platform started from scratch)."""
    name = f"runagents_test_{uuid.uuid4().hex[:10]}"
    _run_admin(f'CREATE DATABASE "{name}"')
    url = make_url(_server_url()).set(drivername="postgresql+asyncpg", database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        _run_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


Condition = Callable[[], Awaitable[bool]] | Callable[[], bool]


class NotReached(AssertionError):
    """A condition a test waited for did not hold in time."""


async def eventually(condition: Condition, within: float = 10.0, interval: float = 0.02,
                     message: str = "condition") -> None:
    """Poll a sync or async ``condition`` until it holds; raise :class:`NotReached` after ``within`` seconds.

    Event-driven effects arrive "soon", not at once: tests wait for them with a deadline, never a bare sleep.
    """
    deadline = time.monotonic() + within
    while True:
        result = condition()
        if inspect.isawaitable(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise NotReached(f"{message} did not hold within {within}s")
        await asyncio.sleep(interval)


class TcpProxy:
    """A loopback TCP proxy in front of a server that a test can cut and restore, to see the server
    "go down" for the process under test without touching the shared server itself.

    While cut, every proxied connection is aborted and new ones are refused (nothing listens).
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Listen (on a free port the first time, on the same port again after :meth:`cut`)."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """Stop listening and abort every open connection."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def restore(self) -> None:
        """Accept connections again."""
        await self.start()

    async def close(self) -> None:
        """Cut for good."""
        await self.cut()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            writer.transport.abort()
            return
        self._writers.update((writer, upstream_writer))
        for source, sink in ((reader, upstream_writer), (upstream_reader, writer)):
            task = asyncio.create_task(self._pipe(source, sink))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pipe(self, source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        try:
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            sink.transport.abort()
            self._writers.discard(sink)


async def raw_http_get(base_url: str, target: str) -> tuple[int, str]:
    """GET ``target`` exactly as written (an HTTP client would resolve its dot segments before sending);
    the status and the body."""
    from urllib.parse import urlsplit

    parts = urlsplit(base_url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    writer.write(f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n".encode("latin-1"))
    await writer.drain()
    answer = (await reader.read()).decode("latin-1")
    writer.close()
    head, _, body = answer.partition("\r\n\r\n")
    return int(head.split(" ", 2)[1]), body


def leave_scratch_of_a_killed_process(scratch_root: Path, prefix: str) -> Path:
    """What a process killed (-9) in the middle of a job leaves: its scratch folder under ``scratch_root``
    (made with ``ScratchSpace``, named ``prefix...``) with a file ``agent.py`` in it."""
    import signal
    import subprocess
    import sys
    import textwrap

    crashed = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent("""
            import sys, time
            from pathlib import Path
            from runagents_common.scratch import ScratchSpace
            with ScratchSpace(Path(sys.argv[1])).folder(sys.argv[2]) as folder:
                (folder / "agent.py").write_text("uploaded source")
                print(folder, flush=True)
                time.sleep(600)
        """), str(scratch_root), prefix],
        stdout=subprocess.PIPE, text=True,
    )
    assert crashed.stdout is not None
    left_behind = Path(crashed.stdout.readline().strip())
    os.kill(crashed.pid, signal.SIGKILL)
    crashed.wait()
    assert (left_behind / "agent.py").exists()
    return left_behind


def write_upload(folder: Path, files: dict[str, str]) -> Path:
    """An upload's folder for a test: `files` (path -> text, dedented) beside a one-line `agent.py`."""
    folder.mkdir(parents=True, exist_ok=True)
    for path, text in {"agent.py": "def handler(message):\n    return message\n", **files}.items():
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        (folder / path).write_text(textwrap.dedent(text).lstrip("\n"))
    return folder


async def no_progress(phase: str, percent: int) -> None:
    """A build or analysis progress callback that records nothing."""
    return None
