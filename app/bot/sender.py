"""The outbox sender: delivers queued VK calls in order per chat, many chats per request.

VK's per-token budget (20 requests/s) is the physical limit, so the sender spends it well:

* **It knows its work.** The bot hands it the outbox rows it just committed (:meth:`add`), so
  no query runs to find them; the table is read only to recover (at start, after a crash,
  for rows another process left, and for chats someone :meth:`wake`-s).
* **Paced, and full.** It waits for the rate limiter's pace first, gathers the batch after
  and takes the slot last: under load one request leaves every ``1/rate`` s carrying
  everything that became ready meanwhile, as one ``execute`` of up to 25 calls from 25 chats;
  a lone reply leaves at once.
* **One call per chat in flight.** Inside ``execute`` every call runs even when an earlier one
  failed, so two calls of one chat in a batch could overtake each other on a retry.
* **One sender per chat across processes.** A session-level advisory lock per chat, held on
  the sender's own connection (so it vanishes with the process), taken in one statement for
  all the chats new to a batch and released once a chat has been idle for a while. After
  taking a chat's lock the sender re-reads the chat's pending rows, so nothing another process
  sent meanwhile is sent again.
* **Recorded in one statement per request.** The row id is the random_id of messages.send: a
  retry after a crash is de-duplicated by VK.
* **Pictures never hold up other chats.** A question with a picture waits for its attachment
  (:mod:`app.bot.pictures`: uploaded once, reused) in its own task while the other chats'
  rows go on; if VK refuses a stored attachment the picture is uploaded again once, and a
  picture that cannot be uploaded leaves the question to go out with a line saying so.
* **It tells when VK took a message** that asked for it (``report_shown``: a round's
  question), so the game can start the discussion's clock then. Only for a first attempt of a
  row handed over by this process: a re-send after a crash or a retry says nothing about when
  the players first saw it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from app import metrics
from app.bot.pictures import Pictures
from app.bot.texts import PICTURE_MISSING
from app.db.pool import Pool
from app.failpoints import failpoint
from app.loops import run_every, wait_any
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
from app.vk.errors import (
    VKAPIError,
    VKAuthError,
    VKError,
    VKInvalidRequestError,
    VKPeerUnavailableError,
)

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
UNLOCK_IDLE = 30.0  # seconds a chat's lock is kept after its last row (cheap to hold)
KEEP_CMIDS = 50_000  # edit targets remembered in memory (the table answers the rest)


def retry_delay(attempts: int) -> timedelta:
    """Jittered exponential backoff for a row that failed ``attempts`` times, capped at 5 min."""
    return timedelta(seconds=random.uniform(0.5, 1.0) * min(300.0, 0.5 * 2**attempts))


PeerLost = Callable[[int], Awaitable[None]]
Shown = Callable[[int, str, datetime], None]  # (peer_id, ref, when VK took the message)


@dataclass(frozen=True)
class Item:
    """One outbox row ready to go; ``call`` is None for an edit whose target never got sent.

    ``fresh``: handed over by this process's commit (not read back from the table)."""

    row: OutboxRow
    call: Call | None
    fresh: bool = False


class _Chat:
    """What the sender knows of one chat: its queued rows by id, with when each was added."""

    __slots__ = ("busy", "done_upto", "idle_since", "rows")

    def __init__(self) -> None:
        self.rows: dict[int, tuple[OutboxRow, int]] = {}
        self.busy = False
        self.idle_since = time.monotonic()
        self.done_upto = 0  # rows up to this id were recorded by this process

    def head(self) -> tuple[OutboxRow, int] | None:
        """The next row to send, with the hand-off sequence it came with (0: the table)."""
        return self.rows[min(self.rows)] if self.rows else None


