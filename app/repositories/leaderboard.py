"""A chat's leaderboard: its players ranked by correct answers, and the team's record against
the bot. Read from the game mirror tables (``games``, ``game_players``, ``game_rounds``).

Definitions (as in the admin API's statistics, :mod:`admin_api.repositories.stats`):

- a game is *played* once it left the lobby (``started_at`` set); a game under way counts
  as far as it went (the rounds judged so far);
- a player's ``games`` are the chat's played games they joined; ``answers`` the rounds of
  those games they answered, ``correct`` the ones judged right;
- ``rank`` is by correct answers alone: equal ``correct`` share a rank, and the next rank
  skips as many ("1, 2, 2, 4"); inside a tie the list goes by answers, then games (more
  first, as ``/api/stats/players`` does), then user id;
- a player's name is their VK name (``vk_users``), else the one they had in their latest game;
- won, lost and drawn count *finished* games only (every round played): a stopped game was
  cut short;
- the streak is the run of equal results among the latest finished games, newest first:
  wins, losses or draws (a draw breaks a run of wins and starts a run of draws). Stopped
  games are skipped, neither breaking nor extending it. No finished game: no streak.

The statements are written once, with named parameters (``:peer_id``) as SQLAlchemy's
``text()`` takes them, for the admin API (:mod:`admin_api.repositories.leaderboard`); the
bot runs the same text through asyncpg, numbered (``$1``) by :func:`numbered`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Connection = Any  # an asyncpg connection (asyncpg ships no type information)
StreakKind = Literal["won", "lost", "drawn"]
STREAK_KINDS: tuple[StreakKind, ...] = ("won", "lost", "drawn")

# One row per player on the page, each with the number of players in all (``total``); a page
# past the end is one row with the total and NULLs, so the count needs no second statement.
# ``:user_id`` (NULL: everyone) picks one player's line, ranked among all.
PLAYERS = """
WITH played AS (
    SELECT g.id FROM games g WHERE g.peer_id = :peer_id AND g.started_at IS NOT NULL
), joined AS (
    SELECT p.user_id, count(*) AS games,
           (array_agg(p.name ORDER BY p.game_id DESC))[1] AS game_name
    FROM played g JOIN game_players p ON p.game_id = g.id
    GROUP BY p.user_id
), answered AS (
    SELECT r.answerer_id AS user_id, count(*) AS answers,
           count(*) FILTER (WHERE r.correct) AS correct
    FROM played g JOIN game_rounds r ON r.game_id = g.id
    WHERE r.answerer_id IS NOT NULL
    GROUP BY r.answerer_id
), ranked AS (
    SELECT j.user_id,
           coalesce(nullif(concat_ws(' ', u.first_name, u.last_name), ''), j.game_name) AS name,
           coalesce(a.correct, 0) AS correct, coalesce(a.answers, 0) AS answers, j.games,
           rank() OVER (ORDER BY coalesce(a.correct, 0) DESC) AS rank
    FROM joined j
    LEFT JOIN answered a ON a.user_id = j.user_id
    LEFT JOIN vk_users u ON u.user_id = j.user_id
)
SELECT t.total, r.user_id, r.name, r.rank, r.correct, r.answers, r.games
FROM (SELECT count(*) AS total FROM ranked) t
LEFT JOIN LATERAL (
    SELECT * FROM ranked
    WHERE CAST(:user_id AS bigint) IS NULL OR ranked.user_id = CAST(:user_id AS bigint)
    ORDER BY ranked.rank, ranked.answers DESC, ranked.games DESC, ranked.user_id
    LIMIT :limit OFFSET :offset
) r ON true
"""

# One row: games played; finished games won, lost, drawn; the latest result and its run.
TEAM = """
WITH played AS (
    SELECT g.id, g.status,
           CASE WHEN g.score_team > g.score_bot THEN 'won'
                WHEN g.score_team < g.score_bot THEN 'lost'
                ELSE 'drawn' END AS result
    FROM games g
    WHERE g.peer_id = :peer_id AND g.started_at IS NOT NULL
), finished AS (
    SELECT result, row_number() OVER latest AS n, first_value(result) OVER latest AS last
    FROM played WHERE status = 'finished'
    WINDOW latest AS (ORDER BY id DESC)
)
SELECT (SELECT count(*) FROM played) AS games,
       count(*) FILTER (WHERE result = 'won') AS won,
       count(*) FILTER (WHERE result = 'lost') AS lost,
       count(*) FILTER (WHERE result = 'drawn') AS drawn,
       min(last) AS streak_kind,
       coalesce(min(n) FILTER (WHERE result <> last) - 1, count(*)) AS streak_length
