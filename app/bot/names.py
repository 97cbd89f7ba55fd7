"""Player names from users.get, cached in Postgres so VK is asked once per player."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from app.repositories import users
from app.vk.client import VKClient
from app.vk.errors import VKError

log = logging.getLogger(__name__)


def fallback_name(user_id: int) -> str:
    return f"Игрок {user_id}"


class NameResolver:
    def __init__(self, vk: VKClient) -> None:
        self._vk = vk

    async def first_name(self, session: AsyncSession, user_id: int) -> str:
        cached = await users.first_name(session, user_id)
        if cached:
            return cached
        try:
            found = await self._vk.get_users([user_id])
        except VKError as exc:
            # A name is cosmetic: play on with a placeholder, and ask again next time.
            log.warning("users.get failed for %s: %s", user_id, exc)
            return fallback_name(user_id)
        await users.remember(session, found)
        return found[0].first_name if found and found[0].first_name else fallback_name(user_id)
