"""The outbox sender: delivers queued VK calls in order per chat, many chats per request.

VK's per-token budget (20 requests/s) is the physical limit, so the sender spends it well:
each request is an ``execute`` batch of up to 25 calls gathered from 25 chats, and the VK
client's sliding-window limiter keeps the request rate under the budget instead of provoking
error 6. A chat has at most one call in flight: inside ``execute`` every call runs even when an
earlier one failed, so two calls of one chat in a batch could overtake each other on a retry.

The handler wakes the sender right after its commit, so a reply leaves within milliseconds; a
slow sweep picks up what a crash or a retry left behind. A chat is in at most one request at
a time, and a session-level advisory lock (held on the sender's own connection, so it vanishes
with the process) keeps one sender per chat across processes. The row id is the random_id of
messages.send: a retry after a crash is de-duplicated by VK.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app import metrics
from app.aio import wait_any
from app.failpoints import failpoint
from app.repositories import outbox
from app.repositories.outbox import OutboxRow
from app.vk.client import (
    MAX_EXECUTE_CALLS,
    Call,
    VKClient,
    edit_message_call,
    event_answer_call,
    parse_sent_message,
    send_message_call,
)
from app.vk.errors import VKAPIError, VKAuthError, VKError, VKPeerUnavailableError

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
PEERS_PER_SCAN = 200


def retry_delay(attempts: int) -> timedelta:
    """Jittered exponential backoff for a row that failed ``attempts`` times, capped at 5 min."""
    return timedelta(seconds=random.uniform(0.5, 1.0) * min(300.0, 0.5 * 2**attempts))


PeerLost = Callable[[int], Awaitable[None]]


@dataclass(frozen=True)
class Item:
    """One outbox row ready to go; ``call`` is None for an edit whose target never got sent."""

    row: OutboxRow
    call: Call | None


class OutboxSender:
    def __init__(
        self,
        engine: AsyncEngine,
        vk: VKClient,
        *,
        batch_size: int = MAX_EXECUTE_CALLS,
        max_in_flight: int = 3,
        sweep_interval: float = 2.0,
        on_peer_lost: PeerLost | None = None,
    ) -> None:
        self._engine = engine
        self._vk = vk
        self._batch_size = batch_size
        self._sweep_interval = sweep_interval
        self._slots = asyncio.Semaphore(max_in_flight)
        self._ready: dict[int, None] = {}  # an ordered set: fair, first woken first served
        self._busy: set[int] = set()
        self._locked: set[int] = set()
        self._lock_conn: AsyncConnection | None = None
        self._in_flight: set[asyncio.Task[None]] = set()
        self._kick = asyncio.Event()
        self._on_peer_lost = on_peer_lost
        self.requests = 0
        self.calls = 0

    def wake(self, peer_id: int) -> None:
        """This chat has new rows (called right after the commit that added them)."""
        self._ready[peer_id] = None
        self._kick.set()

    def idle(self) -> bool:
        return not self._ready and not self._in_flight

    async def run(self, stop: asyncio.Event, grace: float = 10.0) -> None:
        """Send until ``stop``; then finish what is queued (for at most ``grace`` seconds)."""
        sweeper = asyncio.create_task(self._sweep(stop), name="outbox-sweep")
        try:
            await self._dispatch(stop, grace)
        finally:
            sweeper.cancel()
            await asyncio.gather(sweeper, *self._in_flight, return_exceptions=True)
            await self._close_lock_conn()

    async def _sweep(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                async with self._engine.connect() as conn:
                    for peer_id in await outbox.pending_peers(conn):
                        self.wake(peer_id)
            except Exception:
                log.exception("outbox sweep failed; will retry")
            await wait_any(stop, seconds=self._sweep_interval)

    async def _dispatch(self, stop: asyncio.Event, grace: float) -> None:
        loop = asyncio.get_running_loop()
        deadline: float | None = None
        while True:
            if stop.is_set():
                deadline = deadline or loop.time() + grace
                if self.idle() or loop.time() > deadline:
                    return
            if not any(peer not in self._busy for peer in self._ready):
                self._kick.clear()
                await wait_any(self._kick, stop, seconds=self._sweep_interval)
                continue
            await self._slots.acquire()
            try:
                batch = await self._next_batch()
            except Exception:
                self._slots.release()
                log.exception("outbox scan failed; retrying in 1 s")
                await self._close_lock_conn()
                await wait_any(stop, seconds=1.0)
                continue
            if not batch:
                self._slots.release()
                continue
            task = asyncio.create_task(self._send(batch))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)

    # Building a batch -----------------------------------------------------------------------

    async def _connection(self) -> AsyncConnection:
        if self._lock_conn is None:
            conn = await self._engine.connect()
            self._lock_conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        return self._lock_conn

    async def _close_lock_conn(self) -> None:
        conn, self._lock_conn = self._lock_conn, None
        self._locked.clear()  # closing the session releases its advisory locks
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()

    async def _next_batch(self) -> list[Item]:
        conn = await self._connection()
        peers = [p for p in self._ready if p not in self._busy][:PEERS_PER_SCAN]
        new = [p for p in peers if p not in self._locked]
        taken = await outbox.try_lock_peers(conn, new)
        self._locked |= taken
        for peer_id in set(new) - taken:
            self._ready.pop(peer_id, None)  # another process is sending for this chat
        peers = [p for p in peers if p in self._locked]
        heads = await outbox.heads(conn, peers, 1)
        now = datetime.now(UTC)
        batch: list[Item] = []
        drained: list[int] = []
        for peer_id in peers:
            if len(batch) >= self._batch_size:
                break
            rows = heads.get(peer_id, [])
            if not rows:
                self._ready.pop(peer_id, None)
                self._locked.discard(peer_id)
                drained.append(peer_id)
            elif rows[0].next_attempt_at > now:
                self._ready.pop(peer_id, None)  # the head waits for its retry; the sweep returns
            else:
                batch.append(await self._item(conn, rows[0]))
                self._busy.add(peer_id)
        await outbox.unlock_peers(conn, drained)
        return batch

    async def _item(self, conn: AsyncConnection, row: OutboxRow) -> Item:
        if row.method != outbox.EDIT:
            return Item(row, _prepare(row))
        cmid = await outbox.cmid_for_ref(conn, row.peer_id, row.params["target_ref"])
        return Item(row, None if cmid is None else _edit(row, cmid))

    # Sending and recording ------------------------------------------------------------------

    async def _send(self, batch: list[Item]) -> None:
        peers = {item.row.peer_id for item in batch}
        try:
            outcomes = await self._perform([item.call for item in batch if item.call])
            failpoint("sender.after_call")
            lost = await self._record(batch, outcomes)
            if self._on_peer_lost is not None:
                for peer_id in lost:
                    await self._on_peer_lost(peer_id)
        except Exception:
            log.exception("recording a batch failed; its rows will be retried")
        finally:
            self._busy -= peers
            self._slots.release()
            self._kick.set()

    async def _perform(self, calls: list[Call]) -> list[Any | VKError]:
        if not calls:
            return []
        self.requests += 1
        self.calls += len(calls)
        try:
            if len(calls) == 1:
                return [await self._vk.perform(calls[0])]
            slots: list[Any | VKError] = list(await self._vk.execute_calls(calls))
            return slots
        except VKError as exc:
            return [exc] * len(calls)  # the whole request failed: every call in it did

    async def _record(self, batch: list[Item], outcomes: list[Any | VKError]) -> set[int]:
        """Store each call's outcome; returns the chats VK says the bot can no longer reach."""
        results = iter(outcomes)
        sent: list[tuple[int, int | None]] = []
        async with self._engine.begin() as conn:
            dead: set[int] = set()
            for item in batch:
                row = item.row
                if item.call is None:
                    log.info("edit skipped: %s was never sent", row.params["target_ref"])
                    sent.append((row.id, None))
                    continue
                outcome = next(results)
                if row.peer_id in dead:
                    continue
                if isinstance(outcome, VKError):
                    code = outcome.code if isinstance(outcome, VKAPIError) else "transport"
                    metrics.VK_CALLS.labels(row.method, str(code)).inc()
                    if await self._failed(conn, row, outcome):
                        dead.add(row.peer_id)
                    continue
                cmid = None
                if row.method == outbox.SEND:
                    try:
                        cmid = parse_sent_message(outcome, row.peer_id).conversation_message_id
                    except VKError as exc:
                        if await self._failed(conn, row, exc):
                            dead.add(row.peer_id)
                        continue
                metrics.VK_CALLS.labels(row.method, "ok").inc()
                sent.append((row.id, cmid))
            await outbox.mark_sent_many(conn, sent)
        return dead

    async def _failed(self, conn: AsyncConnection, row: OutboxRow, exc: VKError) -> bool:
        """Record a failed call; True when the whole chat is unreachable."""
        extra = {"peer_id": row.peer_id, "outbox_id": row.id}
        if isinstance(exc, VKPeerUnavailableError):
            dropped = await outbox.fail_peer(conn, row.peer_id, str(exc))
            log.warning("chat unavailable (%s); dropped %d queued calls", exc, dropped, extra=extra)
            return True
        retry = not isinstance(exc, VKAPIError) or exc.retryable or isinstance(exc, VKAuthError)
        if not retry:
            log.error("%s rejected by VK: %s", row.method, exc, extra=extra)
            await outbox.mark_failed(conn, row.id, str(exc))
        elif row.attempts + 1 >= MAX_ATTEMPTS:
            log.error(
                "%s failed %d times, giving up: %s", row.method, MAX_ATTEMPTS, exc, extra=extra
            )
            await outbox.mark_failed(conn, row.id, str(exc))
        else:
            due = datetime.now(UTC) + retry_delay(row.attempts)
            log.warning(
                "%s failed (%s); retry at %s", row.method, exc, due.isoformat(), extra=extra
            )
            await outbox.mark_retry(conn, row.id, str(exc), due)
        return False


def _prepare(row: OutboxRow) -> Call:
    params = row.params
    if row.method == outbox.SEND:
        return send_message_call(
            row.peer_id, params["text"], random_id=row.id, keyboard=params.get("keyboard")
        )
    if row.method == outbox.ANSWER:
        return event_answer_call(
            params["callback_id"], params["user_id"], row.peer_id, params.get("text")
        )
    raise ValueError(f"unknown outbox method {row.method}")


def _edit(row: OutboxRow, cmid: int) -> Call:
    params = row.params
    return edit_message_call(row.peer_id, cmid, params["text"], keyboard=params.get("keyboard"))
