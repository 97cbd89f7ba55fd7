"""Connect to RabbitMQ with automatic reconnection (topology is re-declared on reconnect)."""

from __future__ import annotations

import asyncio
import logging

import aio_pika
from aio_pika.abc import AbstractRobustConnection

log = logging.getLogger(__name__)


async def connect(url: str, *, attempts: int = 30, delay: float = 1.0) -> AbstractRobustConnection:
    """Connect, waiting for a broker that is still starting (compose starts services together)."""
    for attempt in range(1, attempts + 1):
        try:
            return await aio_pika.connect_robust(url)
        except (OSError, aio_pika.exceptions.AMQPConnectionError) as exc:
            if attempt == attempts:
                raise
            log.warning("RabbitMQ not reachable (%s); retry %d/%d", exc, attempt, attempts)
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")
