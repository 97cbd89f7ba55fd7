"""What a chat plays: a deck drawn at random, or the next questions of the pack it pinned, and
the packs a chat can pin (the ``/pack`` command). Rare statements inside the batch's
transaction (asyncpg), run when a game opens or a pack is chosen, never per event."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.game.model import Question

Connection = Any  # an asyncpg connection (asyncpg ships no type information)

# What a game keeps of a question (its snapshot), aliased ``q``.
_COLUMNS = """
q.id, q.text, q.answer, q.alternatives, q.comment, q.rejected, q.handout_text,
EXISTS (SELECT 1 FROM question_images i WHERE i.question_id = q.id) AS image,
q.authors, q.sources
"""

_RANDOM = f"""
WITH last_played AS (
    SELECT r.question_id, max(r.started_at) AS last
    FROM game_rounds r JOIN games g ON g.id = r.game_id
    WHERE g.peer_id = $1 AND r.question_id IS NOT NULL
    GROUP BY r.question_id
)
SELECT {_COLUMNS}
FROM questions q
LEFT JOIN last_played lp ON lp.question_id = q.id
LEFT JOIN packs p ON p.id = q.pack_id
WHERE q.pack_id IS NULL OR p.enabled
ORDER BY lp.last ASC NULLS FIRST, random()
LIMIT $2
"""  # noqa: S608 - a fixed column list, no input

# The pack's questions after the last one this chat played (in the pack's order); the pack
# starts over once it has all been played.
_PACK = f"""
WITH last AS (
    SELECT coalesce(q.tour, 0) AS tour, coalesce(q.number, 0) AS number, q.id
    FROM game_rounds r
    JOIN games g ON g.id = r.game_id
    JOIN questions q ON q.id = r.question_id
    WHERE g.peer_id = $1 AND q.pack_id = $2
    ORDER BY r.started_at DESC, r.number DESC
    LIMIT 1
)
SELECT {_COLUMNS}
FROM questions q
WHERE q.pack_id = $2
  AND ($4 OR NOT EXISTS (SELECT 1 FROM last)
       OR (coalesce(q.tour, 0), coalesce(q.number, 0), q.id)
          > (SELECT tour, number, id FROM last))
ORDER BY coalesce(q.tour, 0), coalesce(q.number, 0), q.id
LIMIT $3
"""  # noqa: S608 - a fixed column list, no input


@dataclass(frozen=True)
class Deck:
    questions: tuple[Question, ...]
    pack_title: str | None = None  # the pinned pack it comes from (None: drawn at random)


@dataclass(frozen=True)
class PackChoice:
    id: int
    title: str
    questions: int


def _question(r: Sequence[Any]) -> Question:
    return Question(
        id=r[0],
        text=r[1],
        answer=r[2],
        alternatives=tuple(r[3] or ()),
        comment=r[4],
        rejected=tuple(r[5] or ()),
        handout=r[6],
        image=bool(r[7]),
        authors=tuple(r[8] or ()),
        sources=tuple(r[9] or ()),
    )


async def random_deck(conn: Connection, peer_id: int, size: int) -> tuple[Question, ...]:
    """``size`` questions for a chat from the loose questions and the enabled packs:
    never-played ones first (random), then the stalest."""
    return tuple(_question(r) for r in await conn.fetch(_RANDOM, peer_id, size))


async def pack_deck(conn: Connection, peer_id: int, pack_id: int, size: int) -> Deck | None:
    """The next ``size`` questions of the pinned pack in its order, continuing where this
    chat's last game with it stopped (from the start once the pack is through); None when the
    pack is gone, disabled or empty (the chat then plays random questions)."""
    title = await pack_title(conn, pack_id)
    if title is None:
        return None
    rows = await conn.fetch(_PACK, peer_id, pack_id, size, False)
    if not rows:
        rows = await conn.fetch(_PACK, peer_id, pack_id, size, True)
    if not rows:
        return None
    return Deck(tuple(_question(r) for r in rows), title)


async def pick_deck(conn: Connection, peer_id: int, size: int, pack_id: int | None = None) -> Deck:
    """The deck of a new game: from the pinned pack when it can be played, else at random."""
    if pack_id is not None:
        deck = await pack_deck(conn, peer_id, pack_id, size)
        if deck is not None:
            return deck
    return Deck(await random_deck(conn, peer_id, size))


async def enabled_packs(conn: Connection, limit: int, offset: int) -> tuple[list[PackChoice], int]:
    """A page of the packs a chat can pin (oldest first) and how many there are in all."""
    rows = await conn.fetch(
        "SELECT p.id, p.title, (SELECT count(*) FROM questions q WHERE q.pack_id = p.id), "
        "count(*) OVER () FROM packs p WHERE p.enabled ORDER BY p.id LIMIT $1 OFFSET $2",
        limit,
        offset,
    )
    total = int(rows[0][3]) if rows else await _count_enabled(conn)
    return [PackChoice(int(r[0]), str(r[1]), int(r[2])) for r in rows], total


async def _count_enabled(conn: Connection) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM packs WHERE enabled"))


async def pack_title(conn: Connection, pack_id: int) -> str | None:
    """The title of an enabled pack; None when there is no such pack or it is disabled."""
    title = await conn.fetchval("SELECT title FROM packs WHERE id = $1 AND enabled", pack_id)
    return str(title) if title is not None else None


async def pin_pack(conn: Connection, peer_id: int, pack_id: int | None) -> None:
    """Pin a pack for the chat (its settings' ``pack_id``, as the admin API sets it); None
    unpins. The chat's row is already locked by the batch."""
    await conn.execute(
        "UPDATE chats SET settings = CASE WHEN $2::int IS NULL THEN settings - 'pack_id' "
        "ELSE settings || jsonb_build_object('pack_id', $2::int) END WHERE peer_id = $1",
        peer_id,
        pack_id,
    )
