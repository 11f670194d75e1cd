"""Events: the CloudEvents-style envelope and the catalog of every event type."""

from runagents_common.events.catalog import CATALOG, EventData, PoisonEvent, parse_data
from runagents_common.events.envelope import Envelope, new_envelope

__all__ = ["CATALOG", "Envelope", "EventData", "PoisonEvent", "new_envelope", "parse_data"]
