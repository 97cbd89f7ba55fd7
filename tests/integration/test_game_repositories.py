"""The game's persistence (the bot's batch statements): deck choice, state round trip with its
queryable mirror, the lock-and-load of a chat with its game, one active game per chat."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.actions import SendMessage, SetTimer
from app.bot.chat_tx import ChatTx
from app.db.engine import create_sessionmaker
from app.db.pool import Pool
from app.game import events as ev
from app.game import machine
from app.game.model import GameSettings, Phase, Question, deck_json, to_json
from app.packs import load
from app.packs.store import digest_of, import_pack
from app.repositories import batch, decks
from app.repositories.batch import ChatWrites
from tests.game_store import save_game
from tests.pack_files import make_zip

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
PEER = 2000000077


async def new_game_id(pool: Pool, peer_id: int = PEER) -> int:
    async with pool.acquire() as conn, conn.transaction():
        await batch.lock_and_load(conn, [], [peer_id])
        return await batch.create_game(conn, peer_id)


async def test_deck_prefers_questions_the_chat_has_not_played(db: AsyncEngine, pool: Pool) -> None:
    total = await pool.fetchval("SELECT count(*) FROM questions")
    assert total >= 150
    first = await decks.random_deck(pool, PEER, 6)
    assert len({q.id for q in first}) == 6
    # Play a whole game with that deck.
    game, _ = machine.open_lobby(await new_game_id(pool), GameSettings(rounds=6), first, 1, NOW)
    game, _ = machine.step(game, ev.Join(5, "Аня", "cb"), NOW)
    game, _ = machine.step(game, ev.Begin(5, "cb"), NOW)
    for _ in range(6):
        game, _ = machine.step(game, ev.Early(5, "cb"), NOW)
        game, _ = machine.step(game, ev.ChatMessage(5, "не знаю"), NOW)
        if game.phase is Phase.PAUSE:
            game, _ = machine.step(game, ev.TimerFired("pause_end", game.timer_token), NOW)
    assert game.phase is Phase.FINISHED
    await save_game(pool, PEER, game)

    second = await decks.random_deck(pool, PEER, 6)
    other_chat = await decks.random_deck(pool, PEER + 1, total)
    assert not {q.id for q in first} & {q.id for q in second}
    assert len(other_chat) == total  # the other chat may get any question


async def test_persist_mirrors_state_into_columns_players_and_rounds(
    db: AsyncEngine, pool: Pool
) -> None:
    deck = await decks.random_deck(pool, PEER, 2)
    game, _ = machine.open_lobby(await new_game_id(pool), GameSettings(rounds=2), deck, 7, NOW)
    for user, name in ((5, "Аня"), (6, "Борис")):
        game, _ = machine.step(game, ev.Join(user, name, "cb"), NOW)
    game, _ = machine.step(game, ev.Begin(5, "cb"), NOW)
    await save_game(pool, PEER, game)
    async with pool.acquire() as conn, conn.transaction():
        chats, _ = await batch.lock_and_load(conn, [], [PEER])
    assert chats[PEER].active_game_id == game.id
    assert chats[PEER].game == game  # the state round-trips exactly

    game, _ = machine.step(game, ev.StopRequested(6), NOW)
    await save_game(pool, PEER, game)
    assert await batch.last_over(pool, PEER) == game
    row = await pool.fetchrow("SELECT status, phase, captain_id FROM games WHERE id = $1", game.id)
    players = await pool.fetch("SELECT user_id, is_captain FROM game_players ORDER BY position")
    assert tuple(row) == ("stopped", "stopped", game.captain_id)
    assert [p["user_id"] for p in players] == [5, 6]
    assert sum(p["is_captain"] for p in players) == 1
    async with pool.acquire() as conn, conn.transaction():
        chats, _ = await batch.lock_and_load(conn, [], [PEER])
    assert (chats[PEER].active_game_id, chats[PEER].game) == (None, None)


async def test_deck_carries_the_nezachet_and_rounds_keep_the_reason(
    db: AsyncEngine, pool: Pool
) -> None:
    question_id = await pool.fetchval(
        "INSERT INTO questions (text, answer, alternatives, rejected) "
        "VALUES ($1, $2, $3, $4) RETURNING id",
        "Автор «Анны Карениной»? (test)",
        "Толстой",
        ["Л. Н. Толстой"],
        ["Лев Толстой", "Алексей Толстой"],
    )
    try:
        total = await pool.fetchval("SELECT count(*) FROM questions")
        deck = await decks.random_deck(pool, PEER, total)
        (mine,) = [q for q in deck if q.id == question_id]
        assert mine.rejected == ("Лев Толстой", "Алексей Толстой")
        assert mine.alternatives == ("Л. Н. Толстой",)

        game, _ = machine.open_lobby(await new_game_id(pool), GameSettings(), (mine,), 1, NOW)
        game, _ = machine.step(game, ev.Join(5, "Аня", "cb"), NOW)
        game, _ = machine.step(game, ev.Begin(5, "cb"), NOW)
        game, _ = machine.step(game, ev.Early(5, "cb"), NOW)
        await save_game(pool, PEER, game)  # a state saved mid-round: no round in the mirror yet
        loaded = game
        game, _ = machine.step(game, ev.ChatMessage(5, "Лев Толстой"), NOW)
        assert game.phase is Phase.FINISHED
        async with pool.acquire() as conn, conn.transaction():
            await batch.lock_and_load(conn, [], [PEER])
            writes = ChatWrites(PEER, games={game.id: (game, loaded)}, active_game=(None,))
            await batch.persist(conn, [writes])

        row = await pool.fetchrow(
            "SELECT question_id, answer_text, correct, reason FROM game_rounds WHERE game_id = $1",
            game.id,
        )
        assert tuple(row) == (question_id, "Лев Толстой", False, "nezachet")
        assert await batch.last_over(pool, PEER) == game  # the state keeps both as well
    finally:
        await pool.execute("DELETE FROM questions WHERE id = $1", question_id)


async def test_persist_writes_timers_and_outbox_in_order_and_cancels(
    db: AsyncEngine, pool: Pool
) -> None:
    later = datetime(2030, 1, 1, tzinfo=UTC)
    first = ChatWrites(PEER, timers=[SetTimer("a", later, "t1")], messages=[SendMessage("1")])
    other = ChatWrites(PEER + 1, messages=[SendMessage("x"), SendMessage("y")])
    async with pool.acquire() as conn, conn.transaction():
        await batch.lock_and_load(conn, [], [PEER, PEER + 1])
        done = await batch.persist(conn, [first, other])
    assert [(r.peer_id, r.params["text"]) for r in done.outbox] == [
        (PEER, "1"),
        (PEER + 1, "x"),
        (PEER + 1, "y"),
    ]
    assert [(t.peer_id, t.name, t.token, t.due_at) for t in done.timers] == [
        (PEER, "a", "t1", later)
    ]
    replace = ChatWrites(PEER, cancel_timers=True, timers=[SetTimer("b", later, "t2")])
    async with pool.acquire() as conn, conn.transaction():
        done = await batch.persist(conn, [replace])
    names = await pool.fetch("SELECT name FROM timers WHERE peer_id = $1", PEER)
    assert [row["name"] for row in names] == ["b"]  # the old one cancelled, the new one kept


async def test_one_active_game_per_chat_is_enforced(db: AsyncEngine, pool: Pool) -> None:
    await new_game_id(pool)
    with pytest.raises(asyncpg.UniqueViolationError):
        await new_game_id(pool)


async def test_a_game_holding_its_questions_in_its_state_moves_them_on_its_next_save(
    db: AsyncEngine, pool: Pool
) -> None:
    """Games saved before ``games.deck`` existed load as before and move the deck out."""
    deck = await decks.random_deck(pool, PEER, 2)
    game, _ = machine.open_lobby(await new_game_id(pool), GameSettings(rounds=2), deck, 7, NOW)
    await pool.execute("UPDATE games SET state = $1 WHERE id = $2", to_json(game), game.id)
    await pool.execute("UPDATE chats SET active_game_id = $1 WHERE peer_id = $2", game.id, PEER)
    async with pool.acquire() as conn, conn.transaction():
        chats, _ = await batch.lock_and_load(conn, [], [PEER])
        assert chats[PEER].game == game
        assert not chats[PEER].deck_stored
        chat = ChatTx(conn, chats[PEER])
        joined, _ = machine.step(game, ev.Join(5, "Аня", "cb"), NOW)
        chat.save(joined)
        await batch.persist(conn, [chat.writes])
    row = await pool.fetchrow("SELECT state, deck FROM games WHERE id = $1", game.id)
    assert "questions" not in row["state"]
    assert row["deck"] == deck_json(game)
    async with pool.acquire() as conn, conn.transaction():
        chats, _ = await batch.lock_and_load(conn, [], [PEER])
    assert chats[PEER].game == joined
    assert chats[PEER].deck_stored


PACK_4S = """### Кубок
## Тур 1
№ 1
? Вопрос из пакета?
! Ответ
№ 2
? (img pic.png) Что на картинке?
! Картинка
"""


async def test_decks_draw_from_enabled_packs_pictures_included(db: AsyncEngine, pool: Pool) -> None:
    data = make_zip({"cup.4s": PACK_4S, "pic.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 32})
    async with create_sessionmaker(db).begin() as session:
        pack = await import_pack(session, load(data, "cup.zip"), digest_of(data))
    assert (pack.questions, pack.pictures) == (2, 1)
    total = await pool.fetchval("SELECT count(*) FROM questions")

    def texts(deck: tuple[Question, ...]) -> set[str]:
        return {question.text for question in deck}

    deck = await decks.random_deck(pool, PEER, total)
    drawn = texts(deck)
    assert "Вопрос из пакета?" in drawn
    assert len({q.id for q in deck}) == total  # every question, pictures included
    (picture,) = [q for q in deck if q.image]
    assert picture.text == "Что на картинке?"
    await pool.execute("UPDATE packs SET enabled = false")
    assert "Вопрос из пакета?" not in texts(await decks.random_deck(pool, PEER, total))
