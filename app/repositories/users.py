"""Cached VK user names."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import VKUserName
from app.vk.client import VKUser


async def first_name(session: AsyncSession, user_id: int) -> str | None:
    return await session.scalar(select(VKUserName.first_name).where(VKUserName.user_id == user_id))


async def remember(session: AsyncSession, users: Iterable[VKUser]) -> None:
    rows = [
        {"user_id": user.id, "first_name": user.first_name, "last_name": user.last_name}
        for user in users
    ]
    if not rows:
        return
    stmt = insert(VKUserName).values(rows)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[VKUserName.user_id],
            set_={
                "first_name": stmt.excluded.first_name,
                "last_name": stmt.excluded.last_name,
                "updated_at": func.now(),
            },
        )
    )
