"""The outbox and processed-events tables every service keeps beside its own tables."""

from typing import cast

from sqlalchemy.orm import DeclarativeBase

from runagents_common.db.inbox import ProcessedEventMixin
from runagents_common.db.outbox import OutboxMessageMixin


def messaging_tables(
    base: type[DeclarativeBase],
) -> tuple[type[OutboxMessageMixin], type[ProcessedEventMixin]]:
    """A service's ``OutboxMessage`` and ``ProcessedEvent`` classes, mapped on its declarative ``base``.

    They land in ``base``'s metadata, so in the service's own schema and migrations. Call it once
    per base, in the module that defines the base: a second call would map the same tables again,
    which SQLAlchemy refuses.
    """
    # The base's module, not this one: SQLAlchemy's class registry and reprs then name the
    # classes where the service defines them, as a class statement there would.
    namespace = {"__module__": base.__module__}
    outbox = type("OutboxMessage", (OutboxMessageMixin, base), dict(namespace))
    processed_events = type("ProcessedEvent", (ProcessedEventMixin, base), dict(namespace))
    return cast(type[OutboxMessageMixin], outbox), cast(type[ProcessedEventMixin], processed_events)