class OutboxSender:
    def __init__(
        self,
        pool: Pool,
        vk: VKClient,
        *,
        batch_size: int = MAX_EXECUTE_CALLS,
        max_in_flight: int = 3,
        sweep_interval: float = 2.0,
        unlock_idle: float = UNLOCK_IDLE,
        on_peer_lost: PeerLost | None = None,
        on_shown: Shown | None = None,
        pictures: Pictures | None = None,
    ) -> None:
        self._pool = pool
        self._vk = vk
        self._batch_size = batch_size
        self._sweep_interval = sweep_interval
        self._unlock_idle = unlock_idle
        self._slots = asyncio.Semaphore(max_in_flight)
        self._chats: dict[int, _Chat] = {}
        self._ready: dict[int, None] = {}  # an ordered set: fair, first ready first served
        self._reload: set[int] = set()  # chats whose pending rows must be read from the table
        self._locked: set[int] = set()
        self._lock_conn: Any = None
        self._added = itertools.count(1)
        self._cmids: OrderedDict[tuple[int, str], int] = OrderedDict()
        # The picture each sent message went out with ("": none), so its edits keep that one.
        self._sent_pictures: OrderedDict[tuple[int, str], str] = OrderedDict()
        self._in_flight: set[asyncio.Task[None]] = set()
        self._kick = asyncio.Event()
        self._on_peer_lost = on_peer_lost
        self._on_shown = on_shown
        self.pictures = pictures or Pictures(pool, vk)
        # Per send row that carries a picture: its attachment ("" once it could not be had).
        self._attachments: dict[int, str] = {}
        self._reuploaded: set[int] = set()  # rows whose picture VK refused once already
        self._fetching: set[asyncio.Task[None]] = set()
        self.requests = 0
        self.calls = 0

    # Work coming in -------------------------------------------------------------------------

    def add(self, rows: Sequence[OutboxRow]) -> None:
        """Rows just committed (in id order per chat): send them without reading them back."""
        for row in rows:
            chat = self._chats.get(row.peer_id) or self._chats.setdefault(row.peer_id, _Chat())
            if row.id > chat.done_upto and row.id not in chat.rows:
                chat.rows[row.id] = (row, next(self._added))
                self._mark_ready(row.peer_id, chat)
        self._kick.set()

    def wake(self, peer_id: int) -> None:
        """This chat may have rows in the table that the sender does not know of."""
        self._reload.add(peer_id)
        self._ready[peer_id] = None
        self._kick.set()

    def idle(self) -> bool:
        return not self._ready and not self._in_flight and not self._reload and not self._fetching

    def _mark_ready(self, peer_id: int, chat: _Chat) -> None:
        if not chat.busy and chat.rows:
            self._ready[peer_id] = None

    async def run(self, stop: asyncio.Event, grace: float = 10.0) -> None:
        """Send until ``stop``; then finish what is queued (for at most ``grace`` seconds)."""
        sweeper = asyncio.create_task(
            run_every(self._sweep_interval, self._sweep, stop, what="outbox sweep", log=log),
            name="outbox-sweep",
        )
        try:
            await self._dispatch(stop, grace)
        finally:
            sweeper.cancel()
            for task in self._fetching:
                task.cancel()
            await asyncio.gather(sweeper, *self._in_flight, *self._fetching, return_exceptions=True)
            await self.pictures.close()
            await self._close_lock_conn()

    async def _sweep(self) -> None:
        """Recovery: chats with due rows in the table that this sender holds none of (a crash,
        a retry, another process's commit); idle chats' locks released."""
        for peer_id in await outbox.due_peers(self._pool):
            chat = self._chats.get(peer_id)
            if chat is None or not (chat.rows or chat.busy):
                self.wake(peer_id)
        now = datetime.now(UTC)
        for peer_id, chat in self._chats.items():  # rows whose retry has come due
            head = chat.head()
            if head is not None and not chat.busy and head[0].next_attempt_at <= now:
                self._ready[peer_id] = None
                self._kick.set()
        await self._unlock_idle_chats()

    async def _dispatch(self, stop: asyncio.Event, grace: float) -> None:
        loop = asyncio.get_running_loop()
        deadline: float | None = None
        while True:
            if stop.is_set():
                deadline = deadline or loop.time() + grace
                if self.idle() or loop.time() > deadline:
                    return
            if not self._ready:
                self._kick.clear()
                await wait_any(self._kick, stop, seconds=self._sweep_interval)
                continue
            await self._slots.acquire()
            try:
                # Wait for the pace first, gather the batch after (what became ready meanwhile
                # goes along), take the slot last, right before the request leaves.
                await self._vk.wait_for_slot()
                batch = await self._next_batch()
                if batch:
                    await self._vk.take_slot()
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

    async def _connection(self) -> Any:
        if self._lock_conn is None:
            self._lock_conn = await self._pool.acquire()
        return self._lock_conn

    async def _close_lock_conn(self) -> None:
        conn, self._lock_conn = self._lock_conn, None
        self._locked.clear()  # closing the session releases its advisory locks
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()  # closed, not just released: its locks must go with it
            with contextlib.suppress(Exception):
                await self._pool.release(conn)  # the pool replaces the closed connection

    async def _next_batch(self) -> list[Item]:
        peers = list(itertools.islice(self._ready, self._batch_size * 4))
        new = [p for p in peers if p not in self._locked]
        if new:
            conn = await self._connection()
            taken = await outbox.try_lock_peers(conn, new)
            self._locked |= taken
            for peer_id in set(new) - taken:
                self._drop(peer_id)  # another process is sending for this chat
            self._reload |= taken  # re-read: another process may have sent some meanwhile
        reload = [p for p in peers if p in self._reload and p in self._locked]
        if reload:
            await self._refresh(reload)
        now = datetime.now(UTC)
        batch: list[Item] = []
        for peer_id in peers:
            if len(batch) >= self._batch_size:
                break
            if peer_id not in self._locked:
                continue
            chat = self._chats.get(peer_id)
            head = chat.head() if chat is not None else None
            if chat is None or head is None:
                self._ready.pop(peer_id, None)
                continue
            row, added = head
            if row.next_attempt_at > now:
                self._ready.pop(peer_id, None)  # waits for its retry; the sweep brings it back
                continue
            if self._needs_picture(row):
                self._fetch_picture(peer_id, chat, row)
                continue
            batch.append(await self._item(row, fresh=added > 0 and row.attempts == 0))
            chat.busy = True
            self._ready.pop(peer_id, None)
        return batch

    async def _refresh(self, peer_ids: list[int]) -> None:
        """Make the chats' queues what the table says is pending (plus rows added meanwhile)."""
        since = next(self._added)
        rows = await outbox.pending_rows(self._pool, peer_ids)
        by_peer: dict[int, list[OutboxRow]] = {}
        for row in rows:
            by_peer.setdefault(row.peer_id, []).append(row)
        for peer_id in peer_ids:
            self._reload.discard(peer_id)
            chat = self._chats.get(peer_id) or self._chats.setdefault(peer_id, _Chat())
            if chat.busy:
                self._reload.add(peer_id)  # its call in flight: read it again afterwards
                continue
            kept = {i: entry for i, entry in chat.rows.items() if entry[1] > since}
            for row in by_peer.get(peer_id, ()):
                # A row this process handed over keeps its hand-off mark (it is still fresh).
                kept.setdefault(row.id, chat.rows.get(row.id, (row, 0)))
            chat.rows = kept
            self._mark_ready(peer_id, chat)

    def _drop(self, peer_id: int) -> None:
        self._ready.pop(peer_id, None)
        self._reload.discard(peer_id)
        chat = self._chats.get(peer_id)
        if chat is not None and not chat.busy:
            del self._chats[peer_id]

    async def _item(self, row: OutboxRow, *, fresh: bool) -> Item:
        image_of = row.params.get("image_of")
        if row.method != outbox.EDIT:
            attachment = self._attachments.get(row.id) if image_of is not None else None
            return Item(row, _prepare(row, attachment), fresh)
        target = row.params["target_ref"]
        cmid = self._cmids.get((row.peer_id, target))
        if cmid is None:
            cmid = await outbox.cmid_for_ref(self._pool, row.peer_id, target)
        if cmid is None:
            return Item(row, None)
        # An edit keeps the picture the message went out with (VK drops what it omits); it
        # never uploads. Known from this process's send, else (after a restart) the stored
        # one; without either the text says the picture is missing.
        attachment = None
        if image_of is not None:
            attachment = self._sent_pictures.get((row.peer_id, target))
            if attachment is None:
                attachment = await self.pictures.lookup(image_of)
        return Item(row, _edit(row, cmid, attachment))

    # Pictures -------------------------------------------------------------------------------

    def _needs_picture(self, row: OutboxRow) -> bool:
        return (
            row.method == outbox.SEND
            and row.params.get("image_of") is not None
            and row.id not in self._attachments
        )

    def _fetch_picture(self, peer_id: int, chat: _Chat, row: OutboxRow) -> None:
        """Get the row's attachment in a task of its own; the chat waits, the others go on."""
        chat.busy = True
        self._ready.pop(peer_id, None)
        task = asyncio.create_task(self._picture_for(peer_id, row), name=f"picture-{row.id}")
        self._fetching.add(task)
        task.add_done_callback(self._fetching.discard)

    async def _picture_for(self, peer_id: int, row: OutboxRow) -> None:
        try:
            attachment = await self.pictures.resolve(int(row.params["image_of"]))
        except Exception:
            log.exception("picture lookup failed", extra={"peer_id": peer_id, "outbox_id": row.id})
            attachment = None
        self._attachments[row.id] = attachment or ""
        chat = self._chats.get(peer_id)
        if chat is not None:
            chat.busy = False
            self._mark_ready(peer_id, chat)
        self._kick.set()

    async def _picture_refused(self, conn: Any, row: OutboxRow, exc: VKError) -> bool:
        """VK refused a send that carried a picture: upload it again once, then send without
        it. True when the row is queued again at once (so it is not a failure)."""
        attachment = self._attachments.get(row.id)
        if not isinstance(exc, VKInvalidRequestError) or not attachment:
            return False
        log.warning(
            "VK refused the picture %s (%s)", attachment, exc, extra={"peer_id": row.peer_id}
        )
        if row.id in self._reuploaded:
            self._attachments[row.id] = ""  # refused twice: the text goes alone
        else:
            self._reuploaded.add(row.id)
            del self._attachments[row.id]
            await self.pictures.refused(int(row.params["image_of"]), attachment)
        await self._retry_at(conn, row, exc, datetime.now(UTC))
        return True

    async def _unlock_idle_chats(self) -> None:
        cutoff = time.monotonic() - self._unlock_idle
        idle = [
            peer_id
            for peer_id in self._locked
            if (chat := self._chats.get(peer_id)) is None
            or (not chat.rows and not chat.busy and chat.idle_since < cutoff)
        ]
        if idle and self._lock_conn is not None:
            await outbox.unlock_peers(self._lock_conn, idle)
            for peer_id in idle:
                self._locked.discard(peer_id)
                chat = self._chats.get(peer_id)
                if chat is not None and not chat.rows and not chat.busy:
                    del self._chats[peer_id]

    # Sending and recording ------------------------------------------------------------------

    async def _send(self, batch: list[Item]) -> None:
        try:
            # VK creates the messages somewhere inside the request; the players then see the
            # end of the discussion late by the end message's own request (and its wait for
            # the pace). Taking the question's request start makes the two errors cancel
            # rather than add up.
            taken_at = datetime.now(UTC)
            outcomes = await self._perform([item.call for item in batch if item.call])
            failpoint("sender.after_call")
            lost, shown = await self._record(batch, outcomes)
            if self._on_shown is not None:
                for peer_id, ref in shown:
                    self._on_shown(peer_id, ref, taken_at)
            if self._on_peer_lost is not None:
                for peer_id in lost:
                    await self._on_peer_lost(peer_id)
        except Exception:
            log.exception("recording a batch failed; its rows will be retried")
            for item in batch:
                self._reload.add(item.row.peer_id)
        finally:
            for item in batch:
                chat = self._chats.get(item.row.peer_id)
                if chat is not None:
                    chat.busy = False
                    chat.idle_since = time.monotonic()
                    self._mark_ready(item.row.peer_id, chat)
                if item.row.peer_id in self._reload:
                    self._ready[item.row.peer_id] = None
            self._slots.release()
            self._kick.set()

    async def _perform(self, calls: list[Call]) -> list[Any | VKError]:
        if not calls:
            return []
        self.requests += 1
        self.calls += len(calls)
        try:
            if len(calls) == 1:
                return [await self._vk.perform(calls[0], slot_taken=True)]
            slots: list[Any | VKError] = list(await self._vk.execute_calls(calls, slot_taken=True))
            return slots
        except VKError as exc:
            return [exc] * len(calls)  # the whole request failed: every call in it did

    async def _record(
        self, batch: list[Item], outcomes: list[Any | VKError]
    ) -> tuple[set[int], list[tuple[int, str]]]:
        """Store each call's outcome; returns the chats VK says the bot can no longer reach
        and the (chat, ref) of the messages whose showing was asked to be reported."""
        results = iter(outcomes)
        sent: list[tuple[int, int | None]] = []
        shown: list[tuple[int, str]] = []
        done: list[OutboxRow] = []
        dead: set[int] = set()
        # No transaction: each row's outcome stands on its own (one statement for all that
        # went through; a failed call is rare and gets its own).
        async with self._pool.acquire() as conn:
            for item in batch:
                row = item.row
                if item.call is None:
                    log.info("edit skipped: %s was never sent", row.params["target_ref"])
                    sent.append((row.id, None))
                    done.append(row)
                    continue
                outcome = next(results)
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
                done.append(row)
                if row.ref is not None and cmid is not None:
                    self._remember_cmid(row.peer_id, row.ref, cmid)
                    if row.params.get("image_of") is not None:
                        picture = self._attachments.get(row.id, "")
                        _remember(self._sent_pictures, (row.peer_id, row.ref), picture)
                if row.ref is not None and item.fresh and row.params.get("report_shown"):
                    shown.append((row.peer_id, row.ref))
            await outbox.record_sent(conn, sent)
        for row in done:
            self._forget(row)
        for peer_id in dead:
            gone = self._chats.pop(peer_id, None)
            for row_id in gone.rows if gone is not None else ():
                self._attachments.pop(row_id, None)
                self._reuploaded.discard(row_id)
        return dead, shown

    def _forget(self, row: OutboxRow) -> None:
        self._attachments.pop(row.id, None)
        self._reuploaded.discard(row.id)
        chat = self._chats.get(row.peer_id)
        if chat is not None:
            chat.rows.pop(row.id, None)
            chat.done_upto = max(chat.done_upto, row.id)

    def _remember_cmid(self, peer_id: int, ref: str, cmid: int) -> None:
        _remember(self._cmids, (peer_id, ref), cmid)

    async def _failed(self, conn: Any, row: OutboxRow, exc: VKError) -> bool:
        """Record a failed call; True when the whole chat is unreachable."""
        extra = {"peer_id": row.peer_id, "outbox_id": row.id}
        if await self._picture_refused(conn, row, exc):
            return False
        if isinstance(exc, VKPeerUnavailableError):
            dropped = await outbox.fail_peer(conn, row.peer_id, str(exc))
            log.warning("chat unavailable (%s); dropped %d queued calls", exc, dropped, extra=extra)
            return True
        retry = not isinstance(exc, VKAPIError) or exc.retryable or isinstance(exc, VKAuthError)
        if not retry or row.attempts + 1 >= MAX_ATTEMPTS:
            if retry:
                log.error("%s failed %d times, giving up: %s", row.method, MAX_ATTEMPTS, exc)
            else:
                log.error("%s rejected by VK: %s", row.method, exc, extra=extra)
            await outbox.record_failed(conn, row.id, str(exc))
            self._forget(row)
            return False
        due = datetime.now(UTC) + retry_delay(row.attempts)
        log.warning("%s failed (%s); retry at %s", row.method, exc, due.isoformat(), extra=extra)
        await self._retry_at(conn, row, exc, due)
        return False

    async def _retry_at(self, conn: Any, row: OutboxRow, exc: VKError, due: datetime) -> None:
        """Record the failed attempt and keep the row queued here, due again at ``due``."""
        await outbox.record_retry(conn, row.id, str(exc), due)
        chat = self._chats.get(row.peer_id)
        if chat is not None and row.id in chat.rows:
            retried = replace(row, attempts=row.attempts + 1, next_attempt_at=due)
            chat.rows[row.id] = (retried, chat.rows[row.id][1])


