"""Games as the admin API shows them: a filtered list and one game with players and rounds.

Everything is read from the queryable mirror the bot writes with each state
(``games``, ``game_players``, ``game_rounds``); rounds carry their own snapshot of the question,
so a game reads the same after its questions were edited or deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Appeal, GamePlayer, GameRound, GameRow, VKUserName


@dataclass(frozen=True)
class GameRecord:
    id: int
    peer_id: int
    status: str
    phase: str
    round: int
    rounds_total: int
    score_team: int
    score_bot: int
    captain_id: int | None
    players_count: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime
    deadline: datetime | None  # when the running phase's timer fires; None once it is over


@dataclass(frozen=True)
class PlayerRecord:
    user_id: int
    name: str
    full_name: str | None
    position: int
    is_captain: bool


@dataclass(frozen=True)
class RoundRecord:
    number: int
    question_id: int | None
    question_text: str
    correct_answer: str
    answerer_id: int | None
    answerer_name: str | None
    answer_text: str | None
    correct: bool
    reason: str | None
    started_at: datetime
    answered_at: datetime | None
    appeal_id: int | None = None
    appeal: str | None = None  # the appeal's status: pending, accepted, rejected


def _select_games() -> Select[Any]:
    players = (
        select(func.count())
        .where(GamePlayer.game_id == GameRow.id)
        .correlate(GameRow)
        .scalar_subquery()
    )
    return select(
        GameRow.id,
        GameRow.peer_id,
        GameRow.status,
        GameRow.phase,
        GameRow.round,
        GameRow.rounds_total,
        GameRow.score_team,
        GameRow.score_bot,
        GameRow.captain_id,
        players.label("players_count"),
        GameRow.created_at,
        GameRow.started_at,
        GameRow.finished_at,
        GameRow.updated_at,
        GameRow.state["deadline"].astext.label("deadline"),
    )


def _deadline(raw: str | None) -> datetime | None:
    """The stored state's deadline (ISO, as the bot writes it); None if unset or unreadable."""
    try:
        value = datetime.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def _game(row: Row[Any]) -> GameRecord:
    values = row._asdict()
    # Only a game under way has a phase whose timer is still to fire.
    active = values["status"] == "active"
    values["deadline"] = _deadline(values["deadline"]) if active else None
    return GameRecord(**values)


async def page(
    session: AsyncSession,
    *,
    peer_id: int | None,
    status: str | None,
    limit: int,
    offset: int,
) -> tuple[list[GameRecord], int]:
    """Games, newest first, optionally of one chat and/or in one status."""
    conditions: list[ColumnElement[bool]] = []
    if peer_id is not None:
        conditions.append(GameRow.peer_id == peer_id)
    if status is not None:
        conditions.append(GameRow.status == status)
    total = await session.scalar(select(func.count()).select_from(GameRow).where(*conditions))
    rows = await session.execute(
        _select_games().where(*conditions).order_by(GameRow.id.desc()).limit(limit).offset(offset)
    )
    return [_game(row) for row in rows], int(total or 0)


async def get(session: AsyncSession, game_id: int) -> GameRecord | None:
    row = (await session.execute(_select_games().where(GameRow.id == game_id))).one_or_none()
    return _game(row) if row else None


async def players(session: AsyncSession, game_id: int) -> list[PlayerRecord]:
    # NULL (not "") when users.get never told us the name.
    full_name = func.nullif(func.concat_ws(" ", VKUserName.first_name, VKUserName.last_name), "")
    rows = await session.execute(
        select(
            GamePlayer.user_id,
            GamePlayer.name,
            full_name,
            GamePlayer.position,
            GamePlayer.is_captain,
        )
        .outerjoin(VKUserName, VKUserName.user_id == GamePlayer.user_id)
        .where(GamePlayer.game_id == game_id)
        .order_by(GamePlayer.position, GamePlayer.user_id)
    )
    return [PlayerRecord(*row) for row in rows]


async def rounds(session: AsyncSession, game_id: int) -> list[RoundRecord]:
    rows = await session.execute(
        select(
            GameRound.number,
            GameRound.question_id,
            GameRound.question_text,
            GameRound.correct_answer,
            GameRound.answerer_id,
            GamePlayer.name.label("answerer_name"),
            GameRound.answer_text,
            GameRound.correct,
            GameRound.reason,
            GameRound.started_at,
            GameRound.answered_at,
            Appeal.id.label("appeal_id"),
            Appeal.status.label("appeal"),
        )
        .outerjoin(
            GamePlayer,
            (GamePlayer.game_id == GameRound.game_id)
            & (GamePlayer.user_id == GameRound.answerer_id),
        )
        .outerjoin(
            Appeal, (Appeal.game_id == GameRound.game_id) & (Appeal.round == GameRound.number)
        )
        .where(GameRound.game_id == game_id)
        .order_by(GameRound.number)
    )
    return [RoundRecord(**row._asdict()) for row in rows]
