"""An in-process stand-in for the RabbitMQ topology: local play in one process, no broker.

``python -m standalone`` runs the poller and the bot in one process connected by this
module instead of RabbitMQ. It keeps the semantics the bot relies on (see
:mod:`app.broker.topology` and :class:`app.bot.consumer.UpdateConsumer`):

* **Routing and order.** The updates exchange routes by routing key (``shard.<n>``, from
  :func:`app.broker.topology.routing_key`) to one FIFO queue per shard; an unknown key is an
  error, like a mandatory publish that came back unroutable.
* **One active consumer per queue.** The first subscriber gets every delivery; later ones
  stand by and take over, in order, when it cancels (RabbitMQ's single active consumer).
* **Manual acknowledgement.** A delivered message stays unacknowledged until ``ack()``; at
  most ``prefetch`` messages per queue are out at once.
* **Redelivery.** ``nack(requeue=True)`` puts the message back at its original place in the
  queue, which is the head unless older messages were requeued too, with ``redelivered``
  set; ``reject()``/``nack(requeue=False)`` dead-letters it (the shard queues' dead-letter
  exchange). Settling a message twice raises, as aio-pika does.
* **Retry tiers.** Publishing to a retry exchange parks the message for the tier's delay and
  then re-publishes it to the updates exchange under the same routing key (RabbitMQ: TTL +
  dead-letter exchange).
* **Dead letters.** The dead-letter exchange appends to the dead-letter queue, which nobody
  consumes: :attr:`LocalBroker.dead_letters` lists it.

What it cannot keep is durability: everything lives in this process's memory. That is why
:class:`LocalPublisher` returns only once the consumer *acknowledged* every message of the
batch (so the poller saves its long-poll cursor only after the updates' effects are committed
in Postgres), and why a message parked in a retry tier or the dead-letter queue is lost when
the process stops (it had already failed; the log has the error).

The queue, exchange and message classes implement just the part of aio-pika's
``AbstractQueue``/``AbstractExchange``/``AbstractIncomingMessage`` that the consumer uses;
:attr:`LocalBroker.topology` hands them over as a :class:`~app.broker.topology.Topology`.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol, cast

from aio_pika.abc import AbstractExchange, AbstractQueue
from aio_pika.exceptions import MessageProcessError

from app.broker import topology
from app.broker.topology import DEFAULT_RETRY_DELAYS, Names, Topology

log = logging.getLogger(__name__)

Callback = Callable[["LocalMessage"], Awaitable[Any]]


class LocalBrokerClosed(ConnectionError):
    """The in-process broker was closed: nothing more is delivered or acknowledged."""


class Unroutable(LookupError):
    """No queue is bound to the routing key (a mandatory publish would come back)."""


class OutgoingMessage(Protocol):
    """What a publish needs of a message: aio_pika.Message and LocalMessage both have it."""

    @property
    def body(self) -> bytes: ...

    @property
    def message_id(self) -> str | None: ...

    @property
    def content_type(self) -> str | None: ...

    @property
    def headers(self) -> Any: ...


class LocalMessage:
    """A message in a local queue; as a delivery it quacks like aio-pika's incoming message."""

    _ids = itertools.count(1)

    def __init__(
        self,
        body: bytes,
        *,
        routing_key: str,
        message_id: str | None = None,
        content_type: str | None = None,
        headers: dict[str, Any] | None = None,
        exchange: str = "",
    ) -> None:
        self.body = body
        self.routing_key = routing_key
        self.message_id = message_id
        self.content_type = content_type
        self.headers: dict[str, Any] = dict(headers or {})
        self.exchange = exchange
        self.redelivered = False
        self.delivery_tag: int | None = None
        self.consumer_tag: str | None = None
        self.processed = False
        # Queue position: a requeued message goes back before every younger one.
        self._seq = next(self._ids)
        self._queue: LocalQueue | None = None
        # Set when a consumer settled the message (ack, or reject to the dead letters);
        # the publisher of an update waits on it.
        self.settled: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    @classmethod
    def copy_of(cls, message: OutgoingMessage, routing_key: str, exchange: str) -> LocalMessage:
        return cls(
            bytes(message.body),
            routing_key=routing_key,
            message_id=message.message_id,
            content_type=message.content_type,
            headers=dict(message.headers or {}),
            exchange=exchange,
        )

    def __repr__(self) -> str:
        return f"<LocalMessage {self.message_id!r} key={self.routing_key!r}>"

    async def ack(self, multiple: bool = False) -> None:
        self._settle()
        self._resolve()

    async def nack(self, multiple: bool = False, requeue: bool = True) -> None:
        queue = self._settle()
        if requeue:
            queue.requeue(self)
        else:
            queue.dead_letter(self)

    async def reject(self, requeue: bool = False) -> None:
        await self.nack(requeue=requeue)

    def _settle(self) -> LocalQueue:
        if self.processed or self._queue is None:
            raise MessageProcessError("Message already processed", self)
        self.processed = True
        queue, self._queue = self._queue, None
        queue.release_slot()
        return queue

    def _resolve(self) -> None:
        if not self.settled.done():
            self.settled.set_result(None)

    def _fail(self, error: BaseException) -> None:
        if not self.settled.done():
            self.settled.set_exception(error)
            self.settled.exception()  # retrieved: nobody may be waiting any more


