"""Questions as a game keeps them (its snapshot); the bot picks a deck in ``decks``."""

from __future__ import annotations

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Question as QuestionRow
from app.game.model import Question


async def all_for_games(session: AsyncSession) -> list[Question]:
    """Every question as a game uses it (the benchmarks build thousands of games from them)."""
    return [to_game_question(row) for row in await session.execute(select(*GAME_COLUMNS))]


# What a game keeps of a question: its snapshot in the game's state.
GAME_COLUMNS = (
    QuestionRow.id,
    QuestionRow.text,
    QuestionRow.answer,
    QuestionRow.alternatives,
    QuestionRow.comment,
    QuestionRow.rejected,
)


def to_game_question(row: Row[int, str, str, list[str], str | None, list[str]]) -> Question:
    return Question(
        id=row.id,
        text=row.text,
        answer=row.answer,
        alternatives=tuple(row.alternatives or ()),
        comment=row.comment,
        rejected=tuple(row.rejected or ()),
    )
