"""Per-chat serial lanes: work for one chat runs one at a time, in submission order.

Different chats run concurrently. A lane's worker task exists only while it has work, so
thousands of idle chats cost nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Hashable

log = logging.getLogger(__name__)

Job = Callable[[], Awaitable[None]]


class Lanes:
    def __init__(self) -> None:
        self._queues: dict[Hashable, deque[Job]] = {}
        self._workers: dict[Hashable, asyncio.Task[None]] = {}

    def submit(self, key: Hashable, job: Job) -> None:
        """Queue ``job`` behind the key's earlier jobs (synchronous, so order is call order)."""
        self._queues.setdefault(key, deque()).append(job)
        if key not in self._workers:
            self._workers[key] = asyncio.create_task(self._work(key), name=f"lane-{key}")

    def __len__(self) -> int:
        return sum(len(queue) for queue in self._queues.values())

    async def _work(self, key: Hashable) -> None:
        queue = self._queues[key]
        try:
            while queue:
                job = queue.popleft()
                try:
                    await job()
                except Exception:
                    # Jobs handle their own failures; this only keeps the lane alive.
                    log.exception("lane job failed")
        finally:
            del self._workers[key]
            del self._queues[key]

    async def join(self) -> None:
        """Wait until every submitted job has finished."""
        while self._workers:
            await asyncio.gather(*self._workers.values(), return_exceptions=True)
