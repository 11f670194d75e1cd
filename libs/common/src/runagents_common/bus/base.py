"""The bus interface every implementation honours (see the conformance tests)."""

import asyncio
import contextlib
import json
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from pydantic import ValidationError

from runagents_common.events.catalog import PoisonEvent
from runagents_common.events.envelope import Envelope

log = logging.getLogger("runagents.bus")

EventHandler = Callable[[Envelope], Awaitable[None]]
"""Processes one event. Raise :class:`PoisonEvent` to dead-letter it at once; any other
exception makes the bus deliver it again, up to the delivery limit, then dead-letter it. Whatever a
handler raises, the consumer goes on with the next event."""

BatchHandler = Callable[[Sequence[Envelope]], Awaitable[None]]
"""Processes several events at once (in delivery order), all or none. When it raises, the bus hands
the batch's events to it again one at a time, so that one event it cannot process does not hold the
others back; each single delivery then fails, retries and dead-letters as an :data:`EventHandler`'s would."""

DEFAULT_MAX_BATCH = 500


@dataclass(frozen=True)
class DeadLetter:
    """An event a consumer gave up on, and why."""

    consumer: str
    body: bytes
    reason: str


class Bus(ABC):
    """Publish events by type; deliver each to every consumer subscribed to a matching pattern.

    Patterns are AMQP topic patterns over the dotted type: ``*`` matches one word, ``#`` any number.
    Delivery is at least once: consumers must be idempotent (see ``runagents_common.db.inbox``).
    """

    @abstractmethod
    async def start(self) -> None:
        """Connect and declare what the bus needs."""

    @abstractmethod
    async def publish(self, envelope: Envelope) -> None:
        """Publish one event; returns once the bus has durably accepted it."""

    async def publish_many(self, envelopes: Sequence[Envelope]) -> None:
        """Publish events in order; returns once the bus has durably accepted them all."""
        for envelope in envelopes:
            await self.publish(envelope)

    @abstractmethod
    async def subscribe(self, consumer: str, patterns: Sequence[str], handler: EventHandler) -> None:
        """Deliver matching events to ``handler`` on the consumer's own durable queue."""

    async def subscribe_batch(self, consumer: str, patterns: Sequence[str], handler: BatchHandler,
                              max_batch: int = DEFAULT_MAX_BATCH) -> None:
        """Like :meth:`subscribe`, but hand the events over in batches of up to ``max_batch``.

        A batch holds what is already waiting: a quiet queue gives batches of one, a backlog full
        ones. This default delivers batches of one; buses override it to batch for real.
        """

        async def one_at_a_time(envelope: Envelope) -> None:
            await handler([envelope])

        await self.subscribe(consumer, patterns, one_at_a_time)

    @abstractmethod
    async def close(self) -> None:
        """Stop consuming and disconnect."""

    @abstractmethod
    async def is_healthy(self) -> bool:
        """Whether the bus can publish right now."""

    def consumers_ready(self) -> dict[str, bool]:
        """Whether each subscribed consumer is receiving events right now (a consumer whose task
        ended, or which is waiting for the broker to come back, is not)."""
        return {}


def decode_envelope(body: bytes) -> Envelope:
    """Parse a message body into an envelope, or raise :class:`PoisonEvent`."""
    try:
        return Envelope.model_validate(json.loads(body))
    except (ValueError, ValidationError) as exc:
        raise PoisonEvent(f"malformed envelope: {_first_line(exc)}") from exc
    except (RecursionError, MemoryError) as exc:
        # A deeply nested or huge body: it can never be read, so it is not retried.
        raise PoisonEvent(f"unreadable envelope: {type(exc).__name__}") from exc


def _first_line(exc: BaseException) -> str:
    lines = str(exc).splitlines()
    return lines[0][:200] if lines else type(exc).__name__


def describe_error(exc: BaseException) -> str:
    """A short, bounded description of why handling failed (an exception's text may be huge)."""
    text = repr(exc)
    return text if len(text) <= 300 else text[:300] + "..."


def encode_envelope(envelope: Envelope) -> bytes:
    """Serialise an envelope for the wire."""
    return envelope.model_dump_json().encode()


def topic_matches(pattern: str, routing_key: str) -> bool:
    """AMQP topic matching: ``*`` is exactly one word, ``#`` zero or more words."""
    return _match(pattern.split("."), routing_key.split("."))


def _match(pattern: list[str], words: list[str]) -> bool:
    if not pattern:
        return not words
    head, rest = pattern[0], pattern[1:]
    if head == "#":
        return any(_match(rest, words[i:]) for i in range(len(words) + 1))
    if not words:
        return False
    return (head == "*" or head == words[0]) and _match(rest, words[1:])


def log_dead_letter(consumer: str, reason: str, body: bytes) -> None:
    """Log a dead-lettered event without its data (which may be large or sensitive)."""
    event_id = event_type = None
    # A body that cannot be read (even one that raises RecursionError) is logged without its id.
    with contextlib.suppress(Exception):
        raw = json.loads(body)
        if isinstance(raw, dict):
            event_id, event_type = str(raw.get("id"))[:100], str(raw.get("type"))[:200]
    log.error(
        "event dead-lettered by %s: %s",
        consumer,
        reason,
        extra={"event_id": event_id, "event_type": event_type, "service": consumer},
    )


OUTAGE_PATIENCE_SECONDS = 900.0
"""How long a consumer keeps an event while its database cannot be reached, before the delivery counts as failed."""
MAX_OUTAGE_DELAY = 10.0


async def handle_through_outages(consumer: str, handler: EventHandler, envelope: Envelope,
                                 first_delay: float) -> None:
    """Run ``handler`` on ``envelope``; while it fails because its database cannot be reached, wait
    (``first_delay`` doubling to 10 s, for up to ``OUTAGE_PATIENCE_SECONDS``) and run it again.

    An outage is no fault of the event: counted as failed deliveries, a few seconds of it used up an
    event's deliveries and dead-lettered it (a run's tool call lost from its timeline). Any other
    error, and an outage past the patience, is raised for the bus to count.
    """
    from runagents_common.errors import is_database_unavailable

    delay = max(first_delay, 0.01)
    deadline = time.monotonic() + OUTAGE_PATIENCE_SECONDS
    while True:
        try:
            await handler(envelope)
            return
        except PoisonEvent:
            raise
        except Exception as exc:
            if not is_database_unavailable(exc) or time.monotonic() + delay > deadline:
                raise
            log.warning("consumer %s cannot reach its database (%s); event %s waits %.1f s", consumer,
                        describe_error(exc), envelope.id, delay)
        await asyncio.sleep(delay)
        delay = min(delay * 2, MAX_OUTAGE_DELAY)
