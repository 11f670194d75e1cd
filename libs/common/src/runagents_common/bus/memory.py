"""The in-process bus of dev mode: same semantics as RabbitMQ, inside one event loop."""

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from runagents_common.bus.base import (
    DEFAULT_MAX_BATCH,
    BatchHandler,
    Bus,
    DeadLetter,
    EventHandler,
    decode_envelope,
    describe_error,
    encode_envelope,
    handle_through_outages,
    log_dead_letter,
    topic_matches,
)
from runagents_common.events.catalog import PoisonEvent
from runagents_common.events.envelope import Envelope

log = logging.getLogger("runagents.bus")


@dataclass
class _Subscription:
    consumer: str
    patterns: Sequence[str]
    handler: EventHandler
    queue: asyncio.Queue[tuple[bytes, int]] = field(default_factory=asyncio.Queue)
    worker: asyncio.Task[None] | None = None


class InMemoryBus(Bus):
    """Each consumer has its own queue and worker; bodies are serialised as on the wire,
    failed deliveries are retried up to ``max_deliveries``, then dead-lettered."""

    def __init__(self, max_deliveries: int = 5, retry_delay: float = 0.05) -> None:
        self.max_deliveries = max_deliveries
        self.retry_delay = retry_delay
        self.dead_letters: list[DeadLetter] = []
        self._subscriptions: list[_Subscription] = []
        self._running = False

    async def start(self) -> None:
        self._running = True

    async def publish(self, envelope: Envelope) -> None:
        await self.publish_raw(envelope.type, encode_envelope(envelope))

    async def publish_raw(self, routing_key: str, body: bytes) -> None:
        """Publish bytes as they are (used to prove malformed events are dead-lettered)."""
        for sub in self._subscriptions:
            if any(topic_matches(p, routing_key) for p in sub.patterns):
                sub.queue.put_nowait((body, 1))

    async def subscribe(self, consumer: str, patterns: Sequence[str], handler: EventHandler) -> None:
        existing = next((s for s in self._subscriptions if s.consumer == consumer), None)
        if existing is not None:
            raise ValueError(f"consumer {consumer} already subscribed")
        sub = _Subscription(consumer, list(patterns), handler)
        sub.worker = asyncio.create_task(self._work(sub), name=f"bus-consumer-{consumer}")
        self._subscriptions.append(sub)

    async def subscribe_batch(self, consumer: str, patterns: Sequence[str], handler: BatchHandler,
                              max_batch: int = DEFAULT_MAX_BATCH) -> None:
        """Batches of what waits in the consumer's queue; a failed batch is retried event by event."""
        existing = next((s for s in self._subscriptions if s.consumer == consumer), None)
        if existing is not None:
            raise ValueError(f"consumer {consumer} already subscribed")

        async def one_at_a_time(envelope: Envelope) -> None:
            await handler([envelope])

        sub = _Subscription(consumer, list(patterns), one_at_a_time)
        sub.worker = asyncio.create_task(self._work_batches(sub, handler, max_batch), name=f"bus-consumer-{consumer}")
        self._subscriptions.append(sub)

    async def _work_batches(self, sub: _Subscription, handler: BatchHandler, max_batch: int) -> None:
        while True:
            items = [await sub.queue.get()]
            while len(items) < max_batch and not sub.queue.empty():
                items.append(sub.queue.get_nowait())
            decoded: list[tuple[bytes, int, Envelope]] = []
            for body, attempt in items:
                try:
                    decoded.append((body, attempt, decode_envelope(body)))
                except PoisonEvent as exc:
                    self._dead_letter(sub.consumer, body, str(exc))
            try:
                if decoded:
                    try:
                        await handler([envelope for _, _, envelope in decoded])
                    except asyncio.CancelledError:
                        raise
                    except Exception:
                        for body, attempt, _ in decoded:
                            await self._settle(sub, body, attempt)
            finally:
                for _ in items:
                    sub.queue.task_done()

    async def _work(self, sub: _Subscription) -> None:
        while True:
            body, attempt = await sub.queue.get()
            try:
                await self._settle(sub, body, attempt)
            finally:
                sub.queue.task_done()

    async def _settle(self, sub: _Subscription, body: bytes, attempt: int) -> None:
        """Deliver one event; whatever happens, the consumer goes on."""
        try:
            await self._deliver(sub, body, attempt)
        except asyncio.CancelledError:
            raise
        except Exception:
            # Even logging or dead-lettering failed: the event is dropped, the consumer goes on.
            log.exception("consumer %s could not settle an event; dropped", sub.consumer)

    async def _deliver(self, sub: _Subscription, body: bytes, attempt: int) -> None:
        """One event to the subscription's handler, retried or dead-lettered as it fails."""
        try:
            await handle_through_outages(sub.consumer, sub.handler, decode_envelope(body), self.retry_delay)
        except PoisonEvent as exc:
            self._dead_letter(sub.consumer, body, str(exc))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if attempt >= self.max_deliveries:
                self._dead_letter(sub.consumer, body, f"failed {attempt} times, last: {describe_error(exc)}")
            else:
                log.warning("consumer %s failed on delivery %d: %s", sub.consumer, attempt, describe_error(exc))
                await asyncio.sleep(self.retry_delay * attempt)
                sub.queue.put_nowait((body, attempt + 1))

    def _dead_letter(self, consumer: str, body: bytes, reason: str) -> None:
        log_dead_letter(consumer, reason, body)
        self.dead_letters.append(DeadLetter(consumer, body, reason))

    async def drain(self) -> None:
        """Wait until every queued event has been handled (tests and shutdown)."""
        for sub in self._subscriptions:
            await sub.queue.join()

    async def close(self) -> None:
        self._running = False
        for sub in self._subscriptions:
            if sub.worker:
                sub.worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sub.worker
        self._subscriptions.clear()

    async def is_healthy(self) -> bool:
        return self._running

    def consumers_ready(self) -> dict[str, bool]:
        return {sub.consumer: sub.worker is not None and not sub.worker.done() for sub in self._subscriptions}
