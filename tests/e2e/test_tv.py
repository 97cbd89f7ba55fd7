"""The TV format through the real processes and the emulator: the spinning top, the blitz, six
points, and a bot killed in the middle of a spin and of a blitz.

Deterministic by a documented fixture: after everyone joined (each press answered, so the
lobby's state is committed) and before «Начать игру», the test writes a seed of its choice
into the lobby game's stored state (:func:`set_seed`). The bot loads the state from Postgres
for every event, so the game plays with that seed; where the top stops is then known in
advance from the pure function the bot uses (``app.game.tv.spin``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.game import texts, tv
from app.game.model import BLITZ_SECTOR, TV_TARGET, Phase
from tests.e2e.conftest import StackFactory
from tests.e2e.game_helpers import TIMEOUT, Chat, current_game, make_chat

TV_GAME = {
    "GAME_MODE": "tv",
    "GAME_SPIN_STEP_SECONDS": "1",
    "GAME_BLITZ_SECONDS": "30",
}


def sectors_of(seed: int, rounds: int) -> list[int]:
    """The sectors a game seeded ``seed`` plays in its first ``rounds`` rounds (deck ample)."""
    played: list[int] = []
    for number in range(1, rounds + 1):
        played.append(tv.spin(seed, number, frozenset(played)).sector)
    return played


def seed_with_blitz_in_round(number: int) -> int:
    """A seed whose first blitz comes in round ``number``."""
    return next(seed for seed in range(100_000) if sectors_of(seed, number)[-1] == BLITZ_SECTOR)


async def set_seed(db: AsyncEngine, peer_id: int, seed: int) -> None:
    """The test fixture: the chat's lobby plays with ``seed`` (see the module docstring)."""
    async with db.begin() as conn:
        updated = await conn.execute(
            text(
                "UPDATE games SET state = jsonb_set(state, '{seed}', to_jsonb(CAST(:s AS bigint)))"
                " WHERE peer_id = :p AND phase = 'lobby'"
            ),
            {"s": seed, "p": peer_id},
        )
    assert updated.rowcount == 1


async def open_tv_lobby(chat: Chat, db: AsyncEngine, seed: int, *players: str) -> None:
    await chat.say(players[0], "/start")
    lobby = await chat.bot_says("Телеформат: игра до 6 очков")
    for name in players:
        assert await chat.press(name, lobby, "Играю") == texts.JOINED
    await set_seed(db, chat.peer_id, seed)
    await chat.press(players[0], lobby, "Начать игру")
    await chat.bot_says("Капитан —")


async def spin_stop(chat: Chat, number: int) -> tuple[dict[str, Any], list[str]]:
    """The round's spin message and the texts of its edits, up to the stop."""
    message = await chat.bot_says(f"Раунд {number}. Волчок крутится")
    cmid = message["conversation_message_id"]
    edits: list[str] = []
    while not edits or "Волчок остановился" not in edits[-1]:
        entry = await chat.control.wait_for(
            lambda e: e["kind"] == "bot_edit" and e["message"]["conversation_message_id"] == cmid,
            TIMEOUT,
            peer_id=chat.peer_id,
            description=f"an edit of round {number}'s spin",
        )
        edits.append(entry["message"]["text"])
    return message, edits


def names(game: Any) -> tuple[str, str]:
    captain = next(p.name for p in game.players if p.user_id == game.captain_id)
    other = next(p.name for p in game.players if p.user_id != game.captain_id)
    return captain, other


async def answer_question(
    chat: Chat, db: AsyncEngine, *, pick: str | None, right: bool
) -> dict[str, Any]:
    """Answer the question just asked: the captain answers early, picks ``pick`` (None: no
    pick comes, as in a blitz's later questions), the answerer answers; returns the verdict."""
    question = await chat.bot_says("Вопрос:")
    game = await current_game(db, chat.peer_id)
    assert game.phase is Phase.DISCUSSION
    captain, _ = names(game)
    assert await chat.press(captain, question, "Досрочный ответ") == texts.EARLY_OK
    if pick is not None:
        choice = await chat.bot_says("выберите, кто отвечает")
        assert await chat.press(captain, choice, pick) == texts.PICKED
    answerer = pick or next(p.name for p in game.players if p.user_id == game.blitz_answerer_id)
    await chat.bot_says(f"Отвечает {answerer}")
    await chat.say(answerer, game.question.answer if right else "совсем не то")
    return await chat.bot_says("Правильный ответ:")


