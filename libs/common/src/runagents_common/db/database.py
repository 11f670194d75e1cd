"""A service's database: its engine, and the unit of work that commits at the edge."""

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from runagents_common.settings import PlatformSettings, RunMode

COMMIT_HOOKS_KEY = "runagents.after_commit"
SESSION_CALLBACKS_KEY = "runagents.session_after_commit"


class Database:
    """The engine of one service. On Postgres the service owns a schema named after it;
    in dev mode it owns a SQLite file in the data dir."""

    def __init__(self, url: str, schema: str | None = None) -> None:
        self.url = url
        self.schema = schema
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        connect_args: dict[str, Any] = {}
        if not self.is_sqlite and schema:
            connect_args["server_settings"] = {"search_path": schema}
        if self.is_sqlite:
            connect_args["timeout"] = 30
        self.engine: AsyncEngine = create_async_engine(
            url, connect_args=connect_args, pool_pre_ping=not self.is_sqlite
        )
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._after_commit: list[Callable[[], None]] = []

    @classmethod
    def for_service(cls, settings: PlatformSettings, service: str) -> "Database":
        """The database a service uses under ``settings``."""
        if settings.mode is RunMode.DEV:
            path = Path(settings.data_dir).resolve() / f"{service}.db"
            path.parent.mkdir(parents=True, exist_ok=True)
            # Owner-only from the start (SQLite gives its -wal and -shm files the database file's mode).
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
            os.chmod(path, 0o600)
            return cls(f"sqlite+aiosqlite:///{path}")
        return cls(settings.database_url.get_secret_value(), schema=service)

    def on_commit(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` after a unit of work that asked for it (see :meth:`notify_after_commit`)."""
        self._after_commit.append(callback)

    @staticmethod
    def notify_after_commit(session: AsyncSession) -> None:
        """Ask the unit of work of ``session`` to run the commit callbacks once it committed."""
        session.info[COMMIT_HOOKS_KEY] = True

    @staticmethod
    def call_after_commit(session: AsyncSession, callback: Callable[[], None]) -> None:
        """Run ``callback`` once ``session``'s unit of work committed (never if it rolled back)."""
        session.info.setdefault(SESSION_CALLBACKS_KEY, []).append(callback)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """A unit of work: commit when the block ends, roll back if it raised."""
        async with self.sessions() as session:
            try:
                yield session
                await session.commit()
            except BaseException:
                session.info.pop(SESSION_CALLBACKS_KEY, None)
                await session.rollback()
                raise
            if session.info.pop(COMMIT_HOOKS_KEY, False):
                for callback in self._after_commit:
                    callback()
            for session_callback in session.info.pop(SESSION_CALLBACKS_KEY, []):
                session_callback()

    async def create_schema(self) -> None:
        """Create the service's Postgres schema if it does not exist (no-op on SQLite)."""
        if self.is_sqlite or not self.schema:
            return
        async with self.engine.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"'))

    async def ping(self) -> bool:
        """Whether the database answers."""
        try:
            async with asyncio.timeout(2):
                async with self.engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # WAL + NORMAL: no fsync per commit; a power loss may drop the last commits, never corrupt.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()
