"""Follow the emulator's activity feed (``/control/log`` long polling) in the driver.

Every entry carries the emulator's own ``at`` (unix time, float), so latencies are measured on
the emulator's clock: from the moment it made a user's message or press visible to the bot
to the moment it received the bot's resulting VK call. The driver's own scheduling delays do
not enter the figures.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import aiohttp

Entry = dict[str, Any]

USER_KINDS = frozenset({"user_message", "button_press"})
BOT_KINDS = frozenset({"bot_message", "bot_edit", "event_answer"})


class Feed:
    """Reads the feed from ``after`` on and hands every entry to ``on_entry`` in seq order."""

    def __init__(
        self, session: aiohttp.ClientSession, base_url: str, on_entry: Callable[[Entry], None]
    ) -> None:
        self._session = session
        self._url = base_url.rstrip("/") + "/control/log"
        self._on_entry = on_entry
        self.seq = 0
        self.entries = 0
        self._task: asyncio.Task[None] | None = None
        self._caught_up = asyncio.Event()
        self._target = 0

    async def current_seq(self) -> int:
        async with self._session.get(self._url, params={"limit": "0"}) as resp:
            return int((await resp.json())["seq"])

    async def start(self, after: int | None = None) -> None:
        self.seq = await self.current_seq() if after is None else after
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            params = {"after": str(self.seq), "wait": "5", "limit": "5000"}
            async with self._session.get(self._url, params=params) as resp:
                page = await resp.json()
            for entry in page["entries"]:
                self.entries += 1
                self._on_entry(entry)
            self.seq = max(self.seq, int(page["seq"]))
            if self.seq >= self._target:
                self._caught_up.set()

    async def catch_up(self, within: float = 30.0) -> None:
        """Wait until every entry logged before this call has been handed over."""
        self._target = await self.current_seq()
        self._caught_up.clear()
        if self.seq >= self._target:
            return
        await asyncio.wait_for(self._caught_up.wait(), within)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
