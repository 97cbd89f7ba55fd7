"""Apply a batch of chat work (updates, timer firings, lost chats) in one transaction.

The transaction: claim the batch's timers, lock and load every chat with its game (recording
the updates' event ids, which makes a redelivered update a no-op), run each item through the
routers in order, persist everything in one statement, commit. After the commit the new
outbox rows go straight to the sender and the new timers to the timer runner, in memory: the
tables stay the truth that a restart recovers from.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from app import metrics
from app.actions import Action, AnswerCallback
from app.bot.chat_tx import ChatTx, detached
from app.bot.router import Router
from app.db.pool import Pool
from app.failpoints import failpoint, failpoint_raise
from app.game.events import MessageShown, TimerFired
from app.internal_updates import Incoming
from app.repositories import batch
from app.repositories.batch import Persisted
from app.repositories.timers import DueTimer
from app.vk.updates import MessageEvent, MessageNew

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UpdateWork:
    update: Incoming


@dataclass(frozen=True)
class TimerWork:
    timer: DueTimer


@dataclass(frozen=True)
class AbandonWork:
    """VK refused the chat for good: end its game quietly, like an event in its order."""

    peer_id: int


@dataclass(frozen=True)
class ShownWork:
    """The sender saw VK take a message that asked to be reported (a round's question)."""

    peer_id: int
    ref: str
    at: datetime


Work = UpdateWork | TimerWork | AbandonWork | ShownWork

APPLIED = "applied"
DUPLICATE = "duplicate"
FIRED = "fired"
GONE = "gone"  # a timer another process fired or is firing, or that was cancelled


def peer_of(work: Work) -> int:
    if isinstance(work, UpdateWork):
        return work.update.peer_id
    if isinstance(work, TimerWork):
        return work.timer.peer_id
    return work.peer_id  # AbandonWork, ShownWork


AfterCommit = Callable[[Persisted], None]


class GameShell(Protocol):
    """What the applier needs of the game router beyond routing updates."""

    async def apply_timer(
        self, chat: ChatTx, fired: TimerFired, now: datetime
    ) -> Sequence[Action]: ...

    async def abandon(self, chat: ChatTx, now: datetime) -> Sequence[Action]: ...

    async def shown(self, chat: ChatTx, event: MessageShown, now: datetime) -> Sequence[Action]: ...


class Applier:
    def __init__(
        self,
        pool: Pool,
        routers: Sequence[Router],
        game: GameShell,
        after_commit: AfterCommit,
    ) -> None:
        self._pool = pool
        self._routers = routers
        self._game = game
        self._after_commit = after_commit

    async def __call__(self, works: Sequence[Work]) -> list[str]:
        started = time.perf_counter()
        for work in works:
            if isinstance(work, UpdateWork):
                failpoint_raise("handler.raise", getattr(work.update, "text", ""))
                for router in self._routers:  # VK look-ups before the transaction opens
                    await router.prepare(work.update)
        async with self._pool.acquire() as conn, conn.transaction():
            outcomes, persisted = await self._apply(conn, works)
        if any(isinstance(work, UpdateWork) for work in works):
            failpoint("handler.after_commit")
        for work, outcome in zip(works, outcomes, strict=True):
            if isinstance(work, UpdateWork) and outcome == APPLIED:
                extra = {"event_id": work.update.event_id, "peer_id": work.update.peer_id}
                log.debug("update applied", extra=extra)
        self._after_commit(persisted)
        self._observe(works, outcomes, time.perf_counter() - started)
        return outcomes

    async def _apply(
        self, conn: batch.Connection, works: Sequence[Work]
    ) -> tuple[list[str], Persisted]:
        timer_ids = [work.timer.id for work in works if isinstance(work, TimerWork)]
        claimed = {t.id for t in await batch.claim_timers(conn, timer_ids)} if timer_ids else set()
        live = [w for w in works if not isinstance(w, TimerWork) or w.timer.id in claimed]
        events = [(w.update.event_id, w.update.peer_id) for w in live if isinstance(w, UpdateWork)]
        peers = {peer_of(w) for w in live} - {0}
        loaded, fresh = await batch.lock_and_load(conn, events, list(peers))
        chats = {peer_id: ChatTx(conn, chat) for peer_id, chat in loaded.items()}
        now = datetime.now(UTC)
        outcomes: list[str] = []
        for work in works:
            if isinstance(work, TimerWork) and work.timer.id not in claimed:
                outcomes.append(GONE)
                continue
            peer_id = peer_of(work)
            chat = chats.get(peer_id) or chats.setdefault(peer_id, detached(conn, peer_id))
            if isinstance(work, UpdateWork):
                if work.update.event_id not in fresh:
                    log.info(
                        "duplicate update ignored",
                        extra={"event_id": work.update.event_id, "peer_id": peer_id},
                    )
                    outcomes.append(DUPLICATE)
                    continue
                fresh.discard(work.update.event_id)  # a second copy in this batch is a duplicate
                chat.add(await self._route(chat, work.update, now))
                outcomes.append(APPLIED)
            elif isinstance(work, TimerWork):
                timer = work.timer
                fired = TimerFired(timer.name, timer.token)
                chat.add(await self._game.apply_timer(chat, fired, now))
                outcomes.append(FIRED)
            elif isinstance(work, ShownWork):
                shown = MessageShown(work.ref, work.at)
                chat.add(await self._game.shown(chat, shown, now))
                outcomes.append(APPLIED)
            else:
                chat.add(await self._game.abandon(chat, now))
                outcomes.append(APPLIED)
        writes = [chat.writes for chat in chats.values() if not chat.writes.empty]
        persisted = await batch.persist(conn, writes) if writes else Persisted([], [])
        return outcomes, persisted

    async def _route(self, chat: ChatTx, update: Incoming, now: datetime) -> Sequence[Action]:
        for router in self._routers:
            actions = await router.route(chat, update, now)
            if actions is not None:
                return actions
        if isinstance(update, MessageEvent):  # no router took it: still stop the spinner
            return [AnswerCallback(update.callback_id, update.user_id, None)]
        return []

    def _observe(self, works: Sequence[Work], outcomes: Sequence[str], seconds: float) -> None:
        now = datetime.now(UTC)
        for work, outcome in zip(works, outcomes, strict=True):
            if isinstance(work, UpdateWork):
                kind = metric_type(work.update)
                metrics.UPDATE_SECONDS.labels(kind).observe(seconds)
                metrics.UPDATES.labels(kind, outcome).inc()
            elif isinstance(work, TimerWork) and outcome == FIRED:
                timer = work.timer
                lateness = max(0.0, (now - timer.due_at).total_seconds())
                metrics.TIMERS_FIRED.labels(timer.name).inc()
                metrics.TIMER_LATENESS.observe(lateness)
                log.debug(
                    "timer %s fired %.3fs late",
                    timer.name,
                    lateness,
                    extra={"peer_id": timer.peer_id, "timer_id": timer.id},
                )


def metric_type(update: Incoming) -> str:
    """A bounded label: the types the bot handles, everything else is "other"."""
    if isinstance(update, MessageNew):
        return "message_new"
    if isinstance(update, MessageEvent):
        return "message_event"
    return "other"
