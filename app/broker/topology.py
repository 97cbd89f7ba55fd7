"""The whole RabbitMQ topology of Znatoki, declared in one place.

::

    poller ──publish(routing_key="shard.<peer_id % N>")──▶ exchange "<p>.updates" (direct)
                                                             │
                 ┌───────────────────────────────────────────┼──────────────┐
                 ▼                                           ▼              ▼
     queue "<p>.updates.0"  …  "<p>.updates.<N-1>"   (durable, single active consumer)
                 │ handler failed: attempt n        ▲ after the tier's delay (TTL), back to
                 ▼                                   │ the updates exchange, same shard key
     exchange/queue "<p>.retry.<delay>ms" (fanout, x-message-ttl) ─┘
                 │ malformed, or failed on every retry tier
                 ▼
     exchange "<p>.dlx" (fanout) ──▶ queue "<p>.dead"          (<p> = AMQP_PREFIX, "znatoki")

All updates of one chat land in one shard queue, and each shard queue has a single active
consumer, so a chat's updates are applied in arrival order even with several bot processes;
when a consumer dies RabbitMQ hands its shards to a live one.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractQueue,
    DeliveryMode,
)


@dataclass(frozen=True)
class Names:
    """Every exchange and queue name, under one prefix (``AMQP_PREFIX``).

    The prefix lets several installations (or test runs) share one broker without touching
    each other's queues.
    """

    prefix: str = "znatoki"

    @property
    def updates_exchange(self) -> str:
        return f"{self.prefix}.updates"

    @property
    def dead_letter_exchange(self) -> str:
        return f"{self.prefix}.dlx"

    @property
    def dead_letter_queue(self) -> str:
        return f"{self.prefix}.dead"

    def shard_queue(self, shard: int) -> str:
        return f"{self.prefix}.updates.{shard}"

    def retry_exchange(self, delay_ms: int) -> str:
        return f"{self.prefix}.retry.{delay_ms}ms"

    def retry_queue(self, delay_ms: int) -> str:
        return f"{self.prefix}.retry.{delay_ms}ms"


def shard_of(peer_id: int, shards: int) -> int:
    return abs(peer_id) % shards


def routing_key(peer_id: int, shards: int) -> str:
    return f"shard.{shard_of(peer_id, shards)}"


@dataclass(frozen=True)
class Topology:
    exchange: AbstractExchange
    shard_queues: list[AbstractQueue]
    dead_letter_queue: AbstractQueue
    dead_letter_exchange: AbstractExchange
    # Retry tiers in delay order: publishing to one parks the message for its delay, after
    # which RabbitMQ dead-letters it back to the updates exchange under its shard key.
    retry_exchanges: list[AbstractExchange]


DEFAULT_RETRY_DELAYS = (1.0, 5.0, 30.0, 120.0, 600.0)


async def declare(
    channel: AbstractChannel,
    shards: int,
    names: Names = Names(),
    retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS,
) -> Topology:
    """Idempotently declare exchanges, shard queues, retry tiers and the dead-letter queue."""
    dlx = await channel.declare_exchange(
        names.dead_letter_exchange, aio_pika.ExchangeType.FANOUT, durable=True
    )
    dead = await channel.declare_queue(names.dead_letter_queue, durable=True)
    await dead.bind(dlx)
    exchange = await channel.declare_exchange(
        names.updates_exchange, aio_pika.ExchangeType.DIRECT, durable=True
    )
    queues = []
    for shard in range(shards):
        queue = await channel.declare_queue(
            names.shard_queue(shard),
            durable=True,
            arguments={
                "x-single-active-consumer": True,
                "x-dead-letter-exchange": names.dead_letter_exchange,
            },
        )
        await queue.bind(exchange, routing_key=f"shard.{shard}")
        queues.append(queue)
    retries = []
    for delay in retry_delays:
        delay_ms = max(1, round(delay * 1000))
        retry = await channel.declare_exchange(
            names.retry_exchange(delay_ms), aio_pika.ExchangeType.FANOUT, durable=True
        )
        parked = await channel.declare_queue(
            names.retry_queue(delay_ms),
            durable=True,
            arguments={
                "x-message-ttl": delay_ms,
                "x-dead-letter-exchange": names.updates_exchange,
            },
        )
        await parked.bind(retry)
        retries.append(retry)
    return Topology(
        exchange=exchange,
        shard_queues=queues,
        dead_letter_queue=dead,
        dead_letter_exchange=dlx,
        retry_exchanges=retries,
    )


# The message headers, one place for all: the poller's, and those the bot's consumer adds when
# it re-publishes an update to a retry tier or parks it in the dead-letter queue.
PUBLISHED_AT_HEADER = "x-znatoki-published-at"  # integer milliseconds since the epoch
ATTEMPT_HEADER = "x-znatoki-attempt"  # failed attempts so far
ERROR_HEADER = "x-znatoki-error"  # the last failure, as text
ROUTING_KEY_HEADER = "x-znatoki-routing-key"  # the shard key, for a replay from the DLQ
FAILED_AT_HEADER = "x-znatoki-failed-at"  # ISO time it was parked


def update_message(update: dict[str, Any], event_id: str, peer_id: int) -> aio_pika.Message:
    """A VK update as a persistent message; message_id carries the de-duplication key."""
    return aio_pika.Message(
        body=json.dumps(update, ensure_ascii=False, separators=(",", ":")).encode(),
        content_type="application/json",
        delivery_mode=DeliveryMode.PERSISTENT,
        message_id=event_id,
        # When it was published, so the bot can measure how long it waited in the queue.
        # Milliseconds as an integer: AMQP float headers are 32-bit, useless for a timestamp.
        headers={"peer_id": peer_id, PUBLISHED_AT_HEADER: int(time.time() * 1000)},
    )
