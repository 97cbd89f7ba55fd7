"""Group commit with per-chat order: work runs in batches, each chat's work in submission order.

Updates and timer firings of many chats share one transaction when they arrive together, so a
busy bot pays the transaction's round trips and its commit once per batch instead of once per
event; a lone event still runs at once, as a batch of one. Rules:

* **Order per chat.** Work of one key (a chat) runs in submission order: while a batch holds a
  key, that key's later work waits for the next batch; within a batch it is applied in order.
* **Concurrency.** Up to ``max_concurrent`` batches run at once (one database connection
  each), so a commit's wait for the disk overlaps the next batch's work.
* **A poison item never takes its neighbours down.** A batch that fails is retried item by
  item, in order; only the failing item's future gets the error.
* **An outage is nobody's fault.** When the failure is an outage (Postgres unreachable), the
  same batch is tried again after a backoff, holding its keys, so no chat's order is broken
  and nothing burns its retries. Once :meth:`close` was called, an outage fails the batch's
  futures instead, so a stopping process does not wait for Postgres forever.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from app.broker.errors import is_outage
from app.retry import RetryPolicy

log = logging.getLogger(__name__)

P = TypeVar("P")
R = TypeVar("R")

OUTAGE_BACKOFF = RetryPolicy(attempts=0, base_delay=0.5, max_delay=10.0)


@dataclass
class _Entry(Generic[P, R]):
    key: Hashable
    payload: P
    future: asyncio.Future[R]


class Batcher(Generic[P, R]):
    def __init__(
        self,
        run: Callable[[Sequence[P]], Awaitable[Sequence[R]]],
        *,
        max_batch: int = 100,
        max_concurrent: int = 4,
    ) -> None:
        self._run = run
        self._max_batch = max_batch
        self._max_concurrent = max_concurrent
        self._pending: deque[_Entry[P, R]] = deque()
        self._busy: set[Hashable] = set()
        self._running: set[asyncio.Task[None]] = set()
        self._closing = False
        self.batches = 0
        self.items = 0

    def submit(self, key: Hashable, payload: P) -> asyncio.Future[R]:
        """Queue work for ``key`` (synchronous: submission order is call order)."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._pending.append(_Entry(key, payload, future))
        self._dispatch()
        return future

    def __len__(self) -> int:
        return len(self._pending)

    def close(self) -> None:
        """Stop retrying outages: what cannot be applied now fails (and is redelivered later)."""
        self._closing = True

    async def join(self) -> None:
        """Wait until every submitted item has finished."""
        while self._running:
            await asyncio.gather(*list(self._running), return_exceptions=True)

    def _dispatch(self) -> None:
        while self._pending and len(self._running) < self._max_concurrent:
            batch: list[_Entry[P, R]] = []
            left: deque[_Entry[P, R]] = deque()
            blocked: set[Hashable] = set()
            for entry in self._pending:
                key = entry.key
                if key in self._busy or key in blocked or len(batch) >= self._max_batch:
                    blocked.add(key)  # its later work must not overtake this entry
                    left.append(entry)
                else:
                    batch.append(entry)
            if not batch:
                return
            self._pending = left
            keys = {entry.key for entry in batch}
            self._busy |= keys
            task = asyncio.create_task(self._settle(batch, keys), name="batch")
            self._running.add(task)

    async def _settle(self, batch: list[_Entry[P, R]], keys: set[Hashable]) -> None:
        try:
            await self._attempt(batch)
        except Exception as exc:  # a bug here: fail the batch rather than hang its futures
            log.exception("batch failed unexpectedly")
            for entry in batch:
                if not entry.future.done():
                    entry.future.set_exception(exc)
        finally:
            self._busy -= keys
            task = asyncio.current_task()
            if task is not None:
                self._running.discard(task)
            self._dispatch()

    async def _attempt(self, batch: list[_Entry[P, R]]) -> None:
        outages = 0
        while True:
            try:
                results = await self._run([entry.payload for entry in batch])
            except Exception as exc:
                if is_outage(exc) and not self._closing:
                    outages += 1
                    delay = OUTAGE_BACKOFF.delay(min(outages, 6))
                    log.warning("dependency unavailable (%s); trying again in %.1fs", exc, delay)
                    await asyncio.sleep(delay)
                    continue
                if len(batch) > 1 and not is_outage(exc):
                    log.warning("a batch of %d failed (%s); applying one by one", len(batch), exc)
                    for entry in batch:
                        await self._attempt([entry])
                    return
                for entry in batch:
                    if not entry.future.done():
                        entry.future.set_exception(exc)
                return
            self.batches += 1
            self.items += len(batch)
            for entry, result in zip(batch, results, strict=True):
                if not entry.future.done():
                    entry.future.set_result(result)
            return
