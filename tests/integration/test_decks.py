"""What a chat plays (app/repositories/decks.py): a pinned pack in its order, continued where
the chat stopped and started over at its end; the packs a chat can pin; pinning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.engine import create_sessionmaker
from app.db.pool import Pool
from app.packs import load
from app.packs.store import digest_of, import_pack
from app.repositories import decks

PEER = 2000000078
OTHER = 2000000079
T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def pack_4s(title: str, tours: int, per_tour: int) -> str:
    lines = [f"### {title}"]
    for tour in range(1, tours + 1):
        lines.append(f"## Тур {tour}")
        for number in range(1, per_tour + 1):
            lines += [f"№ {number}", f"? Вопрос {tour}.{number}?", f"! Ответ {tour}.{number}"]
    return "\n".join(lines) + "\n"


async def import_4s(db: AsyncEngine, text: str, name: str = "cup.4s") -> int:
    data = text.encode()
    async with create_sessionmaker(db).begin() as session:
        return (await import_pack(session, load(data, name), digest_of(data))).pack_id


async def play_rounds(pool: Pool, peer_id: int, question_ids: list[int], start: datetime) -> None:
    """A finished game of this chat that played these questions, in this order."""
    async with pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO chats (peer_id) VALUES ($1) ON CONFLICT DO NOTHING", peer_id
        )
        game_id = await conn.fetchval(
            "INSERT INTO games (peer_id, status) VALUES ($1, 'finished') RETURNING id", peer_id
        )
        for number, question_id in enumerate(question_ids, 1):
            await conn.execute(
                "INSERT INTO game_rounds (game_id, number, question_id, question_text, "
                "correct_answer, correct, started_at) VALUES ($1, $2, $3, 'q', 'a', true, $4)",
                game_id,
                number,
                question_id,
                start + timedelta(minutes=number),
            )


def texts(deck: decks.Deck | None) -> list[str]:
    assert deck is not None
    return [q.text for q in deck.questions]


async def test_a_pinned_pack_plays_in_order_continues_and_starts_over(
    db: AsyncEngine, pool: Pool
) -> None:
    pack_id = await import_4s(db, pack_4s("Кубок", tours=2, per_tour=3))
    first = await decks.pack_deck(pool, PEER, pack_id, 4)
    assert first is not None
    assert first.pack_title == "Кубок"
    assert texts(first) == ["Вопрос 1.1?", "Вопрос 1.2?", "Вопрос 1.3?", "Вопрос 2.1?"]

    # The game stopped after two rounds: the next one goes on from the third question.
    await play_rounds(pool, PEER, [q.id for q in first.questions[:2]], T0)
    second = await decks.pack_deck(pool, PEER, pack_id, 4)
    assert texts(second) == ["Вопрос 1.3?", "Вопрос 2.1?", "Вопрос 2.2?", "Вопрос 2.3?"]
    # Another chat has its own place in the pack.
    assert texts(await decks.pack_deck(pool, OTHER, pack_id, 1)) == ["Вопрос 1.1?"]

    assert second is not None
    await play_rounds(pool, PEER, [q.id for q in second.questions], T0 + timedelta(hours=1))
    third = await decks.pack_deck(pool, PEER, pack_id, 2)  # the pack is through: from the top
    assert texts(third) == ["Вопрос 1.1?", "Вопрос 1.2?"]


async def test_a_disabled_or_missing_pack_falls_back_to_random(db: AsyncEngine, pool: Pool) -> None:
    pack_id = await import_4s(db, pack_4s("Кубок", tours=1, per_tour=2))
    await pool.execute("UPDATE packs SET enabled = false WHERE id = $1", pack_id)
    assert await decks.pack_deck(pool, PEER, pack_id, 3) is None
    deck = await decks.pick_deck(pool, PEER, 3, pack_id)
    assert deck.pack_title is None
    assert len(deck.questions) == 3
    assert not {"Вопрос 1.1?", "Вопрос 1.2?"} & set(texts(deck))  # a disabled pack stays out
    assert (await decks.pick_deck(pool, PEER, 2, 10**6)).pack_title is None


async def test_the_packs_a_chat_can_pin_are_the_enabled_ones_paged(
    db: AsyncEngine, pool: Pool
) -> None:
    ids = [await import_4s(db, pack_4s(f"Пакет {i}", 1, i), f"p{i}.4s") for i in range(1, 8)]
    await pool.execute("UPDATE packs SET enabled = false WHERE id = $1", ids[0])
    page, total = await decks.enabled_packs(pool, 5, 0)
    assert total == 6
    assert [(c.title, c.questions) for c in page] == [(f"Пакет {i}", i) for i in range(2, 7)]
    page, total = await decks.enabled_packs(pool, 5, 5)
    assert ([c.id for c in page], total) == ([ids[6]], 6)
    assert await decks.enabled_packs(pool, 5, 10) == ([], 6)
    assert await decks.pack_title(pool, ids[0]) is None
    assert await decks.pack_title(pool, ids[1]) == "Пакет 2"


async def test_pinning_sets_and_clears_the_chat_setting_and_keeps_the_others(
    db: AsyncEngine, pool: Pool
) -> None:
    await pool.execute("INSERT INTO chats (peer_id, settings) VALUES ($1, '{\"rounds\": 3}')", PEER)
    await decks.pin_pack(pool, PEER, 5)
    assert await pool.fetchval("SELECT settings FROM chats WHERE peer_id = $1", PEER) == {
        "rounds": 3,
        "pack_id": 5,
    }
    await decks.pin_pack(pool, PEER, None)
    assert await pool.fetchval("SELECT settings FROM chats WHERE peer_id = $1", PEER) == {
        "rounds": 3
    }
