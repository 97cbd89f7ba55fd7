"""The outbox sender: delivers queued VK calls in order per chat, many chats at once.

The handler wakes it right after its commit, so a reply leaves within milliseconds; a slow
sweep picks up whatever a crash or a retry left behind. Per chat, rows go strictly in id order
and a failing head row holds back the rows behind it (a later "round 3" must not overtake an
earlier "round 2"). A session-level advisory lock keeps one sender per chat across processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from datetime import UTC, datetime, timedelta
from enum import Enum

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.aio import wait_any
from app.failpoints import failpoint
from app.repositories import outbox
from app.repositories.outbox import OutboxRow
from app.vk.client import VKClient
from app.vk.errors import VKAPIError, VKAuthError, VKError, VKPeerUnavailableError

log = logging.getLogger(__name__)

BATCH = 25
MAX_ATTEMPTS = 12


class Outcome(Enum):
    NEXT = "next"  # go on with the chat's next row
    HOLD = "hold"  # stop draining this chat for now (retry later)


def retry_delay(attempts: int) -> timedelta:
    """Jittered exponential backoff for a row that failed ``attempts`` times, capped at 5 min."""
    return timedelta(seconds=random.uniform(0.5, 1.0) * min(300.0, 0.5 * 2**attempts))


class OutboxSender:
    def __init__(
        self,
        engine: AsyncEngine,
        vk: VKClient,
        *,
        concurrency: int = 16,
        sweep_interval: float = 2.0,
    ) -> None:
        self._engine = engine
        self._vk = vk
        self._slots = asyncio.Semaphore(concurrency)
        self._sweep_interval = sweep_interval
        self._active: dict[int, asyncio.Task[None]] = {}
        self._again: set[int] = set()
        self._sweep_now = asyncio.Event()

    def wake(self, peer_id: int) -> None:
        """Drain this chat's outbox now (called right after a commit that added rows)."""
        if peer_id in self._active:
            self._again.add(peer_id)
            return
        self._active[peer_id] = asyncio.create_task(self._drain(peer_id), name=f"send-{peer_id}")

    def sweep_soon(self) -> None:
        self._sweep_now.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Sweep periodically until ``stop``, then let in-flight deliveries finish."""
        while not stop.is_set():
            try:
                async with self._engine.connect() as conn:
                    peers = await outbox.pending_peers(conn)
                for peer_id in peers:
                    self.wake(peer_id)
            except Exception:
                log.exception("outbox sweep failed; will retry")
            self._sweep_now.clear()
            await wait_any(stop, self._sweep_now, seconds=self._sweep_interval)
        await self.drain_all()

    async def drain_all(self) -> None:
        while self._active:
            await asyncio.gather(*self._active.values(), return_exceptions=True)

    async def _drain(self, peer_id: int) -> None:
        try:
            while True:
                self._again.discard(peer_id)
                async with self._slots:
                    try:
                        await self._drain_chat(peer_id)
                    except Exception:
                        log.exception("outbox drain failed", extra={"peer_id": peer_id})
                        return
                if peer_id not in self._again:
                    return
        finally:
            self._active.pop(peer_id, None)

    async def _drain_chat(self, peer_id: int) -> None:
        async with self._engine.connect() as conn:
            locked = await outbox.try_lock_peer(conn, peer_id)
            await conn.commit()
            if not locked:
                return  # another process is sending for this chat right now
            try:
                await self._send_rows(conn, peer_id)
            finally:
                with contextlib.suppress(Exception):
                    await outbox.unlock_peer(conn, peer_id)
                    await conn.commit()

    async def _send_rows(self, conn: AsyncConnection, peer_id: int) -> None:
        while True:
            rows = await outbox.next_batch(conn, peer_id, BATCH)
            await conn.commit()
            if not rows:
                return
            for row in rows:
                if row.next_attempt_at > datetime.now(UTC):
                    return  # the head waits for its retry time; the sweep comes back for it
                outcome = await self._deliver(conn, row)
                await conn.commit()
                if outcome is Outcome.HOLD:
                    return

    async def _deliver(self, conn: AsyncConnection, row: OutboxRow) -> Outcome:
        extra = {"peer_id": row.peer_id, "outbox_id": row.id}
        try:
            cmid = await self._call(conn, row)
        except VKPeerUnavailableError as exc:
            dropped = await outbox.fail_peer(conn, row.peer_id, str(exc))
            log.warning("chat unavailable (%s); dropped %d queued calls", exc, dropped, extra=extra)
            return Outcome.HOLD
        except VKAPIError as exc:
            if exc.retryable or isinstance(exc, VKAuthError):
                return await self._retry_later(conn, row, exc)
            log.error("%s rejected by VK: %s", row.method, exc, extra=extra)
            await outbox.mark_failed(conn, row.id, str(exc))
            return Outcome.NEXT
        except VKError as exc:
            return await self._retry_later(conn, row, exc)
        failpoint("sender.after_call")
        await outbox.mark_sent(conn, row.id, cmid)
        return Outcome.NEXT

    async def _retry_later(self, conn: AsyncConnection, row: OutboxRow, exc: Exception) -> Outcome:
        extra = {"peer_id": row.peer_id, "outbox_id": row.id}
        if row.attempts + 1 >= MAX_ATTEMPTS:
            log.error(
                "%s failed %d times, giving up: %s", row.method, MAX_ATTEMPTS, exc, extra=extra
            )
            await outbox.mark_failed(conn, row.id, str(exc))
            return Outcome.NEXT
        due = datetime.now(UTC) + retry_delay(row.attempts)
        log.warning("%s failed (%s); retry at %s", row.method, exc, due.isoformat(), extra=extra)
        await outbox.mark_retry(conn, row.id, str(exc), due)
        return Outcome.HOLD

    async def _call(self, conn: AsyncConnection, row: OutboxRow) -> int | None:
        """Perform one row's VK call; returns the cmid of a sent message."""
        params = row.params
        if row.method == outbox.SEND:
            sent = await self._vk.send_message(
                row.peer_id, params["text"], random_id=row.id, keyboard=params.get("keyboard")
            )
            return sent.conversation_message_id
        if row.method == outbox.EDIT:
            cmid = await outbox.cmid_for_ref(conn, row.peer_id, params["target_ref"])
            if cmid is None:
                log.info("edit skipped: %s was never sent", params["target_ref"])
                return None
            await self._vk.edit_message(
                row.peer_id, cmid, params["text"], keyboard=params.get("keyboard")
            )
            return None
        if row.method == outbox.ANSWER:
            await self._vk.send_event_answer(
                params["callback_id"], params["user_id"], row.peer_id, params.get("text")
            )
            return None
        raise VKAPIError(0, f"unknown outbox method {row.method}")
