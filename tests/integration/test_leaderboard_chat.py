"""``/top`` and ``/me`` through the bot's real wiring (tests/bot_harness.py): the texts after
several games, ties, an empty chat, a stranger, another chat's games, the aliases, and both
commands during a game played through the bot itself."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from app.bot import texts
from tests.bot_harness import BotHarness
from tests.e2e.game_helpers import current_game
from tests.integration.leaderboard_rows import add_game, name_user

CHAT = 2000000901
OTHER = 2000000902
ANYA, BORYA, VERA = 21, 22, 23


async def reply(bot_harness: BotHarness, text: str, user: int = ANYA, peer_id: int = CHAT) -> str:
    """The one message the bot queued in answer to ``text``."""
    before = len(await bot_harness.texts(peer_id))
    await bot_harness.feed(bot_harness.message(peer_id, user, text))
    [answer] = (await bot_harness.texts(peer_id))[before:]
    return answer


async def three_games(bot_harness: BotHarness) -> None:
    """Аня and Боря tie on 2 right; Вера has none; the team won twice after a loss."""
    pool = bot_harness.pool
    team = [(ANYA, "Аня"), (BORYA, "Боря"), (VERA, "Вера")]
    await add_game(pool, CHAT, team, [(VERA, False), (ANYA, False), (BORYA, True)])
    await add_game(pool, CHAT, team[:2], [(ANYA, True), (BORYA, False)], status="stopped")
    await add_game(pool, CHAT, team[:2], [(ANYA, True), (BORYA, True)])
    await add_game(pool, CHAT, team[:1], [(ANYA, True)])
    await name_user(pool, BORYA, "Борис", "Петров")


async def test_top_ranks_the_players_with_ties_and_gives_the_record(
    bot_harness: BotHarness,
) -> None:
    await three_games(bot_harness)
    # Another chat's games change nothing here.
    await add_game(bot_harness.pool, OTHER, [(VERA, "Вера")], [(VERA, True)] * 5)

    top = await reply(bot_harness, "/top")
    assert top == (
        "Рейтинг беседы по верным ответам:\n"
        "1. Аня — 3 из 4 верно, 4 игры\n"
        "2. Борис Петров — 2 из 3 верно, 3 игры\n"
        "3. Вера — 0 из 1 верно, 1 игра\n"
        "\n"
        "Знатоки против бота: 2 победы, 1 поражение, 0 ничьих.\n"
        "Серия: 2 победы подряд.\n"
        "Сыграно игр: 4, до конца доиграно: 3."
    )
    # A tie: Борис catches up with Аня in one more finished game, drawn 1 : 1; equal in
    # everything, they are listed by user id.
    team = [(BORYA, "Боря"), (VERA, "Вера")]
    await add_game(bot_harness.pool, CHAT, team, [(BORYA, True), (VERA, False)])
    top = await reply(bot_harness, "рейтинг", user=VERA)
    assert "\n1. Аня — 3 из 4 верно, 4 игры\n1. Борис Петров — 3 из 4 верно, 4 игры\n3. " in top
    assert "Последняя игра — ничья." in top  # 1 : 1
    assert "Знатоки против бота: 2 победы, 1 поражение, 1 ничья." in top

    other = await reply(bot_harness, "/рейтинг", user=VERA, peer_id=OTHER)
    assert other.splitlines()[1] == "1. Вера — 5 из 5 верно, 1 игра"
    assert "Последняя игра — победа." in other


async def test_me_gives_the_callers_line_or_a_friendly_word(bot_harness: BotHarness) -> None:
    await three_games(bot_harness)
    assert await reply(bot_harness, "/me", user=BORYA) == (
        "Борис Петров: 2-е место из 3 игроков — 2 из 3 верно, 3 игры."
    )
    assert await reply(bot_harness, "[club1|@znatoki] /я", user=ANYA) == (
        "Аня: 1-е место из 3 игроков — 3 из 4 верно, 4 игры."
    )
    # Вера played only in this chat: in the other one she is a stranger.
    assert await reply(bot_harness, "/me", user=VERA, peer_id=OTHER) == texts.NEVER_PLAYED
    assert await reply(bot_harness, "/me", user=99) == texts.NEVER_PLAYED


async def test_a_chat_without_played_games(bot_harness: BotHarness) -> None:
    await add_game(bot_harness.pool, CHAT, [], status="closed")  # a lobby nobody joined
    assert await reply(bot_harness, "/top") == texts.TOP_NO_GAMES
    assert await reply(bot_harness, "/me") == texts.NEVER_PLAYED
    # "рейтинг" is a command only on its own: in a sentence it is chat, and nothing answers.
    await bot_harness.feed(bot_harness.message(CHAT, ANYA, "рейтинг у нас так себе"))
    assert await bot_harness.texts(CHAT) == [texts.TOP_NO_GAMES, texts.NEVER_PLAYED]


async def test_the_list_stops_at_fifteen_and_counts_the_rest(bot_harness: BotHarness) -> None:
    longest = "Я" * 200  # VK names are up to 200 + 200 characters
    for n in range(20):
        await name_user(bot_harness.pool, 100 + n, longest, longest)
    players = [(100 + n, "x") for n in range(20)]
    await add_game(bot_harness.pool, CHAT, players[:10], [(100 + n, True) for n in range(10)])
    await add_game(bot_harness.pool, CHAT, players[10:], [(110, False)])
    top = await reply(bot_harness, "/top")
    lines = top.splitlines()
    assert len([line for line in lines if line[:1].isdigit()]) == 15
    assert "…и ещё 5 игроков. Своё место: /me" in lines
    assert len(top) < 9000 // 3


async def test_both_work_during_a_game(bot_harness: BotHarness, db: AsyncEngine) -> None:
    await three_games(bot_harness)
    user = (await bot_harness.control.create_user("Ирина", "Петрова"))["id"]
    await bot_harness.feed(bot_harness.message(CHAT, user, "/start"))
    await bot_harness.feed(bot_harness.press(CHAT, user, {"cmd": "join"}))
    await bot_harness.feed(bot_harness.press(CHAT, user, {"cmd": "begin"}))
    await bot_harness.feed(bot_harness.press(CHAT, user, {"cmd": "early"}))  # a lone player answers
    game = await current_game(db, CHAT)
    await bot_harness.feed(bot_harness.message(CHAT, user, game.questions[0].answer))
    assert (await current_game(db, CHAT)).score_team == 1

    top = await reply(bot_harness, "/top", user=user)
    assert "\n3. Ирина Петрова — 1 из 1 верно, 1 игра\n" in top  # after Борис with 2
    assert "Сыграно игр: 5, до конца доиграно: 3." in top  # the game under way is played
    assert await reply(bot_harness, "/me", user=user) == (
        "Ирина Петрова: 3-е место из 4 игроков — 1 из 1 верно, 1 игра."
    )
    # The game goes on: neither command was taken for a chat message or an answer.
    assert (await current_game(db, CHAT)).phase.value not in ("finished", "stopped")
