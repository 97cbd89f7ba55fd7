"""Broker connections that the services themselves re-open after a failure.

aio-pika's robust connection restores channels from weak references, which proved brittle
across a RabbitMQ restart (channels stayed closed). The services instead own the cycle:
connect, declare the topology, work until the connection is lost, then do it all again with
backoff. Re-declaring is idempotent, so a restarted broker gets its topology back too.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any, Protocol

import aio_pika
from aio_pika.abc import AbstractConnection, AbstractExchange

from app.broker import topology
from app.broker.topology import Names, Topology

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 10.0


async def open_topology(
    url: str,
    shards: int,
    names: Names,
    retry_delays: tuple[float, ...] = topology.DEFAULT_RETRY_DELAYS,
    *,
    prefetch: int | None = None,
) -> tuple[AbstractConnection, Topology, asyncio.Event]:
    """Connect, open a confirming channel and declare everything.

    Returns the connection, the declared topology and an event set when the connection is
    lost, so the caller can wind down and start over.
    """
    connection = await aio_pika.connect(url, timeout=CONNECT_TIMEOUT)
    lost = asyncio.Event()
    connection.close_callbacks.add(lambda *_: lost.set())
    try:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        channel.close_callbacks.add(lambda *_: lost.set())
        if prefetch is not None:
            await channel.set_qos(prefetch_count=prefetch)
        declared = await topology.declare(channel, shards, names, retry_delays)
    except BaseException:
        await connection.close()
        raise
    return connection, declared, lost


class Publisher(Protocol):
    """Where the poller hands updates: RabbitMQ here, an in-process queue in local play."""

    async def publish(self, updates: Sequence[tuple[dict[str, Any], str, int]]) -> None:
        """Return only once every update is safely taken over (confirmed)."""

    async def close(self) -> None: ...


class UpdatePublisher:
    """Publishes updates to their shard with publisher confirms; reconnects on next use.

    ``publish`` returns only when the broker confirmed every message (persistent, mandatory:
    an unroutable message is an error, not a silent drop). After any failure the connection
    is dropped and the next call opens a new one, so the caller just retries.
    """

    def __init__(
        self,
        url: str,
        shards: int,
        names: Names,
        retry_delays: tuple[float, ...] = topology.DEFAULT_RETRY_DELAYS,
    ) -> None:
        self._url = url
        self._shards = shards
        self._names = names
        self._retry_delays = retry_delays
        self._connection: AbstractConnection | None = None
        self._exchange: AbstractExchange | None = None

    async def _ready(self) -> AbstractExchange:
        if self._exchange is None or self._connection is None or self._connection.is_closed:
            await self.close()
            connection, declared, _ = await open_topology(
                self._url, self._shards, self._names, self._retry_delays
            )
            self._connection, self._exchange = connection, declared.exchange
        return self._exchange

    async def publish(self, updates: Sequence[tuple[dict[str, Any], str, int]]) -> None:
        """Publish ``(update, event_id, peer_id)`` triples; raises if any was not confirmed."""
        exchange = await self._ready()
        try:
            await asyncio.gather(
                *(
                    exchange.publish(
                        topology.update_message(update, event_id, peer_id),
                        routing_key=topology.routing_key(peer_id, self._shards),
                        mandatory=True,
                    )
                    for update, event_id, peer_id in updates
                )
            )
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        connection, self._connection, self._exchange = self._connection, None, None
        if connection is not None and not connection.is_closed:
            try:
                await connection.close()
            except Exception:
                log.debug("closing a broken broker connection failed", exc_info=True)
