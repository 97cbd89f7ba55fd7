"""Chats as the admin API shows them, and their per-chat game settings overrides.

A game counts as *played* once it left the lobby (``started_at`` is set): a lobby that was
stopped or closed before anyone began is not a game anyone played.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, cast, func, literal, select, update
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import Text

from app.db.models import Chat, GameRow


@dataclass(frozen=True)
class ChatRecord:
    peer_id: int
    title: str | None
    status: str
    active_game_id: int | None
    games_played: int
    created_at: datetime
    last_activity_at: datetime
    settings: dict[str, Any]


def _select_chats() -> Select[Any]:
    played = (
        select(func.count())
        .where(GameRow.peer_id == Chat.peer_id, GameRow.started_at.is_not(None))
        .correlate(Chat)
        .scalar_subquery()
    )
    return select(
        Chat.peer_id,
        Chat.title,
        Chat.status,
        Chat.active_game_id,
        played.label("games_played"),
        Chat.created_at,
        Chat.last_activity_at,
        Chat.settings,
    )


async def page(session: AsyncSession, *, limit: int, offset: int) -> tuple[list[ChatRecord], int]:
    """Chats, most recently active first, and how many there are."""
    total = await session.scalar(select(func.count()).select_from(Chat))
    rows = await session.execute(
        _select_chats()
        .order_by(Chat.last_activity_at.desc(), Chat.peer_id)
        .limit(limit)
        .offset(offset)
    )
    return [ChatRecord(*row) for row in rows], int(total or 0)


async def get(session: AsyncSession, peer_id: int) -> ChatRecord | None:
    row = (await session.execute(_select_chats().where(Chat.peer_id == peer_id))).one_or_none()
    return ChatRecord(*row) if row else None


async def patch_settings(
    session: AsyncSession, peer_id: int, set_values: dict[str, int | str], remove: list[str]
) -> bool:
    """Merge overrides in one statement (no lost update against the bot); False: no chat."""
    merged = Chat.settings.op("||")(cast(literal(set_values, JSONB), JSONB))
    trimmed = merged.op("-")(cast(literal(remove, ARRAY(Text)), ARRAY(Text)))
    result = await session.execute(
        update(Chat).where(Chat.peer_id == peer_id).values(settings=trimmed).returning(Chat.peer_id)
    )
    return result.scalar_one_or_none() is not None
