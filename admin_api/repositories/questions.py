"""The question base as the admin API edits it: search, CRUD, bulk import and export.

Games keep their own snapshot of every question they use and ``game_rounds.question_id`` is
``ON DELETE SET NULL``, so editing or deleting a question here never rewrites history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Question, QuestionImage


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
    sources: list[str]
    authors: list[str]
    handout: dict[str, Any] | None  # {"text": str | None, "image": bool}, None without one
    pack_id: int | None
    tour: int | None
    number: int | None
    tags: list[str]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class QuestionPicture:
    name: str  # as the pack named it
    content_type: str
    data: bytes


_HAS_IMAGE = exists().where(QuestionImage.question_id == Question.id).label("image")
# The export format: every field of the JSON but the id and the timestamps, in its order.
_EXPORTED = (
    Question.text,
    Question.answer,
    Question.alternatives,
    Question.rejected,
    Question.comment,
    Question.author,
    Question.source,
    Question.sources,
    Question.authors,
    Question.handout_text,
    _HAS_IMAGE,
    Question.pack_id,
    Question.tour,
    Question.number,
    Question.tags,
)
_COLUMNS = (Question.id, *_EXPORTED, Question.created_at, Question.updated_at)


def _fields(values: dict[str, Any]) -> dict[str, Any]:
    """A row as the API's fields: the text handout and the picture flag become ``handout``."""
    text, image = values.pop("handout_text"), values.pop("image")
    values["handout"] = {"text": text, "image": image} if text is not None or image else None
    return values


def _record(values: dict[str, Any]) -> QuestionRecord:
    return QuestionRecord(**_fields(values))


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
    return [_record(row._asdict()) for row in rows], int(total or 0)


async def get(session: AsyncSession, question_id: int) -> QuestionRecord | None:
    row = (await session.execute(select(*_COLUMNS).where(Question.id == question_id))).one_or_none()
    return _record(row._asdict()) if row else None


async def create(session: AsyncSession, values: Mapping[str, Any]) -> QuestionRecord:
    question_id = await session.scalar(insert(Question).values(**values).returning(Question.id))
    created = await get(session, int(question_id or 0))
    assert created is not None
    return created


async def update_fields(
    session: AsyncSession, question_id: int, values: Mapping[str, Any]
) -> QuestionRecord | None:
    """Change the given columns; None if there is no such question."""
    if values:
        await session.execute(
            update(Question)
            .where(Question.id == question_id)
            .values(**values, updated_at=func.now())
        )
    return await get(session, question_id)


async def remove(session: AsyncSession, question_id: int) -> bool:
    result = await session.execute(
        delete(Question).where(Question.id == question_id).returning(Question.id)
    )
    return result.scalar_one_or_none() is not None


async def insert_many(session: AsyncSession, items: Sequence[Mapping[str, Any]]) -> list[int]:
    """Insert every item in the caller's transaction (all or nothing); ids in input order."""
    if not items:
        return []
    # One statement for all: every row names the same columns (an absent optional one is null).
    names = {name for item in items for name in item}
    rows = [{name: item.get(name) for name in names} for item in items]
    result = await session.execute(
        insert(Question).returning(Question.id, sort_by_parameter_order=True), rows
    )
    return [int(question_id) for question_id in result.scalars()]


async def export_all(session: AsyncSession) -> list[dict[str, Any]]:
    """Every question in the import format, oldest first."""
    rows = await session.execute(select(*_EXPORTED).order_by(Question.id))
    return [_fields(row._asdict()) for row in rows]


async def picture(session: AsyncSession, question_id: int) -> tuple[bool, QuestionPicture | None]:
    """Whether the question exists, and its picture if it has one."""
    row = (
        await session.execute(
            select(QuestionImage.name, QuestionImage.content_type, QuestionImage.data)
            .select_from(Question)
            .outerjoin(QuestionImage, QuestionImage.question_id == Question.id)
            .where(Question.id == question_id)
        )
    ).one_or_none()
    if row is None:
        return False, None
    return True, QuestionPicture(*row) if row.data is not None else None


async def _touch(session: AsyncSession, question_id: int) -> bool:
    """Mark the question edited (its picture is part of it); False if there is no such one.
    The row stays locked to the end of the transaction, so a delete cannot slip in between."""
    result = await session.execute(
        update(Question)
        .where(Question.id == question_id)
        .values(updated_at=func.now())
        .returning(Question.id)
    )
    return result.scalar_one_or_none() is not None


async def set_picture(session: AsyncSession, question_id: int, picture: QuestionPicture) -> bool:
    """Store or replace the question's picture; False if there is no such question.

    A replaced picture's ``vk_attachment`` is cleared: it names the old picture on VK's side,
    and without it the bot uploads the new one the next time it asks the question.
    """
    if not await _touch(session, question_id):
        return False
    values = {"name": picture.name, "content_type": picture.content_type, "data": picture.data}
    await session.execute(
        pg_insert(QuestionImage)
        .values(question_id=question_id, **values, vk_attachment=None)
        .on_conflict_do_update(
            index_elements=[QuestionImage.question_id], set_={**values, "vk_attachment": None}
        )
    )
    return True


async def drop_picture(session: AsyncSession, question_id: int) -> tuple[bool, bool]:
    """Whether the question exists, and whether it had a picture (now removed)."""
    if not await _touch(session, question_id):
        return False, False
    result = await session.execute(
        delete(QuestionImage)
        .where(QuestionImage.question_id == question_id)
        .returning(QuestionImage.question_id)
    )
    return True, result.scalar_one_or_none() is not None