async def test_a_tv_game_to_six_points_with_a_blitz(
    stack_factory: StackFactory, db: AsyncEngine
) -> None:
    stack = await stack_factory(**TV_GAME)
    await stack.start_bot()
    await stack.start_poller()
    chat = await make_chat(stack, "Анна", "Борис")
    seed = seed_with_blitz_in_round(2)
    expected = sectors_of(seed, 7)
    await open_tv_lobby(chat, db, seed, "Анна", "Борис")
    captain, other = names(await current_game(db, chat.peer_id))

    # Round 1: an ordinary sector, answered right.
    _, edits = await spin_stop(chat, 1)
    assert len(edits) == tv.SPIN_PASSES  # two more passes, then the stop: one message
    assert f"Волчок остановился: сектор {expected[0]}." in edits[-1]
    verdict = await answer_question(chat, db, pick=other, right=True)
    assert "Знатоки 1 : 0 Бот" in verdict["text"]

    # Round 2: the blitz; the captain names the answerer once, three right answers.
    _, edits = await spin_stop(chat, 2)
    assert "сектор 13" in edits[-1]
    assert "Блиц!" in edits[-1]
    first = await answer_question(chat, db, pick=other, right=True)
    assert "блиц: 1 из 3" in first["text"]
    await answer_question(chat, db, pick=None, right=True)
    verdict = await answer_question(chat, db, pick=None, right=True)
    assert "все 3 вопроса блица взяты" in verdict["text"]
    assert "Знатоки 2 : 0 Бот" in verdict["text"]

    # Round 3 goes to the bot, rounds 4 to 7 to the team: 6 : 1.
    for number in range(3, 8):
        _, edits = await spin_stop(chat, number)
        assert f"сектор {expected[number - 1]}." in edits[-1]
        await answer_question(chat, db, pick=captain, right=number != 3)
    results = (await chat.bot_says("Игра окончена"))["text"]
    assert f"Знатоки {TV_TARGET} : 1 Бот. Победили знатоки!" in results
    assert "2. сектор 13 — блиц, верных ответов 3 из 3" in results
    game = await current_game(db, chat.peer_id)
    assert list(game.sectors) == expected
    assert (game.round, game.extra, len(game.results)) == (7, 2, 7)
    async with db.connect() as conn:
        rounds = (await conn.execute(text("SELECT number, correct FROM game_rounds"))).all()
    assert sorted(tuple(r) for r in rounds) == [(n, n != 3) for n in range(1, 8)]
    assert (await stack.control.counters())["duplicate_random_ids"] == 0


async def test_a_killed_bot_resumes_a_spin_and_a_blitz(
    stack_factory: StackFactory, db: AsyncEngine
) -> None:
    # Long spin steps: the bot is killed while the arrow is between two sectors.
    stack = await stack_factory(**{**TV_GAME, "GAME_SPIN_STEP_SECONDS": "4"})
    bot = await stack.start_bot()
    await stack.start_poller()
    chat = await make_chat(stack, "Анна", "Борис")
    seed = seed_with_blitz_in_round(1)
    await open_tv_lobby(chat, db, seed, "Анна", "Борис")

    await chat.bot_says("Раунд 1. Волчок крутится")
    game = await current_game(db, chat.peer_id)
    assert (game.phase, game.spin_step) == (Phase.SPIN, 1)
    await bot.kill()
    bot = await stack.start_bot()
    edits: list[str] = []
    while not edits or "Волчок остановился" not in edits[-1]:
        entry = await chat.control.wait_for(
            lambda e: e["kind"] == "bot_edit" and "Раунд 1. Волчок" in e["message"]["text"],
            TIMEOUT,
            peer_id=chat.peer_id,
            description="an edit of the spin",
        )
        edits.append(entry["message"]["text"])
    assert len(edits) == tv.SPIN_PASSES  # resumed where it was: no step lost, none repeated
    assert "Волчок остановился: сектор 13." in edits[-1]

    _, other = names(game)
    await answer_question(chat, db, pick=other, right=True)
    question = await chat.bot_says("Вопрос:")  # the blitz's second question
    game = await current_game(db, chat.peer_id)
    assert (game.phase, game.blitz) == (Phase.DISCUSSION, 2)
    await bot.kill()
    await stack.start_bot()

    captain, _ = names(game)
    # The first question's button is stale; the second's works, and the named player answers.
    assert await chat.press(captain, question, payload=_early(game, 1)) == texts.TOO_LATE
    assert await chat.press(captain, question, "Досрочный ответ") == texts.EARLY_OK
    await chat.bot_says(f"Отвечает {other}")
    game = await current_game(db, chat.peer_id)
    await chat.say(other, game.question.answer)
    verdict = await answer_question(chat, db, pick=None, right=True)
    assert "все 3 вопроса блица взяты" in verdict["text"]
    await chat.say(captain, "/stop")
    results = (await chat.bot_says("Игра остановлена досрочно"))["text"]
    assert "1. сектор 13 — блиц, верных ответов 3 из 3" in results
    # Nothing sent twice across the kills: one spin, the blitz's three questions and prompts.
    sent = await chat.bot_messages()
    assert sum("Волчок крутится" in t for t in sent) == 1
    assert sum("Вопрос:" in t for t in sent) == 3
    assert sum(t.startswith("Раунд 1. Отвечает") for t in sent) == 3  # the answer prompts


def _early(game: Any, blitz: int) -> dict[str, Any]:
    return {"cmd": "early", "g": game.id, "r": game.round, "b": blitz}
