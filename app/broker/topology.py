"""The whole RabbitMQ topology of Znatoki, declared in one place.

::

    poller ──publish(routing_key="shard.<peer_id % N>")──▶ exchange "<p>.updates" (direct)
                                                             │
                 ┌───────────────────────────────────────────┼──────────────┐
                 ▼                                           ▼              ▼
     queue "<p>.updates.0"  …  "<p>.updates.<N-1>"   (durable, single active consumer)
                 │ rejected / failed too often
                 ▼
     exchange "<p>.dlx" (fanout) ──▶ queue "<p>.dead"          (<p> = AMQP_PREFIX, "znatoki")

All updates of one chat land in one shard queue, and each shard queue has a single active
consumer, so a chat's updates are applied in arrival order even with several bot processes;
when a consumer dies RabbitMQ hands its shards to a live one.
"""

from __future__ import annotations

import json
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


def shard_of(peer_id: int, shards: int) -> int:
    return abs(peer_id) % shards


def routing_key(peer_id: int, shards: int) -> str:
    return f"shard.{shard_of(peer_id, shards)}"


@dataclass(frozen=True)
class Topology:
    exchange: AbstractExchange
    shard_queues: list[AbstractQueue]
    dead_letter_queue: AbstractQueue


async def declare(channel: AbstractChannel, shards: int, names: Names = Names()) -> Topology:
    """Idempotently declare exchanges, shard queues and the dead-letter queue."""
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
    return Topology(exchange=exchange, shard_queues=queues, dead_letter_queue=dead)


def update_message(update: dict[str, Any], event_id: str, peer_id: int) -> aio_pika.Message:
    """A VK update as a persistent message; message_id carries the de-duplication key."""
    return aio_pika.Message(
        body=json.dumps(update, ensure_ascii=False, separators=(",", ":")).encode(),
        content_type="application/json",
        delivery_mode=DeliveryMode.PERSISTENT,
        message_id=event_id,
        headers={"peer_id": peer_id},
    )
