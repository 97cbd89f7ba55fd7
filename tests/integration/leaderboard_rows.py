"""Games written straight into the mirror tables (``games``, ``game_players``,
``game_rounds``), for leaderboard tests that need exact figures: the leaderboard reads only
the mirror, and a game's whole course through the state machine would add nothing here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal

from app.db.pool import Pool

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
Status = Literal["finished", "stopped", "active", "closed"]
# A round: who answered (None: nobody, e.g. the answer time ran out before a pick) and whether
# they were right.
Round = tuple[int | None, bool]


async def add_game(
    pool: Pool,
    peer_id: int,
    players: Sequence[tuple[int, str]],
    rounds: Sequence[Round] = (),
    *,
    status: Status = "finished",
) -> int:
    """One game of the chat with its players and judged rounds; the score follows the rounds
    (right: a point to the team, wrong: to the bot). A closed game never began."""
    team = sum(1 for _, correct in rounds if correct)
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO chats (peer_id) VALUES ($1) ON CONFLICT DO NOTHING", peer_id
        )
        game_id: int = await conn.fetchval(
            "INSERT INTO games (peer_id, status, phase, round, rounds_total, score_team, "
            "score_bot, started_at) VALUES ($1, $2, $3, $4, $4, $5, $6, $7) RETURNING id",
            peer_id,
            status,
            "discussion" if status == "active" else status,  # the game's phase
            len(rounds),
            team,
            len(rounds) - team,
            None if status == "closed" else NOW,
        )
        await conn.executemany(
            "INSERT INTO game_players (game_id, user_id, name, position) VALUES ($1, $2, $3, $4)",
            [(game_id, user_id, name, n) for n, (user_id, name) in enumerate(players)],
        )
        await conn.executemany(
            "INSERT INTO game_rounds (game_id, number, question_text, correct_answer, "
            "answerer_id, correct, started_at) VALUES ($1, $2, 'Вопрос?', 'Ответ', $3, $4, $5)",
            [(game_id, n, who, right, NOW) for n, (who, right) in enumerate(rounds, 1)],
        )
    return game_id


async def name_user(pool: Pool, user_id: int, first: str, last: str) -> None:
    """The VK name the bot cached for the user (``vk_users``)."""
    await pool.execute(
        "INSERT INTO vk_users (user_id, first_name, last_name) VALUES ($1, $2, $3)",
        user_id,
        first,
        last,
    )
