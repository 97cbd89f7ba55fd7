"""Statistics for the admin API: the players' leaderboard, the overview numbers, the games per
day and the hardest questions.

Definitions (also in the README):

- a game is *played* once it left the lobby (``started_at`` is set);
- wins, losses and draws count *finished* games only (all rounds played): a game stopped
  early is cut short, and counting a 1 : 0 after one round as a win would skew the table;
- a closed game (a lobby nobody joined) counts nowhere but in ``games_by_status``;
- per day, a game counts on the UTC day it began (``started_at``), its result too;
- a question's rounds are the rounds played with it (every game's, as long as the question
  exists: a deleted one's rounds keep only their snapshot and are left out); *wrong* is every
  round not judged right, unanswered ones included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Integer, String, func, select, text
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


# One row per day of the window, oldest first; days without games have zeros. The bounds are
# UTC midnights, so the index on started_at serves the join.
_DAILY = text(
    """
    SELECT d.day,
           count(g.id) AS games,
           count(g.id) FILTER (WHERE g.status = 'finished' AND g.score_team > g.score_bot),
           count(g.id) FILTER (WHERE g.status = 'finished' AND g.score_team < g.score_bot),
           count(g.id) FILTER (WHERE g.status = 'finished' AND g.score_team = g.score_bot)
    FROM (SELECT CAST(:first AS date) + n AS day FROM generate_series(0, :days - 1) AS n) AS d
    LEFT JOIN games g
      ON g.started_at >= (d.day::timestamp AT TIME ZONE 'UTC')
     AND g.started_at < ((d.day + 1)::timestamp AT TIME ZONE 'UTC')
    GROUP BY d.day
    ORDER BY d.day
    """
)


async def daily(session: AsyncSession, *, days: int, today: date) -> list[dict[str, Any]]:
    """Games played and their results on each of the ``days`` UTC days up to ``today``."""
    first = today - timedelta(days=days - 1)
    rows = await session.execute(_DAILY, {"first": first, "days": days})
    return [
        {"date": day, "games": games, "team_wins": won, "bot_wins": lost, "draws": drawn}
        for day, games, won, lost, drawn in rows
    ]


_HARDEST = text(
    """
    SELECT q.id, q.text, q.answer, count(*) AS played,
           count(*) FILTER (WHERE NOT r.correct) AS wrong
    FROM game_rounds r
    JOIN questions q ON q.id = r.question_id
    GROUP BY q.id
    HAVING count(*) >= :min_played
    ORDER BY count(*) FILTER (WHERE NOT r.correct)::float8 / count(*) DESC, count(*) DESC, q.id
    LIMIT :limit
    """
)


async def hardest_questions(
    session: AsyncSession, *, limit: int, min_played: int
) -> list[dict[str, Any]]:
    """Questions by the share of their rounds not answered right, then by rounds played."""
    rows = await session.execute(_HARDEST, {"limit": limit, "min_played": min_played})
    return [
        {
            "question_id": question_id,
            "text": question_text,
            "answer": answer,
            "played": played,
            "wrong": wrong,
            "wrong_rate": round(wrong / played, 4),
        }
        for question_id, question_text, answer, played, wrong in rows
    ]