FROM finished
"""

_NAMED = re.compile(r"(?<![:\w]):([a-z_]+)")


def numbered(statement: str) -> tuple[str, tuple[str, ...]]:
    """The statement with ``:name`` turned into asyncpg's ``$n`` (one number per name), and
    the names in the order of their numbers. Casts (``::int``) are left alone."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match[1] not in names:
            names.append(match[1])
        return f"${names.index(match[1]) + 1}"

    return _NAMED.sub(number, statement), tuple(names)


@dataclass(frozen=True)
class PlayerLine:
    user_id: int
    name: str
    rank: int
    correct: int
    answers: int
    games: int


@dataclass(frozen=True)
class Streak:
    kind: StreakKind
    length: int


@dataclass(frozen=True)
class TeamRecord:
    games: int  # played (began), finished or not
    won: int
    lost: int
    drawn: int
    streak: Streak | None  # None: no finished game yet


def player_page(rows: Sequence[Sequence[Any]]) -> tuple[list[PlayerLine], int]:
    """The :data:`PLAYERS` rows as lines, and the number of players in all."""
    total = int(rows[0][0]) if rows else 0
    lines = [
        PlayerLine(int(r[1]), str(r[2]), int(r[3]), int(r[4]), int(r[5]), int(r[6]))
        for r in rows
        if r[1] is not None
    ]
    return lines, total


def team_record(row: Sequence[Any]) -> TeamRecord:
    """The :data:`TEAM` row as a record."""
    games, won, lost, drawn, kind, length = row
    streak = Streak(kind, int(length)) if kind in STREAK_KINDS else None
    return TeamRecord(int(games), int(won), int(lost), int(drawn), streak)


def player_params(
    peer_id: int, *, limit: int, offset: int = 0, user_id: int | None = None
) -> dict[str, Any]:
    return {"peer_id": peer_id, "user_id": user_id, "limit": limit, "offset": offset}


# The bot's side: asyncpg, inside the batch's transaction ------------------------------------

_PLAYERS, _PLAYER_NAMES = numbered(PLAYERS)
_TEAM, _TEAM_NAMES = numbered(TEAM)


def _args(names: Sequence[str], params: Mapping[str, Any]) -> list[Any]:
    return [params[name] for name in names]


async def players(
    conn: Connection, peer_id: int, *, limit: int, offset: int = 0
) -> tuple[list[PlayerLine], int]:
    """A page of the chat's players, best first, and how many players it has."""
    params = player_params(peer_id, limit=limit, offset=offset)
    return player_page(await conn.fetch(_PLAYERS, *_args(_PLAYER_NAMES, params)))


async def player(conn: Connection, peer_id: int, user_id: int) -> tuple[PlayerLine | None, int]:
    """One player's line, ranked among the chat's players (None: never played here), and how
    many players the chat has."""
    params = player_params(peer_id, limit=1, user_id=user_id)
    lines, total = player_page(await conn.fetch(_PLAYERS, *_args(_PLAYER_NAMES, params)))
    return (lines[0] if lines else None), total


async def team(conn: Connection, peer_id: int) -> TeamRecord:
    """The chat's team against the bot: games played, won/lost/drawn, the current streak."""
    return team_record(await conn.fetchrow(_TEAM, *_args(_TEAM_NAMES, {"peer_id": peer_id})))
