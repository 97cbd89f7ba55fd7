"""Questions as the game needs them: a deck for a new game."""

from __future__ import annotations

from sqlalchemy import Row, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import GameRound, GameRow
from app.db.models import Question as QuestionRow
from app.game.model import Question


async def pick_deck(session: AsyncSession, peer_id: int, size: int) -> tuple[Question, ...]:
    """``size`` questions for a chat: never-played ones first (random), then the stalest."""
    last_played = (
        select(GameRound.question_id, func.max(GameRound.started_at).label("last"))
        .join(GameRow, GameRow.id == GameRound.game_id)
        .where(GameRow.peer_id == peer_id, GameRound.question_id.is_not(None))
        .group_by(GameRound.question_id)
        .subquery()
    )
    rows = await session.execute(
        select(*GAME_COLUMNS)
        .outerjoin(last_played, last_played.c.question_id == QuestionRow.id)
        .order_by(last_played.c.last.asc().nulls_first(), func.random())
        .limit(size)
    )
    return tuple(to_game_question(row) for row in rows)


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
)


def to_game_question(row: Row[int, str, str, list[str], str | None]) -> Question:
    return Question(
        id=row.id,
        text=row.text,
        answer=row.answer,
        alternatives=tuple(row.alternatives or ()),
        comment=row.comment,
    )
