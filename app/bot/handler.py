"""Apply one update in one transaction: dedupe by event_id, route, queue the outbox, commit."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import metrics
from app.bot.effects import AfterCommit, Effects, persist
from app.bot.router import Router
from app.failpoints import failpoint, failpoint_raise
from app.repositories import events
from app.vk.updates import MessageEvent, MessageNew, Update, parse_update

log = logging.getLogger(__name__)

Prepare = Callable[[Update], Awaitable[None]]


class UpdateHandler:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        routers: Sequence[Router],
        after_commit: AfterCommit,
        prepare: Prepare | None = None,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._routers = routers
        self._after_commit = after_commit
        self._prepare = prepare

    async def __call__(self, raw: Any) -> None:
        update = parse_update(raw)  # MalformedUpdate propagates: the consumer dead-letters it
        kind = metric_type(update)
        with metrics.UPDATE_SECONDS.labels(kind).time():
            outcome = await self._apply(update)
        metrics.UPDATES.labels(kind, outcome).inc()

    async def _apply(self, update: Update) -> str:
        failpoint_raise("handler.raise", getattr(update, "text", ""))
        if self._prepare is not None:
            await self._prepare(update)  # VK look-ups happen before the transaction opens
        extra = {"event_id": update.event_id, "peer_id": update.peer_id}
        effects = Effects(update.peer_id)
        async with self._sessionmaker.begin() as session:
            if not await events.mark_processed(session, update.event_id, update.peer_id):
                log.info("duplicate update ignored", extra=extra)
                return "duplicate"
            now = datetime.now(UTC)
            for router in self._routers:
                actions = await router.route(session, update, now)
                if actions is not None:
                    effects = await persist(session, update.peer_id, actions)
                    break
        failpoint("handler.after_commit")
        log.debug("update applied", extra=extra)
        self._after_commit(effects)
        return "applied"


def metric_type(update: Update) -> str:
    """A bounded label: the types the bot handles, everything else is "other"."""
    if isinstance(update, MessageNew):
        return "message_new"
    if isinstance(update, MessageEvent):
        return "message_event"
    return "other"
