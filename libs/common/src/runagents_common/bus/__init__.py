"""The event bus: one interface, an in-process implementation and a RabbitMQ one."""

from runagents_common.bus.base import Bus, DeadLetter, EventHandler, topic_matches
from runagents_common.bus.memory import InMemoryBus

__all__ = ["Bus", "DeadLetter", "EventHandler", "InMemoryBus", "topic_matches"]
