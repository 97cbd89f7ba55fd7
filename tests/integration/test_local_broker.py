"""The in-process broker of `python -m standalone`, with the real UpdateConsumer.

No Postgres or RabbitMQ: the consumer feeds the real Batcher, whose batch function is a fake
that records what it applied (all of a batch or, like a rolled-back transaction, nothing) and
fails on chosen updates. Every wait is on an event or a future, never on a guessed time.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import pytest

from app.bot import batcher as batcher_module
from app.bot.batcher import Batcher
from app.bot.consumer import UpdateConsumer
from app.broker import topology
from app.broker.local import (
    LocalBroker,
    LocalBrokerClosed,
    LocalMessage,
    LocalPublisher,
    Unroutable,
)
from app.broker.topology import ATTEMPT_HEADER, ERROR_HEADER, ROUTING_KEY_HEADER
from app.internal_updates import Incoming
from app.retry import RetryPolicy
from app.vk.updates import MessageNew

SHARDS = 4


def update(peer_id: int, n: int, text: str = "") -> tuple[dict[str, Any], str, int]:
    event_id = f"e-{peer_id}-{n}"
    body = {
        "type": "message_new",
        "event_id": event_id,
        "object": {"message": {"peer_id": peer_id, "from_id": 1, "text": f"{n}:{text}"}},
    }
    return body, event_id, peer_id


def peer_and_n(update: Incoming) -> tuple[int, int]:
    assert isinstance(update, MessageNew)
    return update.peer_id, int(update.text.split(":", 1)[0])


class FakeApply:
    """A batch function: records applied updates, all of a batch or (rolled back) none.

    ``fail`` decides per (update, attempt) what to raise, if anything.
    """

    def __init__(self) -> None:
        self.applied: list[tuple[int, int]] = []
        self.calls: defaultdict[str, int] = defaultdict(int)
        self.fail: Callable[[Incoming, int], BaseException | None] = lambda update, attempt: None
        self.before: Callable[[Incoming], Awaitable[None]] | None = None
        self._seen = asyncio.Condition()

    async def __call__(self, updates: Sequence[Incoming]) -> list[str]:
        applied: list[tuple[int, int]] = []
        for update in updates:
            self.calls[update.event_id] += 1
            if self.before is not None:
                await self.before(update)
            error = self.fail(update, self.calls[update.event_id])
            async with self._seen:
                self._seen.notify_all()
            if error is not None:
                raise error
            applied.append(peer_and_n(update))
        self.applied.extend(applied)
        return ["applied"] * len(updates)

    async def wait_calls(self, event_id: str, count: int) -> None:
        async with self._seen:
            await self._seen.wait_for(lambda: self.calls[event_id] >= count)


class Stack:
    def __init__(self, broker: LocalBroker, handler: FakeApply, max_batch: int) -> None:
        self.broker = broker
        self.handler = handler
        self.batcher: Batcher[Incoming, str] = Batcher(handler, max_batch=max_batch)
        self.consumer = UpdateConsumer(
            broker.topology, lambda update: self.batcher.submit(update.peer_id, update)
        )
        self.publisher = LocalPublisher(broker)

    async def start(self) -> None:
        await self.consumer.start(self.broker.topology.shard_queues)


@pytest.fixture
async def make_stack() -> AsyncIterator[Callable[..., Stack]]:
    stacks: list[Stack] = []

    def make(
        retry_delays: tuple[float, ...] = (0.001, 0.002), prefetch: int = 64, max_batch: int = 100
    ) -> Stack:
        broker = LocalBroker(SHARDS, retry_delays, prefetch=prefetch)
        stack = Stack(broker, FakeApply(), max_batch)
        stacks.append(stack)
        return stack

    yield make
    for stack in stacks:
        await stack.consumer.stop()
        await stack.batcher.join()
        stack.broker.close()


async def dead_letters(broker: LocalBroker, count: int) -> list[LocalMessage]:
    """Consume ``count`` messages from the dead-letter queue (as an operator's tool would)."""
    got: asyncio.Queue[LocalMessage] = asyncio.Queue()

    async def take(message: LocalMessage) -> None:
        await message.ack()
        got.put_nowait(message)

    tag = await broker.dead_letter_queue.consume(take)
    try:
        return [await got.get() for _ in range(count)]
    finally:
        await broker.dead_letter_queue.cancel(tag)


async def test_publish_is_routed_by_shard_key_and_returns_after_the_ack(
    make_stack: Callable[..., Stack],
) -> None:
    stack = make_stack()
    entered, release = asyncio.Event(), asyncio.Event()

    async def hold(update: Incoming) -> None:
        entered.set()
        await release.wait()

    stack.handler.before = hold
    await stack.start()
    publish = asyncio.create_task(stack.publisher.publish([update(7, 1)]))
    await entered.wait()
    # The handler has the update but has not returned, so nothing is acknowledged yet.
    queue = stack.broker.shard_queues[topology.shard_of(7, SHARDS)]
    assert queue.unacked == 1
    assert not publish.done()

    release.set()
    await publish
    assert stack.handler.applied == [(7, 1)]
    assert queue.unacked == 0
    assert len(queue) == 0
    assert stack.broker.dead_letters == []


async def test_local_message_looks_like_an_aio_pika_delivery(
    make_stack: Callable[..., Stack],
) -> None:
    stack = make_stack()
    delivered: asyncio.Future[LocalMessage] = asyncio.get_running_loop().create_future()

    async def take(message: LocalMessage) -> None:
        delivered.set_result(message)

    queue = stack.broker.shard_queues[topology.shard_of(5, SHARDS)]
    await queue.consume(take, no_ack=False)
    publish = asyncio.create_task(stack.publisher.publish([update(5, 1, "привет")]))
    message = await delivered
    raw, event_id, peer_id = update(5, 1, "привет")
    assert json.loads(message.body) == raw
    assert message.message_id == event_id
    assert message.headers["peer_id"] == peer_id
    assert message.routing_key == topology.routing_key(5, SHARDS)
    assert message.content_type == "application/json"
    assert message.redelivered is False
    await message.ack()
    await publish
    with pytest.raises(Exception, match="already processed"):
        await message.ack()


async def test_nack_requeue_redelivers_at_the_head(make_stack: Callable[..., Stack]) -> None:
    stack = make_stack(prefetch=1)
    queue = stack.broker.shard_queues[0]
    deliveries: asyncio.Queue[LocalMessage] = asyncio.Queue()

    async def take(message: LocalMessage) -> None:
        deliveries.put_nowait(message)

    await queue.consume(take)
    publish = asyncio.create_task(stack.publisher.publish([update(4, n) for n in (1, 2, 3)]))
    first = await deliveries.get()
    assert (first.message_id, first.redelivered) == ("e-4-1", False)
    assert len(queue) == 2  # prefetch 1: the others wait behind it
    await first.nack(requeue=True)

    again = await deliveries.get()
    assert again is first
    assert (again.message_id, again.redelivered) == ("e-4-1", True)
    await again.ack()
    for expected in ("e-4-2", "e-4-3"):
        message = await deliveries.get()
        assert (message.message_id, message.redelivered) == (expected, False)
        await message.ack()
    await publish


async def test_requeue_keeps_the_original_order_of_several_messages(
    make_stack: Callable[..., Stack],
) -> None:
    stack = make_stack(prefetch=3)
    queue = stack.broker.shard_queues[0]
    deliveries: asyncio.Queue[LocalMessage] = asyncio.Queue()

    async def take(message: LocalMessage) -> None:
        deliveries.put_nowait(message)

    await queue.consume(take)
    publish = asyncio.create_task(stack.publisher.publish([update(4, n) for n in range(1, 6)]))
    out = [await deliveries.get() for _ in range(3)]
    assert len(queue) == 2
    for message in reversed(out):  # requeued newest first: each still goes to its place
        await message.nack(requeue=True)
    order = []
    for _ in range(5):
        message = await deliveries.get()
        order.append((message.message_id, message.redelivered))
        await message.ack()
    assert order == [
        ("e-4-1", True),
        ("e-4-2", True),
        ("e-4-3", True),
        ("e-4-4", False),
        ("e-4-5", False),
    ]
    await publish


async def test_handler_outage_is_retried_in_place_keeping_the_chats_order(
    make_stack: Callable[..., Stack], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Postgres away: the batcher waits (no backoff here) and tries the same update again,
    # while the chat's later updates, already delivered, wait behind it.
    monkeypatch.setattr(batcher_module, "OUTAGE_BACKOFF", RetryPolicy(attempts=0, base_delay=0))
    stack = make_stack(prefetch=16)
    redelivered: list[bool] = []

    def fail(update: Incoming, attempt: int) -> BaseException | None:
        if update.event_id == "e-4-1" and attempt == 1:
            return ConnectionRefusedError("postgres is restarting")
        return None

    stack.handler.fail = fail
    original = stack.consumer._on_message

    async def spy(message: Any) -> None:
        redelivered.append(message.redelivered)
        await original(message)

    monkeypatch.setattr(stack.consumer, "_on_message", spy)
    await stack.start()
    await stack.publisher.publish([update(4, n) for n in (1, 2, 3)])
    assert stack.handler.calls["e-4-1"] == 2
    assert stack.handler.applied == [(4, 1), (4, 2), (4, 3)]
    assert redelivered == [False, False, False]  # nothing went back to the queue
    assert stack.consumer.retried == 0
    assert stack.broker.dead_letters == []


async def test_per_chat_order_across_many_messages_and_shards(
    make_stack: Callable[..., Stack],
) -> None:
    stack = make_stack(prefetch=16)
    rng = random.Random(42)

    async def jitter(update: Incoming) -> None:
        for _ in range(rng.randrange(4)):  # give other lanes a turn: varied interleaving
            await asyncio.sleep(0)  # one loop step; nothing waits for time

    stack.handler.before = jitter
    await stack.start()
    peers = [2_000_000_000 + n for n in range(1, 25)]
    sent: dict[int, int] = defaultdict(int)
    for _ in range(10):  # batches, as the poller publishes them
        batch = []
        for _ in range(60):
            peer = rng.choice(peers)
            sent[peer] += 1
            batch.append(update(peer, sent[peer]))
        await stack.publisher.publish(batch)

    per_peer: dict[int, list[int]] = defaultdict(list)
    for peer, n in stack.handler.applied:
        per_peer[peer].append(n)
    assert len(stack.handler.applied) == 600  # every update once: publish waited for each ack
    for peer, count in sent.items():
        assert per_peer[peer] == list(range(1, count + 1)), peer
    assert all(q.unacked == 0 and len(q) == 0 for q in stack.broker.shard_queues)


async def test_failures_go_through_the_retry_tiers_then_to_the_dead_letters(
    make_stack: Callable[..., Stack],
) -> None:
    # One update per batch: each delivery is one attempt, as the headers count them. (With
    # batching a failed batch is retried item by item first; test_batcher covers that.)
    stack = make_stack(retry_delays=(0.001, 0.002), max_batch=1)
    attempts: defaultdict[str, list[int]] = defaultdict(list)

    def fail(update: Incoming, attempt: int) -> BaseException | None:
        attempts[update.event_id].append(attempt)
        if update.event_id == "e-9-1":  # a poison update: fails every time
            return RuntimeError("bug in a handler")
        if update.event_id == "e-9-2" and attempt == 1:  # fails once, then works
            return RuntimeError("flaky")
        return None

    stack.handler.fail = fail
    await stack.start()
    # The publisher does not wait for the retries: the originals are acked once parked.
    await stack.publisher.publish([update(9, 1), update(9, 2), update(9, 3)])
    assert stack.handler.applied == [(9, 3)]

    await stack.handler.wait_calls("e-9-2", 2)
    [dead] = await dead_letters(stack.broker, 1)
    await stack.batcher.join()
    assert attempts["e-9-1"] == [1, 2, 3]  # the first try and both tiers
    assert sorted(stack.handler.applied) == [(9, 2), (9, 3)]
    assert dead.message_id == "e-9-1"
    assert dead.headers[ATTEMPT_HEADER] == 3
    assert dead.headers[ERROR_HEADER] == "RuntimeError: bug in a handler"
    assert dead.headers[ROUTING_KEY_HEADER] == topology.routing_key(9, SHARDS)
    assert json.loads(dead.body) == update(9, 1)[0]
    assert (stack.consumer.retried, stack.consumer.dead_lettered) == (3, 1)
    assert stack.broker.parked == 0


async def test_malformed_updates_are_dead_lettered_at_once(
    make_stack: Callable[..., Stack],
) -> None:
    stack = make_stack()
    await stack.start()
    malformed = update(3, 1)
    del malformed[0]["object"]["message"]  # message_new without its message
    await stack.publisher.publish([malformed, update(3, 2)])
    # A body that is not JSON at all, published straight to the exchange.
    bad = topology.update_message({}, "not-json", 3)
    bad.body = b"\xff not json"
    await stack.broker.exchange.publish(bad, routing_key=topology.routing_key(3, SHARDS))
    dead = await dead_letters(stack.broker, 2)
    assert sorted(m.message_id or "" for m in dead) == ["e-3-1", "not-json"]
    assert stack.handler.calls["e-3-1"] == 0  # never reached the bot
    assert stack.handler.applied == [(3, 2)]


async def test_reject_dead_letters_and_settles_the_publish(
    make_stack: Callable[..., Stack],
) -> None:
    stack = make_stack()

    async def refuse(message: LocalMessage) -> None:
        await message.reject(requeue=False)

    await stack.broker.shard_queues[topology.shard_of(6, SHARDS)].consume(refuse)
    await stack.publisher.publish([update(6, 1)])
    assert [m.message_id for m in stack.broker.dead_letters] == ["e-6-1"]


async def test_one_active_consumer_per_queue_and_take_over_on_cancel(
    make_stack: Callable[..., Stack],
) -> None:
    stack = make_stack()
    queue = stack.broker.shard_queues[1]
    got: dict[str, asyncio.Queue[LocalMessage]] = {"a": asyncio.Queue(), "b": asyncio.Queue()}

    def taker(name: str) -> Callable[[LocalMessage], Awaitable[None]]:
        async def take(message: LocalMessage) -> None:
            got[name].put_nowait(message)
            await message.ack()

        return take

    first = await queue.consume(taker("a"))
    await queue.consume(taker("b"))  # stands by
    await stack.publisher.publish([update(1, 1), update(1, 2)])
    assert [(await got["a"].get()).message_id for _ in range(2)] == ["e-1-1", "e-1-2"]
    assert got["b"].empty()

    await queue.cancel(first)
    await stack.publisher.publish([update(1, 3)])
    assert (await got["b"].get()).message_id == "e-1-3"
    assert got["a"].empty()


async def test_unroutable_and_closed(make_stack: Callable[..., Stack]) -> None:
    stack = make_stack()
    with pytest.raises(Unroutable):
        await stack.broker.exchange.publish(
            topology.update_message({}, "x", 1), routing_key="shard.99"
        )
    # The broker is closed under a delivery: the publish waiting for its ack fails.
    delivered: list[LocalMessage] = []

    async def close_broker(message: LocalMessage) -> None:
        delivered.append(message)
        stack.broker.close()

    await stack.broker.shard_queues[1].consume(close_broker)
    with pytest.raises(LocalBrokerClosed):
        await stack.publisher.publish([update(1, 1)])
    assert [m.message_id for m in delivered] == ["e-1-1"]
    with pytest.raises(LocalBrokerClosed):
        await stack.publisher.publish([update(1, 2)])
