"""Chats: the row lock that serialises a chat's events, per-chat settings, activity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Chat


@dataclass(frozen=True)
class ChatRow:
    peer_id: int
    active_game_id: int | None
    settings: dict[str, Any]
    status: str


async def lock(session: AsyncSession, peer_id: int) -> ChatRow:
    """Create the chat if new, then lock its row until the transaction ends.

    Every event of a chat passes here first, so two processes (or a timer and an update)
    never apply events of the same chat at the same time.
    """
    # One statement: an upsert locks the row it inserts or updates until the transaction
    # ends, and records the chat's activity on the way.
    stmt = (
        insert(Chat)
        .values(peer_id=peer_id)
        .on_conflict_do_update(index_elements=[Chat.peer_id], set_={"last_activity_at": func.now()})
        .returning(Chat.peer_id, Chat.active_game_id, Chat.settings, Chat.status)
    )
    return ChatRow(*(await session.execute(stmt)).one())


async def set_active_game(session: AsyncSession, peer_id: int, game_id: int | None) -> None:
    await session.execute(
        update(Chat)
        .where(Chat.peer_id == peer_id)
        .values(active_game_id=game_id, last_activity_at=func.now())
    )


async def set_status(session: AsyncSession, peer_id: int, status: str) -> None:
    """``active``, or ``unavailable`` once VK says the bot can no longer write there."""
    await session.execute(update(Chat).where(Chat.peer_id == peer_id).values(status=status))
