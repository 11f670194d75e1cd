"""The RabbitMQ bus (aio-pika): a durable topic exchange, one durable quorum queue per
consuming service, publisher confirms, manual acks, bounded redelivery, a dead-letter queue."""

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustConnection,
)

from runagents_common.bus.base import (
    DEFAULT_MAX_BATCH,
    BatchHandler,
    Bus,
    EventHandler,
    decode_envelope,
    encode_envelope,
    log_dead_letter,
)
from runagents_common.events.catalog import PoisonEvent
from runagents_common.events.envelope import Envelope

log = logging.getLogger("runagents.bus")


class RabbitMQBus(Bus):
    """Events are routed by type on ``<namespace>.events``; consumer ``x`` reads the quorum
    queue ``<namespace>.x``, whose rejected or too-often-redelivered messages go to ``<namespace>.x.dlq``."""

    def __init__(self, url: str, namespace: str = "runagents", max_deliveries: int = 5,
                 prefetch: int = 16, retry_delay: float = 0.2) -> None:
        self._url = url
        self.namespace = namespace
        self.max_deliveries = max_deliveries
        self.prefetch = prefetch
        self.retry_delay = retry_delay
        self._connection: AbstractRobustConnection | None = None
        self._publish_channel: AbstractChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._consumers: list[asyncio.Task[None]] = []
        self._channels: list[AbstractChannel] = []

    @property
    def exchange_name(self) -> str:
        return f"{self.namespace}.events"

    @property
    def dead_letter_exchange_name(self) -> str:
        return f"{self.namespace}.dead-letter"

    def queue_name(self, consumer: str) -> str:
        return f"{self.namespace}.{consumer}"

    def dead_letter_queue_name(self, consumer: str) -> str:
        return f"{self.namespace}.{consumer}.dlq"

    async def start(self) -> None:
        self._connection = await aio_pika.connect_robust(self._url)
        self._publish_channel = await self._connection.channel(publisher_confirms=True)
        self._exchange = await self._publish_channel.declare_exchange(
            self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
        )
        await self._publish_channel.declare_exchange(
            self.dead_letter_exchange_name, aio_pika.ExchangeType.DIRECT, durable=True
        )

    async def publish(self, envelope: Envelope) -> None:
        if self._exchange is None:
            raise RuntimeError("bus not started")
        message = aio_pika.Message(
            body=encode_envelope(envelope),
            content_type="application/cloudevents+json",
            message_id=envelope.id,
            type=envelope.type,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            headers={k: v for k, v in envelope.trace_headers().items()},
        )
        # Not mandatory: an event no service subscribes to is dropped by design, not returned to
        # us frame by frame (the broker's confirm still says it took the event).
        await self._exchange.publish(message, routing_key=envelope.type, mandatory=False)

    async def publish_many(self, envelopes: Sequence[Envelope]) -> None:
        """Publish the batch without waiting for each confirm before sending the next message.

        The publishing tasks start in order and queue on the channel's fair lock in that order, so
        messages go out in order; their confirms are awaited together.
        """
        tasks = [asyncio.ensure_future(self.publish(envelope)) for envelope in envelopes]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()

    async def publish_raw(self, routing_key: str, body: bytes) -> None:
        """Publish bytes as they are (used to prove malformed events are dead-lettered)."""
        if self._exchange is None:
            raise RuntimeError("bus not started")
        await self._exchange.publish(aio_pika.Message(body=body), routing_key=routing_key)

    async def declare_queue(self, consumer: str, patterns: Sequence[str], prefetch: int | None = None) -> AbstractQueue:
        """Declare a consumer's queue, its dead-letter queue and bindings (idempotent)."""
        if self._connection is None:
            raise RuntimeError("bus not started")
        channel = await self._connection.channel()
        self._channels.append(channel)
        await channel.set_qos(prefetch_count=prefetch or self.prefetch)
        dlx = await channel.declare_exchange(
            self.dead_letter_exchange_name, aio_pika.ExchangeType.DIRECT, durable=True
        )
        dlq = await channel.declare_queue(
            self.dead_letter_queue_name(consumer), durable=True, arguments={"x-queue-type": "quorum"}
        )
        await dlq.bind(dlx, routing_key=self.queue_name(consumer))
        arguments: dict[str, Any] = {
            "x-queue-type": "quorum",
            "x-delivery-limit": self.max_deliveries - 1,
            "x-dead-letter-exchange": self.dead_letter_exchange_name,
            "x-dead-letter-routing-key": self.queue_name(consumer),
        }
        queue = await channel.declare_queue(self.queue_name(consumer), durable=True, arguments=arguments)
        exchange = await channel.declare_exchange(self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True)
        for pattern in patterns:
            await queue.bind(exchange, routing_key=pattern)
        return queue

    async def subscribe(self, consumer: str, patterns: Sequence[str], handler: EventHandler) -> None:
        queue = await self.declare_queue(consumer, patterns)
        task = asyncio.create_task(self._consume(consumer, queue, handler), name=f"bus-consumer-{consumer}")
        self._consumers.append(task)

    async def _consume(self, consumer: str, queue: AbstractQueue, handler: EventHandler) -> None:
        async with queue.iterator() as messages:
            async for message in messages:
                await self._deliver(consumer, message, handler)

    async def subscribe_batch(self, consumer: str, patterns: Sequence[str], handler: BatchHandler,
                              max_batch: int = DEFAULT_MAX_BATCH) -> None:
        """Batches of what the broker already pushed: the prefetch is ``max_batch``, so a backlog
        arrives ``max_batch`` messages at a time and is handled in one call, acknowledged at once."""
        queue = await self.declare_queue(consumer, patterns, prefetch=max_batch)
        task = asyncio.create_task(self._consume_batches(consumer, queue, handler, max_batch),
                                   name=f"bus-consumer-{consumer}")
        self._consumers.append(task)

    async def _consume_batches(self, consumer: str, queue: AbstractQueue, handler: BatchHandler,
                               max_batch: int) -> None:
        waiting: asyncio.Queue[AbstractIncomingMessage] = asyncio.Queue()

        async def arrived(message: AbstractIncomingMessage) -> None:
            waiting.put_nowait(message)

        tag = await queue.consume(arrived)
        try:
            while True:
                batch = [await waiting.get()]
                while len(batch) < max_batch and not waiting.empty():
                    batch.append(waiting.get_nowait())
                try:
                    await self._deliver_batch(consumer, batch, handler)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    # Settling failed (a channel lost with the connection, say): what was not acknowledged
                    # comes again on the new channel, and the handler skips what it already committed.
                    log.exception("consumer %s could not settle a batch of %d", consumer, len(batch))
        finally:
            with contextlib.suppress(Exception):
                await queue.cancel(tag)

    async def _deliver_batch(self, consumer: str, batch: list[AbstractIncomingMessage],
                             handler: BatchHandler) -> None:
        decoded: list[tuple[AbstractIncomingMessage, Envelope]] = []
        for message in batch:
            try:
                decoded.append((message, decode_envelope(message.body)))
            except PoisonEvent as exc:
                log_dead_letter(consumer, str(exc), message.body)
                await message.reject(requeue=False)
        if not decoded:
            return
        try:
            await handler([envelope for _, envelope in decoded])
        except asyncio.CancelledError:
            for message, _ in decoded:
                await message.nack(requeue=True)
            raise
        except Exception as exc:
            if len(decoded) > 1:
                log.info("consumer %s failed on a batch of %d (%r); handling its events one by one",
                         consumer, len(decoded), exc)
            for message, envelope in decoded:
                await self._deliver(consumer, message, lambda one: handler([one]), envelope)
        else:
            # One frame settles the batch: every earlier delivery on this channel is settled already.
            await decoded[-1][0].ack(multiple=True)

    async def _deliver(self, consumer: str, message: AbstractIncomingMessage, handler: EventHandler,
                       envelope: Envelope | None = None) -> None:
        try:
            await handler(envelope or decode_envelope(message.body))
        except PoisonEvent as exc:
            log_dead_letter(consumer, str(exc), message.body)
            await message.reject(requeue=False)
        except asyncio.CancelledError:
            await message.nack(requeue=True)
            raise
        except Exception as exc:
            attempt = _delivery_count(message) + 1
            if attempt >= self.max_deliveries:
                log_dead_letter(consumer, f"failed {attempt} times, last: {exc!r}", message.body)
                await message.reject(requeue=False)
            else:
                log.warning("consumer %s failed on delivery %d: %r", consumer, attempt, exc)
                await asyncio.sleep(self.retry_delay * attempt)
                await message.nack(requeue=True)
        else:
            await message.ack()

    async def close(self) -> None:
        for task in self._consumers:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._consumers.clear()
        if self._connection is not None:
            await self._connection.close()
            self._connection = None
            self._exchange = None

    async def is_healthy(self) -> bool:
        return self._connection is not None and not self._connection.is_closed


def _delivery_count(message: AbstractIncomingMessage) -> int:
    """How many times a quorum queue delivered this message before (0 on first delivery)."""
    raw = (message.headers or {}).get("x-delivery-count", 0)
    return raw if isinstance(raw, int) else 0
