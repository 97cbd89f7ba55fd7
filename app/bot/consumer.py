"""Consume updates from the shard queues: manual ack, per-chat order, no lost work.

An update is acknowledged only after its effects are committed. Updates are handed, in
delivery order, to ``submit`` (the bot's :class:`~app.bot.batcher.Batcher`, which keeps each
chat's order and applies updates of many chats in one transaction). A failure never kills the
consumer, and never blocks the chat's later updates for long:

* malformed input goes straight to the dead-letter queue (retrying cannot fix it);
* a failing update (a bug, a poison message) is re-published to the next retry tier (a
  delay queue that hands it back to its shard later) and, after the last tier, parked in the
  dead-letter queue with the error;
* an outage (Postgres down) is not the message's fault: the batcher waits and tries the same
  updates again, so nothing burns its retries and the chat's order holds while it restarts;
  only a stopping bot hands such an update back to RabbitMQ (requeue).
Every re-publish is confirmed by the broker before the original is acknowledged.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import aio_pika
from aio_pika.abc import AbstractIncomingMessage, AbstractQueue

from app import metrics
from app.broker.errors import is_outage
from app.broker.topology import (
    ATTEMPT_HEADER,
    ERROR_HEADER,
    FAILED_AT_HEADER,
    PUBLISHED_AT_HEADER,
    ROUTING_KEY_HEADER,
    Topology,
)
from app.internal_updates import Incoming, parse_incoming
from app.vk.updates import MalformedUpdate

log = logging.getLogger(__name__)

# Hand an update to the bot in delivery order (synchronously); the future resolves once its
# effects are committed, or fails with the reason.
Submit = Callable[[Incoming], Awaitable[object]]


def attempt_of(message: AbstractIncomingMessage) -> int:
    value = (message.headers or {}).get(ATTEMPT_HEADER, 0)
    return value if isinstance(value, int) else 0


class UpdateConsumer:
    def __init__(self, topology: Topology, submit: Submit) -> None:
        self._topology = topology
        self._submit = submit
        self._tags: list[tuple[AbstractQueue, str]] = []
        self._stopping = False
        self.dead_lettered = 0
        self.retried = 0

    async def start(self, queues: list[AbstractQueue]) -> None:
        for queue in queues:
            tag = await queue.consume(self._on_message, no_ack=False)
            self._tags.append((queue, tag))

    async def stop(self) -> None:
        """Stop taking deliveries; what was delivered is finished by the lanes (and acked)."""
        self._stopping = True
        for queue, tag in self._tags:
            try:
                await queue.cancel(tag)
            except Exception:  # the channel may already be gone; unacked work is requeued
                log.warning("could not cancel consumer %s", tag)
        self._tags.clear()

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        # Everything before the first await runs in delivery order: keep submit() here.
        extra = {"event_id": message.message_id}
        try:
            update = parse_incoming(json.loads(message.body))
        except ValueError as exc:  # not JSON, or MalformedUpdate
            reason = f"malformed: {exc}" if isinstance(exc, MalformedUpdate) else "body is not JSON"
            log.warning("malformed update: %s", reason, extra=extra)
            metrics.UPDATES.labels("unknown", "malformed").inc()
            await self._dead_letter(message, reason)
            return
        applied = self._submit(update)
        published = (message.headers or {}).get(PUBLISHED_AT_HEADER)
        if isinstance(published, int) and not message.redelivered:
            metrics.QUEUE_LAG.observe(max(0.0, time.time() - published / 1000))
        try:
            await applied
        except MalformedUpdate as exc:  # found out only by the bot: retrying cannot fix it
            metrics.UPDATES.labels("unknown", "malformed").inc()
            await self._dead_letter(message, f"malformed: {exc}")
            return
        except Exception as exc:
            metrics.UPDATES.labels("unknown", "failed").inc()
            if is_outage(exc):  # only while stopping: another consumer, or the next start
                await message.nack(requeue=True)
            else:
                await self._retry_later(message, exc)
            return
        await message.ack()

    async def _retry_later(self, message: AbstractIncomingMessage, exc: Exception) -> None:
        attempt = attempt_of(message) + 1
        tiers = self._topology.retry_exchanges
        extra = {"event_id": message.message_id}
        if attempt > len(tiers):
            log.exception("update failed %d times; dead-lettering", attempt, extra=extra)
            await self._dead_letter(message, f"{type(exc).__name__}: {exc}", attempt)
            return
        log.warning(
            "update failed (%s: %s); retry %d/%d later",
            type(exc).__name__,
            exc,
            attempt,
            len(tiers),
            extra=extra,
        )
        copy = _copy(message, {ATTEMPT_HEADER: attempt, ERROR_HEADER: str(exc)[:1000]})
        await tiers[attempt - 1].publish(copy, routing_key=message.routing_key or "")
        self.retried += 1
        metrics.RETRIED.inc()
        await message.ack()

    async def _dead_letter(
        self, message: AbstractIncomingMessage, error: str, attempts: int | None = None
    ) -> None:
        headers: dict[str, Any] = {
            ERROR_HEADER: error[:1000],
            ROUTING_KEY_HEADER: message.routing_key or "",
            FAILED_AT_HEADER: datetime.now(UTC).isoformat(),
            ATTEMPT_HEADER: attempts if attempts is not None else attempt_of(message),
        }
        await self._topology.dead_letter_exchange.publish(
            _copy(message, headers), routing_key=message.routing_key or ""
        )
        self.dead_lettered += 1
        metrics.DEAD_LETTERS.inc()
        await message.ack()


def _copy(message: AbstractIncomingMessage, headers: dict[str, Any]) -> aio_pika.Message:
    return aio_pika.Message(
        body=message.body,
        content_type=message.content_type,
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        message_id=message.message_id,
        headers={**(message.headers or {}), **headers},
    )