def _remember(known: OrderedDict[tuple[int, str], Any], key: tuple[int, str], value: Any) -> None:
    """Keep the newest ``KEEP_CMIDS`` of what was sent (the table answers the rest)."""
    known[key] = value
    known.move_to_end(key)
    if len(known) > KEEP_CMIDS:
        known.popitem(last=False)


def _with_picture(params: dict[str, Any], attachment: str | None) -> tuple[str, str | None]:
    """The text and attachment of a message; a picture that is missing is said in the text."""
    text: str = params["text"]
    if params.get("image_of") is not None and not attachment:
        return f"{text}\n\n{PICTURE_MISSING}", None
    return text, attachment


def _prepare(row: OutboxRow, attachment: str | None = None) -> Call:
    params = row.params
    if row.method == outbox.SEND:
        text, attachment = _with_picture(params, attachment)
        return send_message_call(
            row.peer_id,
            text,
            random_id=row.id,
            keyboard=params.get("keyboard"),
            attachment=attachment,
        )
    if row.method == outbox.ANSWER:
        return event_answer_call(
            params["callback_id"], params["user_id"], row.peer_id, params.get("text")
        )
    raise ValueError(f"unknown outbox method {row.method}")


def _edit(row: OutboxRow, cmid: int, attachment: str | None = None) -> Call:
    params = row.params
    text, attachment = _with_picture(params, attachment)
    return edit_message_call(
        row.peer_id, cmid, text, keyboard=params.get("keyboard"), attachment=attachment
    )