class LocalQueue:
    """A FIFO queue with manual ack, requeue to the original place and one active consumer."""

    def __init__(self, broker: LocalBroker, name: str, prefetch: int) -> None:
        self.name = name
        self._broker = broker
        self._prefetch = prefetch
        self._ready: deque[LocalMessage] = deque()
        self._consumers: list[tuple[str, Callback]] = []  # [0] is the active one
        self._callbacks: set[asyncio.Task[Any]] = set()
        self._unacked = 0
        self._wakeup = asyncio.Event()
        self._dispatcher: asyncio.Task[None] | None = None

    def __len__(self) -> int:
        """Messages waiting for delivery (not the ones delivered and unacknowledged)."""
        return len(self._ready)

    @property
    def messages(self) -> list[LocalMessage]:
        return list(self._ready)

    @property
    def unacked(self) -> int:
        return self._unacked

    async def consume(self, callback: Callback, no_ack: bool = False, **_: Any) -> str:
        if no_ack:
            raise ValueError("local queues deliver with manual acknowledgement only")
        self._broker.check_open()
        tag = self._broker.consumer_tag()
        self._consumers.append((tag, callback))
        if self._dispatcher is None:
            self._dispatcher = asyncio.create_task(self._dispatch(), name=f"local-{self.name}")
        self._wakeup.set()
        return tag

    async def cancel(self, consumer_tag: str, **_: Any) -> None:
        """Stop deliveries to that consumer; its unacknowledged messages can still be settled."""
        self._consumers = [(tag, cb) for tag, cb in self._consumers if tag != consumer_tag]
        self._wakeup.set()

    def put(self, message: LocalMessage) -> None:
        message._queue = None
        self._ready.append(message)
        self._wakeup.set()

    def requeue(self, message: LocalMessage) -> None:
        message.redelivered = True
        message.delivery_tag = message.consumer_tag = None
        message.processed = False
        position = next(
            (i for i, waiting in enumerate(self._ready) if waiting._seq > message._seq),
            len(self._ready),
        )
        self._ready.insert(position, message)
        self._wakeup.set()

    def dead_letter(self, message: LocalMessage) -> None:
        self._broker.dead_letter_queue.put(
            LocalMessage.copy_of(
                message, message.routing_key, self._broker.names.dead_letter_exchange
            )
        )
        message._resolve()  # taken over: parked with the dead letters

    def release_slot(self) -> None:
        """A delivered message was settled: room for the next delivery."""
        self._unacked -= 1
        self._wakeup.set()

    def close(self, error: BaseException) -> None:
        if self._dispatcher is not None:
            self._dispatcher.cancel()
        for message in self._ready:
            message._fail(error)
        self._ready.clear()

    async def _dispatch(self) -> None:
        delivery_tags = itertools.count(1)
        while True:
            while not (self._consumers and self._ready and self._unacked < self._prefetch):
                self._wakeup.clear()
                await self._wakeup.wait()
            tag, callback = self._consumers[0]
            message = self._ready.popleft()
            message._queue = self
            message.delivery_tag = next(delivery_tags)
            message.consumer_tag = tag
            self._unacked += 1
            # As with aiormq: each delivery runs as its own task, started in delivery order.
            task: asyncio.Task[Any] = asyncio.ensure_future(callback(message))
            self._callbacks.add(task)
            task.add_done_callback(self._callback_done)

    def _callback_done(self, task: asyncio.Task[Any]) -> None:
        self._callbacks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # As with aio-pika: the failure is logged and the message stays unacknowledged.
            log.error("consumer failed on a delivery from %s", self.name, exc_info=task.exception())


class LocalExchange:
    """An exchange: ``route`` takes each published message (to a shard, a tier, the DLQ)."""

    def __init__(self, broker: LocalBroker, name: str, route: Callable[[LocalMessage], None]):
        self.name = name
        self._broker = broker
        self._route = route

    async def publish(
        self, message: OutgoingMessage, routing_key: str, *, mandatory: bool = True, **_: Any
    ) -> None:
        self.deliver(LocalMessage.copy_of(message, routing_key, self.name))

    def deliver(self, message: LocalMessage) -> None:
        self._broker.check_open()
        self._route(message)


