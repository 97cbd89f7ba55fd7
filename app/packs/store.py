"""Import a parsed pack into the question base: the pack, its questions in order, their
pictures, in one transaction (a failure leaves nothing behind), never the same file twice."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Pack as PackRow
from app.db.models import Question as QuestionRow
from app.db.models import QuestionImage
from app.packs import Loaded
from app.packs.loader import picture_type


@dataclass(frozen=True)
class Imported:
    pack_id: int
    title: str
    tours: int
    questions: int
    pictures: int

    def describe(self) -> str:
        return (
            f"pack #{self.pack_id} «{self.title}»: {self.tours} tours, "
            f"{self.questions} questions, {self.pictures} pictures"
        )


class DuplicatePack(Exception):
    """This very file was imported before (as ``pack_id``)."""

    def __init__(self, pack_id: int) -> None:
        super().__init__(f"already imported as pack #{pack_id}")
        self.pack_id = pack_id


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def import_pack(session: AsyncSession, loaded: Loaded, digest: str) -> Imported:
    """Write the pack in the caller's transaction; :class:`DuplicatePack` if already there."""
    existing = await session.scalar(select(PackRow.id).where(PackRow.digest == digest))
    if existing is not None:
        raise DuplicatePack(existing)
    pack = loaded.pack
    pack_id = await session.scalar(
        insert(PackRow)
        .values(
            title=pack.title[:500],
            editors=list(pack.editors),
            played_at=pack.date[:100] if pack.date else None,
            info=pack.info,
            digest=digest,
        )
        .returning(PackRow.id)
    )
    assert pack_id is not None
    pictures = 0
    for question in pack.questions:
        handout = question.handout
        question_id = await session.scalar(
            insert(QuestionRow)
            .values(
                text=question.text,
                answer=question.answer,
                alternatives=list(question.accepted),
                rejected=list(question.rejected),
                comment=question.comment,
                author=", ".join(question.authors)[:200] or None,
                source=question.sources[0][:500] if question.sources else None,
                tags=[],
                pack_id=pack_id,
                tour=question.tour,
                number=question.number,
                sources=list(question.sources),
                authors=list(question.authors),
                handout_text=handout.text if handout else None,
            )
            .returning(QuestionRow.id)
        )
        if handout is not None and handout.image is not None:
            data = loaded.images.get(handout.image)
            if data is not None:
                await session.execute(
                    insert(QuestionImage).values(
                        question_id=question_id,
                        name=handout.image[:255],
                        content_type=picture_type(data) or "application/octet-stream",
                        data=data,
                    )
                )
                pictures += 1
    return Imported(pack_id, pack.title, len(pack.tours), len(pack.questions), pictures)
