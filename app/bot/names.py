"""Player names from users.get, cached in Postgres so VK is asked once per player.

The VK call happens before the update's transaction opens (``ensure``), never inside it: a
transaction must not hold a database connection while it waits for VK and its rate budget.
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.repositories import users
from app.vk.client import VKClient
from app.vk.errors import VKError

log = logging.getLogger(__name__)


def fallback_name(user_id: int) -> str:
    return f"Игрок {user_id}"


class NameResolver:
    def __init__(self, vk: VKClient, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._vk = vk
        self._sessionmaker = sessionmaker

    async def ensure(self, user_id: int) -> None:
        """Make sure the name is cached; on a VK failure the game uses a placeholder."""
        async with self._sessionmaker() as session:
            if await users.first_name(session, user_id):
                return
        try:
            found = await self._vk.get_users([user_id])
        except VKError as exc:
            log.warning("users.get failed for %s: %s", user_id, exc)
            return
        async with self._sessionmaker.begin() as session:
            await users.remember(session, found)

    async def first_name(self, session: AsyncSession, user_id: int) -> str:
        """The cached name (call ``ensure`` first, outside the transaction)."""
        return await users.first_name(session, user_id) or fallback_name(user_id)
