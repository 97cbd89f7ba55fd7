"""Statistics for the admin API: the players' leaderboard and the overview numbers.

Definitions (also in the README):

- a game is *played* once it left the lobby (``started_at`` is set);
- wins, losses and draws count *finished* games only (all rounds played): a game stopped
  early is cut short, and counting a 1 : 0 after one round as a win would skew the table;
- a closed game (a lobby nobody joined) counts nowhere but in ``games_by_status``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, String, func, select
from sqlalchemy.dialects.postgresql import ARRAY, aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Chat, GamePlayer, GameRound, GameRow, Question, VKUserName

GAME_STATUSES = ("active", "finished", "stopped", "closed")


@dataclass(frozen=True)
class PlayerStats:
    user_id: int
    name: str
    games: int
    finished_games: int
    wins: int
    answers: int
    correct: int

    @property
    def win_rate(self) -> float | None:
        return round(self.wins / self.finished_games, 4) if self.finished_games else None


async def leaderboard(
    session: AsyncSession, *, limit: int, offset: int
) -> tuple[list[PlayerStats], int]:
    """Players sorted by correct answers (then answers, games, id), and how many there are."""
    finished = GameRow.status == "finished"
    team_won = finished & (GameRow.score_team > GameRow.score_bot)
    per_player = (
        select(
            GamePlayer.user_id.label("user_id"),
            func.count().label("games"),
            func.count().filter(finished).label("finished_games"),
            func.count().filter(team_won).label("wins"),
            # The name the player had in their latest game: the fallback when VK never told us.
            func.array_agg(
                aggregate_order_by(GamePlayer.name, GamePlayer.game_id.desc()),
                type_=ARRAY(String),
            )[1].label("game_name"),
        )
        .join(GameRow, GameRow.id == GamePlayer.game_id)
        .where(GameRow.started_at.is_not(None))
        .group_by(GamePlayer.user_id)
        .subquery()
    )
    answers = (
        select(
            GameRound.answerer_id.label("user_id"),
            func.count().label("answers"),
            func.count().filter(GameRound.correct).label("correct"),
        )
        .where(GameRound.answerer_id.is_not(None))
        .group_by(GameRound.answerer_id)
        .subquery()
    )
    vk_name = func.nullif(func.concat_ws(" ", VKUserName.first_name, VKUserName.last_name), "")
    answered = func.coalesce(answers.c.answers, 0).cast(Integer)
    correct = func.coalesce(answers.c.correct, 0).cast(Integer)
    total = await session.scalar(select(func.count()).select_from(per_player))
    rows = await session.execute(
        select(
            per_player.c.user_id,
            func.coalesce(vk_name, per_player.c.game_name),
            per_player.c.games,
            per_player.c.finished_games,
            per_player.c.wins,
            answered,
            correct,
        )
        .outerjoin(answers, answers.c.user_id == per_player.c.user_id)
        .outerjoin(VKUserName, VKUserName.user_id == per_player.c.user_id)
        .order_by(correct.desc(), answered.desc(), per_player.c.games.desc(), per_player.c.user_id)
        .limit(limit)
        .offset(offset)
    )
    return [PlayerStats(*row) for row in rows], int(total or 0)


async def overview(session: AsyncSession) -> dict[str, Any]:
    finished = GameRow.status == "finished"
    games = (
        await session.execute(
            select(
                func.count().filter(GameRow.started_at.is_not(None)),
                *(func.count().filter(GameRow.status == status) for status in GAME_STATUSES),
                func.count().filter(finished & (GameRow.score_team > GameRow.score_bot)),
                func.count().filter(finished & (GameRow.score_team < GameRow.score_bot)),
                func.count().filter(finished & (GameRow.score_team == GameRow.score_bot)),
            )
        )
    ).one()
    played, *by_status = games[: 1 + len(GAME_STATUSES)]
    team_wins, bot_wins, draws = games[1 + len(GAME_STATUSES) :]
    chats = await session.scalar(select(func.count()).select_from(Chat))
    questions = await session.scalar(select(func.count()).select_from(Question))
    players = await session.scalar(select(func.count(func.distinct(GamePlayer.user_id))))
    return {
        "chats": int(chats or 0),
        "games": int(played),
        "active_games": int(by_status[0]),
        "games_by_status": dict(zip(GAME_STATUSES, map(int, by_status), strict=True)),
        "questions": int(questions or 0),
        "players": int(players or 0),
        "team_wins": int(team_wins),
        "bot_wins": int(bot_wins),
        "draws": int(draws),
    }
