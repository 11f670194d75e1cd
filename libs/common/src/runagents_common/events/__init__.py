"""Events: the CloudEvents-style envelope and the catalog of every event type."""

from runagents_common.events.catalog import (
    CATALOG,
    EventData,
    PoisonEvent,
    Service,
    check_source,
    owned_types,
    parse_data,
)
from runagents_common.events.envelope import Envelope, new_envelope

__all__ = [
    "CATALOG",
    "Envelope",
    "EventData",
    "PoisonEvent",
    "Service",
    "check_source",
    "new_envelope",
    "owned_types",
    "parse_data",
]
