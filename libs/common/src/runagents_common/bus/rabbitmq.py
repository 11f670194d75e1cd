"""The RabbitMQ bus (aio-pika): a durable topic exchange, one durable quorum queue per
consuming service, publisher confirms, manual acks, bounded redelivery, a dead-letter queue."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractQueueIterator,
    AbstractRobustConnection,
)

from runagents_common.bus.base import (
    DEFAULT_MAX_BATCH,
    BatchHandler,
    Bus,
    EventHandler,
    decode_envelope,
    describe_error,
    encode_envelope,
    handle_through_outages,
    log_dead_letter,
)
from runagents_common.events.catalog import PoisonEvent
from runagents_common.events.envelope import Envelope

log = logging.getLogger("runagents.bus")

CONNECT_TIMEOUT = 10.0
"""Seconds a consumer waits for the broker to accept its connection before trying again."""
PUBLISHER_RECONNECT_SECONDS = 1.0
"""The pause between two attempts of the publishing (robust) connection to reconnect (aio-pika's default: 5 s)."""
MAX_RECONNECT_DELAY = 5.0
"""The longest pause between two attempts of a consumer to subscribe again."""


@dataclass
class _Subscription:
    consumer: str
    patterns: Sequence[str]
    handler: EventHandler
    batch_handler: BatchHandler | None = None
    """Set for a consumer of batches (``handler`` then hands it one event at a time)."""
    prefetch: int | None = None
    task: asyncio.Task[None] | None = None
    channel: AbstractChannel | None = None
    """The channel it consumes on while subscribed."""
    subscriptions: int = 0
    """How many times it subscribed (1 + the re-subscriptions after a loss)."""

    def is_consuming(self) -> bool:
        """Subscribed on a channel that is open right now (a handler may still be running on a
        channel that closed under it: that is not consuming)."""
        return (self.task is not None and not self.task.done() and self.channel is not None
                and not self.channel.is_closed)


class RabbitMQBus(Bus):
    """Events are routed by type on ``<namespace>.events``; consumer ``x`` reads the quorum
    queue ``<namespace>.x``, whose rejected or too-often-redelivered messages go to ``<namespace>.x.dlq``."""

    def __init__(self, url: str, namespace: str = "runagents", max_deliveries: int = 5,
                 prefetch: int = 16, retry_delay: float = 0.2, reconnect_delay: float = 0.5) -> None:
        self._url = url
        self.namespace = namespace
        self.max_deliveries = max_deliveries
        self.prefetch = prefetch
        self.retry_delay = retry_delay
        self.reconnect_delay = reconnect_delay
        self._connection: AbstractRobustConnection | None = None
        self._publish_channel: AbstractChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._subscriptions: dict[str, _Subscription] = {}
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
        self._connection = await aio_pika.connect_robust(self._url, reconnect_interval=PUBLISHER_RECONNECT_SECONDS)
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
        """Declare a consumer's queue, its dead-letter queue and bindings (idempotent); the queue
        returned lives on a channel of its own, open until the bus closes."""
        if self._connection is None:
            raise RuntimeError("bus not started")
        channel = await self._connection.channel()
        self._channels.append(channel)
        return await self._declare(channel, consumer, patterns, prefetch)

    async def _declare(self, channel: AbstractChannel, consumer: str, patterns: Sequence[str],
                       prefetch: int | None = None) -> AbstractQueue:
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
        """Declare the consumer's queue now (so events published from now on reach it), then consume
        it in a task that re-subscribes whenever its connection or channel is lost."""
        await self._subscribe(_Subscription(consumer, list(patterns), handler))

    async def subscribe_batch(self, consumer: str, patterns: Sequence[str], handler: BatchHandler,
                              max_batch: int = DEFAULT_MAX_BATCH) -> None:
        """Batches of what the broker already pushed: the prefetch is ``max_batch``, so a backlog
        arrives ``max_batch`` messages at a time and is handled in one call, acknowledged at once."""

        async def one_at_a_time(envelope: Envelope) -> None:
            await handler([envelope])

        await self._subscribe(_Subscription(consumer, list(patterns), one_at_a_time, batch_handler=handler,
                                            prefetch=max_batch))

    async def _subscribe(self, subscription: _Subscription) -> None:
        consumer = subscription.consumer
        if self._connection is None:
            raise RuntimeError("bus not started")
        if consumer in self._subscriptions:
            raise ValueError(f"consumer {consumer} already subscribed")
        async with self._connection.channel() as channel:
            await self._declare(channel, consumer, subscription.patterns, subscription.prefetch)
        subscription.task = asyncio.create_task(self._consume_forever(subscription),
                                                name=f"bus-consumer-{consumer}")
        self._subscriptions[consumer] = subscription

    async def _consume_forever(self, subscription: _Subscription) -> None:
        """Consume on a connection of the consumer's own, opened again after any loss.

        Not left to aio-pika's robust channel restoring its consumers: a queue iterator ends when
        its channel closes, and an ack on a dead channel raises; here every such end is a
        re-subscription, and whether the consumer is subscribed right now is known (readiness).
        """
        delay = self.reconnect_delay
        while True:
            try:
                if await self._consume_once(subscription):
                    delay = self.reconnect_delay
                log.warning("consumer %s lost its channel; re-subscribing", subscription.consumer)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("consumer %s cannot subscribe (%s); retrying in %.1f s",
                            subscription.consumer, describe_error(exc), delay)
            finally:
                subscription.channel = None
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_RECONNECT_DELAY)

    async def _consume_once(self, subscription: _Subscription) -> bool:
        """Subscribe and deliver until the channel closes; whether the subscription was made."""
        connection = await aio_pika.connect(self._url, timeout=CONNECT_TIMEOUT)
        try:
            channel = await connection.channel()
            queue = await self._declare(channel, subscription.consumer, subscription.patterns,
                                        subscription.prefetch)
            async with queue.iterator() as messages:
                subscription.channel = channel
                subscription.subscriptions += 1
                log.info("consumer %s subscribed", subscription.consumer)
                if subscription.batch_handler is None:
                    async for message in messages:
                        await self._deliver(subscription.consumer, message, subscription.handler)
                else:
                    await self._deliver_batches(subscription.consumer, messages, subscription.batch_handler,
                                                subscription.prefetch or DEFAULT_MAX_BATCH)
            return True
        finally:
            subscription.channel = None
            with contextlib.suppress(Exception):
                await connection.close()

    async def _deliver_batches(self, consumer: str, messages: AbstractQueueIterator, handler: BatchHandler,
                               max_batch: int) -> None:
        """Hand ``handler`` what has arrived, up to ``max_batch`` at a time, until the iterator ends
        (its channel closed)."""
        waiting: asyncio.Queue[AbstractIncomingMessage | None] = asyncio.Queue()

        async def receive() -> None:
            try:
                async for message in messages:
                    waiting.put_nowait(message)
            finally:
                waiting.put_nowait(None)

        receiving = asyncio.create_task(receive())
        try:
            ended = False
            while not ended:
                first = await waiting.get()
                if first is None:
                    return
                batch = [first]
                while len(batch) < max_batch and not waiting.empty():
                    message = waiting.get_nowait()
                    if message is None:
                        ended = True
                        break
                    batch.append(message)
                try:
                    await self._deliver_batch(consumer, batch, handler)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    # Settling failed (the channel died under the batch): what was not acknowledged
                    # comes again on the next subscription, and the handler skips what it committed.
                    log.warning("consumer %s could not settle a batch of %d (%s); the broker will redeliver it",
                                consumer, len(batch), describe_error(exc))
        finally:
            receiving.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await receiving

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
                with contextlib.suppress(Exception):
                    await message.nack(requeue=True)
            raise
        except Exception as exc:
            if len(decoded) > 1:
                log.info("consumer %s failed on a batch of %d (%s); handling its events one by one",
                         consumer, len(decoded), describe_error(exc))

            async def one(envelope: Envelope) -> None:
                await handler([envelope])

            for message, envelope in decoded:
                await self._deliver(consumer, message, one, envelope)
        else:
            # One frame settles the batch: every earlier delivery on this channel is settled already.
            await decoded[-1][0].ack(multiple=True)

    async def _deliver(self, consumer: str, message: AbstractIncomingMessage, handler: EventHandler,
                       envelope: Envelope | None = None) -> None:
        """Handle one message and settle it; nothing it raises ends the consumer, but cancellation."""
        try:
            settle = await self._handle(consumer, message, handler, envelope)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await message.nack(requeue=True)
            raise
        try:
            await settle()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # The channel died under the message: the broker delivers it again on the next
            # subscription (the inbox makes that harmless); the iterator ends with the channel.
            log.warning("consumer %s could not settle event %s (%s); the broker will redeliver it",
                        consumer, message.message_id, describe_error(exc))

    async def _handle(self, consumer: str, message: AbstractIncomingMessage, handler: EventHandler,
                      envelope: Envelope | None = None) -> Callable[[], Awaitable[None]]:
        """Run the handler; the settlement its outcome asks for."""
        try:
            await handle_through_outages(consumer, handler, envelope or decode_envelope(message.body),
                                         self.retry_delay)
        except PoisonEvent as exc:
            log_dead_letter(consumer, str(exc), message.body)
            return lambda: message.reject(requeue=False)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            attempt = _delivery_count(message) + 1
            if attempt >= self.max_deliveries:
                log_dead_letter(consumer, f"failed {attempt} times, last: {describe_error(exc)}", message.body)
                return lambda: message.reject(requeue=False)
            log.warning("consumer %s failed on delivery %d: %s", consumer, attempt, describe_error(exc))
            await asyncio.sleep(self.retry_delay * attempt)
            return lambda: message.nack(requeue=True)
        return message.ack

    async def close(self) -> None:
        for subscription in self._subscriptions.values():
            if subscription.task is not None:
                subscription.task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await subscription.task
        self._subscriptions.clear()
        if self._connection is not None:
            await self._connection.close()
            self._connection = None
            self._exchange = None

    async def is_healthy(self) -> bool:
        """Whether the broker connection is up right now (the robust connection clears ``connected``
        when it loses the broker and sets it again once it reconnected, a little before it reopened
        the publishing channel)."""
        connection, channel = self._connection, self._publish_channel
        return (connection is not None and not connection.is_closed and connection.connected.is_set()
                and channel is not None and not channel.is_closed)

    def consumers_ready(self) -> dict[str, bool]:
        return {name: s.is_consuming() for name, s in self._subscriptions.items()}


def _delivery_count(message: AbstractIncomingMessage) -> int:
    """How many times a quorum queue delivered this message before (0 on first delivery)."""
    raw = (message.headers or {}).get("x-delivery-count", 0)
    return raw if isinstance(raw, int) else 0
