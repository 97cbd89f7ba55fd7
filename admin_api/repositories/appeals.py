"""Appeals for the admin API: a filtered list with the question, and the atomic decision."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

STATUSES = ("pending", "accepted", "rejected")

_SELECT = """
SELECT a.id, a.game_id, a.peer_id, a.round, a.question_id,
       coalesce(q.text, r.question_text) AS question_text,
       coalesce(q.answer, r.correct_answer) AS correct_answer,
       a.answer_text, a.filed_by, a.status, a.created_at, a.decided_at, a.decided_by,
       a.decided_via, a.applied_at IS NOT NULL AS applied
FROM appeals a
LEFT JOIN questions q ON q.id = a.question_id
LEFT JOIN game_rounds r ON r.game_id = a.game_id AND r.number = a.round
"""


async def page(
    session: AsyncSession, status: str | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """Appeals, pending first-come first (then the others newest first), and their count."""
    where = "WHERE a.status = :status" if status else ""
    order = "ORDER BY a.id" if status == "pending" else "ORDER BY a.id DESC"
    rows = await session.execute(
        text(f"{_SELECT} {where} {order} LIMIT :limit OFFSET :offset"),
        {"status": status, "limit": limit, "offset": offset},
    )
    count = text("SELECT count(*) FROM appeals a " + where)  # noqa: S608 - a fixed filter
    total = await session.scalar(count, {"status": status})
    return [dict(row._mapping) for row in rows], int(total or 0)


async def get(session: AsyncSession, appeal_id: int) -> dict[str, Any] | None:
    row = (
        await session.execute(text(f"{_SELECT} WHERE a.id = :id"), {"id": appeal_id})
    ).one_or_none()
    return dict(row._mapping) if row is not None else None


async def decide(session: AsyncSession, appeal_id: int, accepted: bool, admin_id: int) -> bool:
    """Decide a pending appeal; False when it is not pending (decided first by someone else:
    a conversation admin in the chat or another admin). The bot applies it afterwards."""
    decided = await session.scalar(
        text(
            "UPDATE appeals SET status = :status, decided_at = now(), decided_by = :admin, "
            "decided_via = 'api' WHERE id = :id AND status = 'pending' RETURNING id"
        ),
        {"id": appeal_id, "status": "accepted" if accepted else "rejected", "admin": admin_id},
    )
    return decided is not None
