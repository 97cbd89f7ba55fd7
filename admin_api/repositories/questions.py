"""The question base as the admin API edits it: search, CRUD, bulk import and export.

Games keep their own snapshot of every question they use and ``game_rounds.question_id`` is
``ON DELETE SET NULL``, so editing or deleting a question here never rewrites history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Question

# The columns an admin writes; the order is the import/export format's.
EDITABLE = ("text", "answer", "alternatives", "rejected", "comment", "author", "source", "tags")


@dataclass(frozen=True)
class QuestionRecord:
    id: int
    text: str
    answer: str
    alternatives: list[str]
    rejected: list[str]
    comment: str | None
    author: str | None
    source: str | None
    tags: list[str]
    created_at: datetime
    updated_at: datetime


_COLUMNS = (
    Question.id,
    Question.text,
    Question.answer,
    Question.alternatives,
    Question.rejected,
    Question.comment,
    Question.author,
    Question.source,
    Question.tags,
    Question.created_at,
    Question.updated_at,
)


def _like_pattern(needle: str) -> str:
    """``%needle%`` with the LIKE wildcards in the needle taken literally."""
    escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filters(q: str | None, tag: str | None, author: str | None) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if q:
        pattern = _like_pattern(q)
        conditions.append(
            Question.text.ilike(pattern, escape="\\") | Question.answer.ilike(pattern, escape="\\")
        )
    if tag:
        conditions.append(Question.tags.contains([tag]))
    if author:
        conditions.append(func.lower(Question.author) == author.lower())
    return conditions


async def search(
    session: AsyncSession,
    *,
    q: str | None,
    tag: str | None,
    author: str | None,
    limit: int,
    offset: int,
) -> tuple[list[QuestionRecord], int]:
    """One page of matching questions (oldest first) and how many match in total."""
    conditions = _filters(q, tag, author)
    total = await session.scalar(select(func.count()).select_from(Question).where(*conditions))
    rows = await session.execute(
        select(*_COLUMNS).where(*conditions).order_by(Question.id).limit(limit).offset(offset)
    )
    return [QuestionRecord(**row._asdict()) for row in rows], int(total or 0)


async def get(session: AsyncSession, question_id: int) -> QuestionRecord | None:
    row = (await session.execute(select(*_COLUMNS).where(Question.id == question_id))).one_or_none()
    return QuestionRecord(**row._asdict()) if row else None


async def create(session: AsyncSession, values: Mapping[str, Any]) -> QuestionRecord:
    row = (await session.execute(insert(Question).values(**values).returning(*_COLUMNS))).one()
    return QuestionRecord(**row._asdict())


async def update_fields(
    session: AsyncSession, question_id: int, values: Mapping[str, Any]
) -> QuestionRecord | None:
    """Change the given columns; None if there is no such question."""
    if not values:
        return await get(session, question_id)
    row = (
        await session.execute(
            update(Question)
            .where(Question.id == question_id)
            .values(**values, updated_at=func.now())
            .returning(*_COLUMNS)
        )
    ).one_or_none()
    return QuestionRecord(**row._asdict()) if row else None


async def remove(session: AsyncSession, question_id: int) -> bool:
    result = await session.execute(
        delete(Question).where(Question.id == question_id).returning(Question.id)
    )
    return result.scalar_one_or_none() is not None


async def insert_many(session: AsyncSession, items: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert every item in the caller's transaction (all or nothing); ids in input order."""
    if not items:
        return []
    result = await session.execute(
        insert(Question).returning(Question.id, sort_by_parameter_order=True),
        [dict(item) for item in items],
    )
    return [int(question_id) for question_id in result.scalars()]


async def export_all(session: AsyncSession) -> list[dict[str, Any]]:
    """Every question in the import format, oldest first."""
    columns = [getattr(Question, name) for name in EDITABLE]
    rows = await session.execute(select(*columns).order_by(Question.id))
    return [dict(zip(EDITABLE, row, strict=True)) for row in rows]
