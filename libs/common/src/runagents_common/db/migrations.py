"""Alembic migrations of one service, run programmatically on Postgres or SQLite.

Each service keeps an Alembic script directory; its ``env.py`` calls :func:`run_env`.
"""

from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from runagents_common.db.database import Database


def alembic_config(migrations_dir: Path, metadata: MetaData, schema: str | None) -> Config:
    """An Alembic config for a service's script directory."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.attributes["target_metadata"] = metadata
    config.attributes["schema"] = schema
    return config


async def upgrade(database: Database, migrations_dir: Path, metadata: MetaData,
                  revision: str = "head") -> None:
    """Bring the service's tables up to ``revision`` (creating its schema on Postgres)."""
    await database.create_schema()
    config = alembic_config(migrations_dir, metadata, database.schema)

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with database.engine.begin() as conn:
        await conn.run_sync(run)


async def autogenerate(database: Database, migrations_dir: Path, metadata: MetaData, message: str) -> None:
    """Write a new revision from the difference between the models and the database."""
    await upgrade(database, migrations_dir, metadata)
    config = alembic_config(migrations_dir, metadata, database.schema)

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)

    async with database.engine.begin() as conn:
        await conn.run_sync(run)


def run_env() -> None:
    """The body of every service's Alembic ``env.py`` (online mode, given a connection)."""
    config = context.config
    connection: Connection | None = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through `runagents migrate`, which supplies the connection")
    # The service's schema is the connection's search_path (see Database), so the version table
    # lands there unqualified. Naming it as version_table_schema would make autogenerate, which
    # inspects the default schema, see alembic_version as a stray table and drop it.
    options: dict[str, Any] = {
        "connection": connection,
        "target_metadata": config.attributes["target_metadata"],
        "render_as_batch": connection.dialect.name == "sqlite",
        "compare_type": True,
    }
    context.configure(**options)
    with context.begin_transaction():
        context.run_migrations()
