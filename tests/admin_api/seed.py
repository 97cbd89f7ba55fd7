"""Games for the admin API tests, played through the real state machine and saved as the bot
saves them (state, players, rounds), without running the bot."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.game import events as ev
from app.game import machine
from app.game.model import Game, GameSettings, Question
from app.repositories import batch, decks
from tests.game_store import pool_for, save_game

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
How = Literal["right", "wrong", "silent"]
End = Literal["finish", "stop", "running", "close"]


@dataclass(frozen=True)
class Says:
    """An answer given as this text, for the judge to decide (instead of right or wrong)."""

    text: str


async def add_chat(engine: AsyncEngine, peer_id: int, title: str | None = None) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO chats (peer_id, title) VALUES (:p, :t) "
                "ON CONFLICT (peer_id) DO UPDATE SET title = :t"
            ),
            {"p": peer_id, "t": title},
        )


async def play(
    engine: AsyncEngine,
    peer_id: int,
    players: Sequence[tuple[int, str]],
    answers: Sequence[tuple[int, How | Says]] = (),
    *,
    rounds: int = 3,
    end: End = "finish",
    deck: tuple[Question, ...] | None = None,
    seed: int = 1,
    now: datetime = NOW,
    settings: GameSettings | None = None,
) -> Game:
    """Open a lobby, join ``players``, play one round per ``answers`` item (who answers, how:
    the right answer, a wrong one, silence, or what they :class:`Says`).

    ``end``: "finish" needs one answer per round; "stop" applies /stop after the answers;
    "running" leaves the game as it is; "close" lets the lobby time out with nobody joined.
    """
    pool = await pool_for(engine)
    try:
        async with pool.acquire() as conn, conn.transaction():
            await batch.lock_and_load(conn, [], [peer_id])
            deck = deck or await decks.random_deck(conn, peer_id, rounds)
            game_id = await batch.create_game(conn, peer_id)
        settings = settings or GameSettings(pause_seconds=0)
        game = _play(game_id, deck, players, answers, end, seed, now, settings)
        await save_game(pool, peer_id, game)
    finally:
        await pool.close()
    return game


def _play(
    game_id: int,
    deck: tuple[Question, ...],
    players: Sequence[tuple[int, str]],
    answers: Sequence[tuple[int, How | Says]],
    end: End,
    seed: int,
    now: datetime,
    settings: GameSettings,
) -> Game:
    game, _ = machine.open_lobby(game_id, settings, deck, seed, now)

    def step(event: ev.GameEvent) -> None:
        nonlocal game
        game, _ = machine.step(game, event, now)

    assert not (end == "close" and players), "a closed lobby is one nobody joined"
    for user_id, name in players:
        step(ev.Join(user_id, name, "cb"))
    if end == "close":
        step(ev.TimerFired(ev.LOBBY_END, game.timer_token))
    elif players:
        step(ev.Begin(players[0][0], "cb"))
    for user_id, how in answers:
        assert game.captain_id is not None
        step(ev.Early(game.captain_id, "cb"))
        if len(players) > 1:
            step(ev.Pick(game.captain_id, "cb", user_id))
        assert game.answerer_id == user_id
        if how == "silent":
            step(ev.TimerFired(ev.ANSWER_END, game.timer_token))
        elif isinstance(how, Says):
            step(ev.ChatMessage(user_id, how.text))
        else:
            given = game.question.answer if how == "right" else "абракадабра"
            step(ev.ChatMessage(user_id, given))
    if end == "stop":
        step(ev.StopRequested(players[0][0] if players else 0))
    assert (end == "finish") == (game.phase.value == "finished"), game.phase
    return game
