"""Consume updates from the shard queues: manual ack, per-chat order, no lost work.

An update is acknowledged only after the handler committed its effects. A handler failure
never kills the consumer: the message is requeued once and then dead-lettered, and malformed
input is dead-lettered straight away (retrying cannot fix it).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aio_pika.abc import AbstractIncomingMessage, AbstractQueue

from app.bot.lanes import Lanes
from app.vk.updates import MalformedUpdate, peer_id_of

log = logging.getLogger(__name__)

Handler = Callable[[Any], Awaitable[None]]


class UpdateConsumer:
    def __init__(self, queues: list[AbstractQueue], handler: Handler, lanes: Lanes) -> None:
        self._queues = queues
        self._handler = handler
        self._lanes = lanes
        self._tags: list[tuple[AbstractQueue, str]] = []

    async def start(self) -> None:
        for queue in self._queues:
            tag = await queue.consume(self._on_message, no_ack=False)
            self._tags.append((queue, tag))

    async def stop(self) -> None:
        """Stop taking deliveries, then finish (and ack) what was already delivered."""
        for queue, tag in self._tags:
            try:
                await queue.cancel(tag)
            except Exception:  # the channel may already be gone; unacked work is requeued
                log.warning("could not cancel consumer %s", tag)
        self._tags.clear()

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        # Everything before the first await runs in delivery order: keep submit() here.
        try:
            raw = json.loads(message.body)
        except ValueError:
            log.warning("dead-lettering an update that is not JSON: %r", message.body[:200])
            await message.reject(requeue=False)
            return
        self._lanes.submit(peer_id_of(raw), lambda: self._process(message, raw))

    async def _process(self, message: AbstractIncomingMessage, raw: Any) -> None:
        event_id = message.message_id
        try:
            await self._handler(raw)
        except MalformedUpdate as exc:
            log.warning("dead-lettering malformed update: %s", exc, extra={"event_id": event_id})
            await message.reject(requeue=False)
            return
        except Exception:
            if message.redelivered:
                log.exception("update failed again; dead-lettering", extra={"event_id": event_id})
                await message.reject(requeue=False)
            else:
                log.exception("update failed; requeueing once", extra={"event_id": event_id})
                await message.nack(requeue=True)
            return
        await message.ack()
