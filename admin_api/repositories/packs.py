"""Imported packs for the admin API: summaries, a pack's questions in order, edits.

Importing itself is :func:`app.packs.store.import_pack` (shared with the CLI)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

_SUMMARY = """
SELECT p.id, p.title, p.editors, p.played_at AS date, count(DISTINCT q.tour) AS tours,
       count(q.id) AS questions, count(i.question_id) AS pictures, p.enabled
FROM packs p LEFT JOIN questions q ON q.pack_id = p.id
     LEFT JOIN question_images i ON i.question_id = q.id
{where}
GROUP BY p.id
ORDER BY p.id
"""


async def page(session: AsyncSession, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    rows = await session.execute(
        text(_SUMMARY.format(where="") + " LIMIT :limit OFFSET :offset"),
        {"limit": limit, "offset": offset},
    )
    total = await session.scalar(text("SELECT count(*) FROM packs"))
    return [dict(row._mapping) for row in rows], int(total or 0)


async def summary(session: AsyncSession, pack_id: int) -> dict[str, Any] | None:
    row = (
        await session.execute(text(_SUMMARY.format(where="WHERE p.id = :id")), {"id": pack_id})
    ).one_or_none()
    return dict(row._mapping) if row is not None else None


async def questions(session: AsyncSession, pack_id: int) -> list[dict[str, Any]]:
    rows = await session.execute(
        text(
            "SELECT q.id, q.tour, q.number, q.text, q.answer, q.alternatives, q.rejected, "
            "q.comment, q.sources, q.authors, q.handout_text, i.question_id IS NOT NULL AS image "
            "FROM questions q LEFT JOIN question_images i ON i.question_id = q.id "
            "WHERE q.pack_id = :id ORDER BY q.tour, q.number, q.id"
        ),
        {"id": pack_id},
    )
    found = []
    for row in rows:
        item = dict(row._mapping)
        handout_text, image = item.pop("handout_text"), item.pop("image")
        has_handout = handout_text is not None or image
        item["handout"] = {"text": handout_text, "image": image} if has_handout else None
        found.append(item)
    return found


async def update(session: AsyncSession, pack_id: int, changes: dict[str, Any]) -> bool:
    """Change the given fields (enabled, title); False when there is no such pack."""
    values: dict[str, Any] = {
        name: changes[name] for name in ("enabled", "title") if name in changes
    }
    sets = "".join(f"{name} = :{name}, " for name in values) + "updated_at = now()"
    updated = await session.scalar(
        text(f"UPDATE packs SET {sets} WHERE id = :id RETURNING id"),  # noqa: S608 - fixed names
        {**values, "id": pack_id},
    )
    return updated is not None


async def remove(session: AsyncSession, pack_id: int) -> bool:
    """Delete the pack and its questions (past games keep their rounds' copies); chats that
    played it go back to random questions rather than keep a dangling ``pack_id``."""
    deleted = await session.scalar(
        text("DELETE FROM packs WHERE id = :id RETURNING id"), {"id": pack_id}
    )
    if deleted is None:
        return False
    await session.execute(
        text(
            "UPDATE chats SET settings = settings - 'pack_id' "
            "WHERE settings -> 'pack_id' = to_jsonb(CAST(:id AS integer))"
        ),
        {"id": pack_id},
    )
    return True


async def by_digest(session: AsyncSession, digest: str) -> int | None:
    """The pack imported from the file with this digest, if any."""
    found = await session.scalar(text("SELECT id FROM packs WHERE digest = :d"), {"d": digest})
    return int(found) if found is not None else None


async def enabled(session: AsyncSession, pack_id: int) -> bool | None:
    """Whether the pack is enabled; None when there is no such pack."""
    found = await session.scalar(text("SELECT enabled FROM packs WHERE id = :id"), {"id": pack_id})
    return bool(found) if found is not None else None
