"""Reach a chat's game the way a chat member does: through the chat's shard queue.

The admin API never touches a game's state itself. To stop a game, or to have an appeal it
decided applied, it publishes a synthetic update into the same exchange, routing key and shard
queue as the chat's VK updates, so the bot applies it in the chat's order, under the chat's row
lock, exactly once (the bot de-duplicates by ``event_id``), and the messages go out through
the outbox like any other game message.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from app.broker import topology
from app.broker.connection import UpdatePublisher
from app.internal_updates import admin_stop, appeal_decided
from app.settings import Settings

log = logging.getLogger(__name__)

PUBLISH_TIMEOUT = 10.0  # connecting (when needed) and the broker's confirm


class BrokerNotConfigured(Exception):
    """AMQP_URL is not set, so the admin API cannot reach the bot."""


class BrokerUnavailable(Exception):
    """RabbitMQ did not accept (confirm) the message."""


def stop_update(*, peer_id: int, game_id: int, admin_id: int, group_id: int) -> dict[str, Any]:
    """The admin's stop as the bot reads it (``app/internal_updates.py``)."""
    return admin_stop(peer_id=peer_id, game_id=game_id, admin_id=admin_id, group_id=group_id)


class ChatPublisher:
    """Publishes admin stops and decided appeals through the shared reconnecting publisher, on
    first use.

    The rest of the API works without a broker; a failed publish drops the connection, so the
    next stop reconnects instead of reusing a dead channel.
    """

    def __init__(self, settings: Settings) -> None:
        self._group_id = settings.vk_group_id or 0
        self._publisher = (
            UpdatePublisher(
                settings.amqp_url,
                settings.update_shards,
                topology.Names(settings.amqp_prefix),
                settings.retry_delays,
            )
            if settings.amqp_url
            else None
        )

    @property
    def configured(self) -> bool:
        return self._publisher is not None

    async def publish_stop(self, *, peer_id: int, game_id: int, admin_id: int) -> str:
        """Publish and wait for the broker's confirm; returns the update's event_id."""
        update = stop_update(
            peer_id=peer_id, game_id=game_id, admin_id=admin_id, group_id=self._group_id
        )
        return await self._publish(update, peer_id)

    async def publish_appeal_decided(self, *, peer_id: int, appeal_id: int) -> str:
        """Hand a decided appeal to the bot (which re-applies it from its own sweep if this
        is lost)."""
        update = appeal_decided(peer_id=peer_id, appeal_id=appeal_id, group_id=self._group_id)
        return await self._publish(update, peer_id)

    async def _publish(self, update: dict[str, Any], peer_id: int) -> str:
        if self._publisher is None:
            raise BrokerNotConfigured
        try:
            await asyncio.wait_for(
                self._publisher.publish([(update, update["event_id"], peer_id)]),
                PUBLISH_TIMEOUT,
            )
        except Exception as exc:
            log.warning("%s not published: %r", update["type"], exc, extra={"peer_id": peer_id})
            await self._publisher.close()
            raise BrokerUnavailable(str(exc) or type(exc).__name__) from exc
        return str(update["event_id"])

    async def close(self) -> None:
        if self._publisher is not None:
            await self._publisher.close()
