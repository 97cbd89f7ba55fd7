"""Player names from users.get, cached in Postgres so VK is asked once per player.

The VK call happens before the update's transaction opens (``ensure``), never inside it: a
transaction must not hold a database connection while it waits for VK and its rate budget.
Names are also kept in memory, so the transaction reads them without a round trip.
"""

from __future__ import annotations

import logging
from collections import OrderedDict

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.repositories import users
from app.vk.client import VKClient
from app.vk.errors import VKError

log = logging.getLogger(__name__)


def fallback_name(user_id: int) -> str:
    return f"Игрок {user_id}"


class NameResolver:
    def __init__(
        self,
        vk: VKClient,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        keep: int = 100_000,
    ) -> None:
        self._vk = vk
        self._sessionmaker = sessionmaker
        self._known: OrderedDict[int, str] = OrderedDict()  # least recently used first
        self._keep = keep

    async def ensure(self, user_id: int) -> None:
        """Make sure the name is cached; on a VK failure the game uses a placeholder."""
        if user_id in self._known:
            self._known.move_to_end(user_id)
            return
        async with self._sessionmaker() as session:
            name = await users.first_name(session, user_id)
        if name is None:
            try:
                found = await self._vk.get_users([user_id])
            except VKError as exc:
                log.warning("users.get failed for %s: %s", user_id, exc)
                return
            async with self._sessionmaker.begin() as session:
                await users.remember(session, found)
            name = next((user.first_name for user in found if user.id == user_id), None)
        if name:
            self._known[user_id] = name
            if len(self._known) > self._keep:
                self._known.popitem(last=False)

    def first_name(self, user_id: int) -> str:
        """The cached name (call ``ensure`` first, outside the transaction)."""
        return self._known.get(user_id) or fallback_name(user_id)
