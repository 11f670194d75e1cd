"""Database: declarative base parts, engine and unit of work, outbox, inbox, migrations."""

from runagents_common.db.base import NAMING_CONVENTION, create_metadata, utcnow
from runagents_common.db.database import Database

__all__ = ["NAMING_CONVENTION", "Database", "create_metadata", "utcnow"]
