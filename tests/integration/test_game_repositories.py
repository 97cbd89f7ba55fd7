"""The game's persistence: deck choice, state round trip with its queryable mirror."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.game import events as ev
from app.game import machine
from app.game.model import GameSettings, Phase
from app.repositories import chats, games, questions

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
PEER = 2000000077


async def test_deck_prefers_questions_the_chat_has_not_played(
    db: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with sessionmaker.begin() as session:
        total = await session.scalar(text("SELECT count(*) FROM questions"))
        assert total is not None
        assert total >= 150
        await chats.lock(session, PEER)
        first = await questions.pick_deck(session, PEER, 6)
        assert len({q.id for q in first}) == 6
        # Play a whole game with that deck.
        game_id = await games.create(session, PEER)
        game, _ = machine.open_lobby(game_id, GameSettings(rounds=6), first, 1, NOW)
        game, _ = machine.step(game, ev.Join(5, "Аня", "cb"), NOW)
        game, _ = machine.step(game, ev.Begin(5, "cb"), NOW)
        for _ in range(6):
            game, _ = machine.step(game, ev.Early(5, "cb"), NOW)
            game, _ = machine.step(game, ev.ChatMessage(5, "не знаю"), NOW)
            if game.phase is Phase.PAUSE:
                game, _ = machine.step(game, ev.TimerFired("pause_end", game.timer_token), NOW)
        assert game.phase is Phase.FINISHED
        await games.save(session, game)

    async with sessionmaker.begin() as session:
        second = await questions.pick_deck(session, PEER, 6)
        other_chat = await questions.pick_deck(session, PEER + 1, total)
    assert not {q.id for q in first} & {q.id for q in second}
    assert len(other_chat) == total  # the other chat may get any question


async def test_save_mirrors_state_into_columns_players_and_rounds(
    db: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with sessionmaker.begin() as session:
        await chats.lock(session, PEER)
        deck = await questions.pick_deck(session, PEER, 2)
        game_id = await games.create(session, PEER)
        game, _ = machine.open_lobby(game_id, GameSettings(rounds=2), deck, 7, NOW)
        for user, name in ((5, "Аня"), (6, "Борис")):
            game, _ = machine.step(game, ev.Join(user, name, "cb"), NOW)
        game, _ = machine.step(game, ev.Begin(5, "cb"), NOW)
        game, _ = machine.step(game, ev.StopRequested(6), NOW)
        await games.save(session, game)
        await chats.set_active_game(session, PEER, None)

    async with sessionmaker() as session:
        loaded = await games.load(session, game_id)
        assert loaded == game
        assert await games.last_over(session, PEER) == game
        row = (
            await session.execute(
                text("SELECT status, phase, captain_id FROM games WHERE id = :id"),
                {"id": game_id},
            )
        ).one()
        players = (
            await session.execute(
                text("SELECT user_id, is_captain FROM game_players ORDER BY position")
            )
        ).all()
    assert tuple(row) == ("stopped", "stopped", game.captain_id)
    assert [p.user_id for p in players] == [5, 6]
    assert sum(p.is_captain for p in players) == 1


async def test_one_active_game_per_chat_is_enforced(
    db: AsyncEngine, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    async with sessionmaker.begin() as session:
        await chats.lock(session, PEER)
        await games.create(session, PEER)
    with pytest.raises(IntegrityError):
        async with sessionmaker.begin() as session:
            await games.create(session, PEER)