class LocalBroker:
    """Shard queues, retry tiers and the dead-letter queue of one process, in memory."""

    def __init__(
        self,
        shards: int,
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
        *,
        prefetch: int = 64,
        names: Names | None = None,
    ) -> None:
        self.names = names = names or Names()
        self._closed: LocalBrokerClosed | None = None
        self._consumer_tags = itertools.count(1)
        self._parked: set[asyncio.TimerHandle] = set()
        # Messages a LocalPublisher is waiting for (failed all at once by close()).
        self.awaited: set[LocalMessage] = set()
        self.shard_queues = [
            LocalQueue(self, names.shard_queue(shard), prefetch) for shard in range(shards)
        ]
        self._by_key = {f"shard.{n}": queue for n, queue in enumerate(self.shard_queues)}
        self.dead_letter_queue = LocalQueue(self, names.dead_letter_queue, prefetch)
        self.exchange = LocalExchange(self, names.updates_exchange, self._route)
        self.dead_letter_exchange = LocalExchange(
            self, names.dead_letter_exchange, self.dead_letter_queue.put
        )
        self.retry_exchanges = [
            LocalExchange(self, names.retry_exchange(max(1, round(d * 1000))), self._parker(d))
            for d in retry_delays
        ]

    @property
    def topology(self) -> Topology:
        """The local objects as the consumer's Topology (they implement what it uses)."""
        return Topology(
            exchange=cast(AbstractExchange, self.exchange),
            shard_queues=[cast(AbstractQueue, queue) for queue in self.shard_queues],
            dead_letter_queue=cast(AbstractQueue, self.dead_letter_queue),
            dead_letter_exchange=cast(AbstractExchange, self.dead_letter_exchange),
            retry_exchanges=[cast(AbstractExchange, tier) for tier in self.retry_exchanges],
        )

    @property
    def dead_letters(self) -> list[LocalMessage]:
        return self.dead_letter_queue.messages

    @property
    def parked(self) -> int:
        """Messages waiting in a retry tier."""
        return len(self._parked)

    def publisher(self) -> LocalPublisher:
        return LocalPublisher(self)

    def consumer_tag(self) -> str:
        return f"local-ctag-{next(self._consumer_tags)}"

    def check_open(self) -> None:
        if self._closed is not None:
            raise LocalBrokerClosed(str(self._closed))

    def close(self) -> None:
        """Drop everything; publishers still waiting get :class:`LocalBrokerClosed`."""
        if self._closed is not None:
            return
        self._closed = LocalBrokerClosed("the in-process broker is closed")
        for handle in self._parked:
            handle.cancel()
        self._parked.clear()
        for queue in [*self.shard_queues, self.dead_letter_queue]:
            queue.close(self._closed)
        for message in list(self.awaited):  # delivered and unacknowledged, or still queued
            message._fail(self._closed)

    def _route(self, message: LocalMessage) -> None:
        queue = self._by_key.get(message.routing_key)
        if queue is None:
            raise Unroutable(f"no shard queue for routing key {message.routing_key!r}")
        queue.put(message)

    def _parker(self, delay: float) -> Callable[[LocalMessage], None]:
        def park(message: LocalMessage) -> None:
            def back() -> None:
                self._parked.discard(handle)
                self.exchange.deliver(message)

            handle = asyncio.get_running_loop().call_later(delay, back)
            self._parked.add(handle)

        return park


class LocalPublisher:
    """The poller's :class:`~app.broker.connection.Publisher` over the in-process queues.

    ``publish`` returns only when the consumer has **acknowledged** every message of the batch
    (acked after its transaction committed, or settled into the dead letters), not merely when
    the messages are queued. RabbitMQ keeps a confirmed message on disk, so the poller may
    save its long-poll cursor at the confirm; the in-process queue keeps nothing on disk, and
    saving the cursor past updates that are only in memory would lose them in a crash. Waiting
    for the acks means a crash at any point leaves the cursor before every update whose effects
    are not committed yet: the next start reads them again from VK, and the bot drops the ones
    it already applied by ``event_id``.

    An update that failed and waits in a retry tier counts as acknowledged (the consumer acks
    the original once the copy is parked), so one poison message does not stall the poller;
    such a copy lives only in memory.
    """

    def __init__(self, broker: LocalBroker) -> None:
        self._broker = broker

    async def publish(self, updates: Sequence[tuple[dict[str, Any], str, int]]) -> None:
        shards = len(self._broker.shard_queues)
        waiting = self._broker.awaited
        batch: list[LocalMessage] = []
        try:
            for update, event_id, peer_id in updates:
                message = LocalMessage.copy_of(
                    topology.update_message(update, event_id, peer_id),
                    topology.routing_key(peer_id, shards),
                    self._broker.exchange.name,
                )
                waiting.add(message)
                batch.append(message)
                self._broker.exchange.deliver(message)
            await asyncio.gather(*(message.settled for message in batch))
        finally:
            waiting.difference_update(batch)
            for message in batch:
                if not message.settled.done():
                    message.settled.cancel()

    async def close(self) -> None:
        """Nothing to release: the broker belongs to whoever created it."""
