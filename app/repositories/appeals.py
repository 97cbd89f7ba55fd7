"""Appeals for the bot (asyncpg, inside the batch's transaction), and the sweep's query.

A decision is one atomic ``UPDATE … WHERE status = 'pending'``: whoever runs it first (a
conversation admin's press, an admin through the API) wins, the other finds nothing to update.
``applied_at`` marks a decision the bot has applied to the game and told the chat about.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.game.model import Game, from_json

Connection = Any  # an asyncpg connection or pool (asyncpg ships no type information)


@dataclass(frozen=True)
class AppealRow:
    id: int
    game_id: int
    peer_id: int
    round: int
    question_id: int | None
    answer_text: str
    status: str
    decided_by: int | None


async def load_game(conn: Connection, peer_id: int, game_id: int) -> Game | None:
    """A game of this chat by id, running or over (None when it is not this chat's)."""
    row = await conn.fetchrow(
        "SELECT state, deck FROM games WHERE id = $1 AND peer_id = $2 AND state <> '{}'::jsonb",
        game_id,
        peer_id,
    )
    return from_json(row[0], row[1]) if row is not None else None


async def file(
    conn: Connection,
    *,
    game_id: int,
    peer_id: int,
    number: int,
    question_id: int,
    answer: str,
    filed_by: int,
) -> int | None:
    """Record a round's appeal; None if that round has one already (one per round)."""
    appeal_id = await conn.fetchval(
        "INSERT INTO appeals (game_id, peer_id, round, question_id, answer_text, filed_by) "
        "SELECT $1, $2, $3, (SELECT id FROM questions WHERE id = $4), $5, $6 "
        "ON CONFLICT (game_id, round) DO NOTHING RETURNING id",
        game_id,
        peer_id,
        number,
        question_id,
        answer,
        filed_by,
    )
    return int(appeal_id) if appeal_id is not None else None


async def decide_in_chat(
    conn: Connection, appeal_id: int, peer_id: int, accepted: bool, decided_by: int
) -> AppealRow | None:
    """A conversation admin's decision, applied in the same transaction; None when the appeal
    is not this chat's or was decided already."""
    row = await conn.fetchrow(
        "UPDATE appeals SET status = $3, decided_at = now(), decided_by = $4, "
        "decided_via = 'chat', applied_at = now() "
        "WHERE id = $1 AND peer_id = $2 AND status = 'pending' "
        "RETURNING id, game_id, peer_id, round, question_id, answer_text, status, decided_by",
        appeal_id,
        peer_id,
        "accepted" if accepted else "rejected",
        decided_by,
    )
    return AppealRow(*row) if row is not None else None


async def claim_decided(conn: Connection, appeal_id: int, peer_id: int) -> AppealRow | None:
    """A decision taken through the API that the bot has not applied yet, now marked applied
    (in the caller's transaction: it commits with the game's change); None if there is none."""
    row = await conn.fetchrow(
        "UPDATE appeals SET applied_at = now() WHERE id = $1 AND peer_id = $2 "
        "AND status <> 'pending' AND applied_at IS NULL "
        "RETURNING id, game_id, peer_id, round, question_id, answer_text, status, decided_by",
        appeal_id,
        peer_id,
    )
    return AppealRow(*row) if row is not None else None


async def accept_answer(conn: Connection, question_id: int, answer: str) -> None:
    """Add an accepted appeal's answer to the question's зачёт list (once), so the judge takes
    it next time; it also comes off the незачёт list if it was there."""
    await conn.execute(
        "UPDATE questions SET alternatives = alternatives || jsonb_build_array($2::text), "
        "rejected = rejected - $2::text, updated_at = now() "
        "WHERE id = $1 AND answer <> $2 AND NOT alternatives ? $2",
        question_id,
        answer,
    )


async def unapplied(conn: Connection, decided_before: datetime, limit: int = 100) -> list[Any]:
    """(appeal id, peer id) of decisions taken through the API and still not applied (the
    update that carries them was lost): the bot's housekeeping submits them again."""
    return list(
        await conn.fetch(
            "SELECT id, peer_id FROM appeals WHERE status <> 'pending' AND applied_at IS NULL "
            "AND decided_at < $1 ORDER BY id LIMIT $2",
            decided_before,
            limit,
        )
    )
