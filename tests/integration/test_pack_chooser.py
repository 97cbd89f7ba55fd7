"""``/pack`` through the bot's real wiring (tests/bot_harness.py): the menu paged within VK's
keyboard limits, a press pinning a pack, refusals during a game, stale and garbage presses."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from app.bot import texts
from app.bot.pack_router import PAGE_SIZE
from app.db.engine import create_sessionmaker
from app.packs import load
from app.packs.store import digest_of, import_pack
from tests.bot_harness import BotHarness

CHAT = 2000000601
USER = 7


async def add_packs(db: AsyncEngine, count: int) -> list[int]:
    ids = []
    async with create_sessionmaker(db).begin() as session:
        for n in range(1, count + 1):
            data = f"### Пакет {n}\n## Тур\n№ 1\n? Вопрос {n}?\n! Ответ {n}\n".encode()
            ids.append(
                (await import_pack(session, load(data, f"p{n}.4s"), digest_of(data))).pack_id
            )
    return ids


def labels(params: dict[str, Any]) -> list[list[str]]:
    keyboard = params["keyboard"]
    keyboard = json.loads(keyboard) if isinstance(keyboard, str) else keyboard
    return [[b["action"]["label"] for b in row] for row in keyboard["buttons"]]


async def settings(bot_harness: BotHarness) -> Any:
    return await bot_harness.pool.fetchval("SELECT settings FROM chats WHERE peer_id = $1", CHAT)


async def last(bot_harness: BotHarness) -> tuple[str, dict[str, Any]]:
    return (await bot_harness.queued(CHAT))[-1]


async def test_the_menu_pages_through_the_enabled_packs(
    bot_harness: BotHarness, db: AsyncEngine
) -> None:
    ids = await add_packs(db, PAGE_SIZE + 2)
    await bot_harness.pool.execute("UPDATE packs SET enabled = false WHERE id = $1", ids[0])
    await bot_harness.feed(bot_harness.message(CHAT, USER, "/пакет"))
    method, menu = await last(bot_harness)
    assert method == "messages.send"
    assert "страница 1 из 2" in menu["text"]
    rows = labels(menu)
    assert rows[:-1] == [[f"Пакет {n} (1)"] for n in range(2, 2 + PAGE_SIZE)]
    assert rows[-1] == ["Случайные вопросы", "▶"]
    assert sum(map(len, rows)) <= 10
    assert len(rows) <= 6

    await bot_harness.feed(bot_harness.press(CHAT, USER, {"cmd": "packs", "page": 1}))
    method, page = await last(bot_harness)
    assert method == "messages.edit"
    assert "страница 2 из 2" in page["text"]
    assert labels(page) == [[f"Пакет {PAGE_SIZE + 2} (1)"], ["◀", "Случайные вопросы"]]

    # A page past the end (packs removed meanwhile) shows the last one; garbage pages the first.
    await bot_harness.feed(bot_harness.press(CHAT, USER, {"cmd": "packs", "page": 40}))
    assert "страница 2 из 2" in (await last(bot_harness))[1]["text"]
    await bot_harness.feed(bot_harness.press(CHAT, USER, {"cmd": "packs", "page": "x"}))
    assert "страница 1 из 2" in (await last(bot_harness))[1]["text"]


async def test_a_press_pins_the_pack_and_the_lobby_names_it(
    bot_harness: BotHarness, db: AsyncEngine
) -> None:
    (pack_id,) = await add_packs(db, 1)
    await bot_harness.feed(bot_harness.press(CHAT, USER, {"cmd": "pack", "id": pack_id}))
    answer, edit = (await bot_harness.queued(CHAT))[-2:]
    assert answer[1]["text"] == texts.PACK_PINNED_SNACKBAR
    assert edit[1]["text"] == texts.pack_pinned("Пакет 1")
    assert await settings(bot_harness) == {"pack_id": pack_id}

    await bot_harness.feed(bot_harness.message(CHAT, USER, "/start"))
    lobby = (await last(bot_harness))[1]["text"]
    assert "Пакет: «Пакет 1»." in lobby
    assert "1 вопрос." in lobby  # the pack has one question: the game has one round

    # During the game the menu is refused, by command and by press.
    await bot_harness.feed(bot_harness.message(CHAT, USER, "/pack"))
    assert (await last(bot_harness))[1]["text"] == texts.PACKS_DURING_GAME
    await bot_harness.feed(bot_harness.press(CHAT, USER, {"cmd": "pack", "id": None}))
    assert (await last(bot_harness))[1]["text"] == texts.PACKS_DURING_GAME
    assert await settings(bot_harness) == {"pack_id": pack_id}


async def test_unpinning_by_command_and_stale_or_garbage_presses(
    bot_harness: BotHarness, db: AsyncEngine
) -> None:
    (pack_id,) = await add_packs(db, 1)
    await bot_harness.feed(bot_harness.press(CHAT, USER, {"cmd": "pack", "id": pack_id}))
    await bot_harness.feed(bot_harness.message(CHAT, USER, "/pack random"))
    assert (await last(bot_harness))[1]["text"] == texts.pack_unpinned()
    assert await settings(bot_harness) == {}

    await bot_harness.pool.execute("DELETE FROM packs")
    for payload in ({"cmd": "pack", "id": pack_id}, {"cmd": "pack", "id": "1; DROP"}):
        await bot_harness.feed(bot_harness.press(CHAT, USER, payload))
        method, params = await last(bot_harness)
        assert method == "messages.sendMessageEventAnswer"
        assert params["text"] == texts.PACK_GONE
    assert await settings(bot_harness) == {}

    await bot_harness.feed(bot_harness.message(CHAT, USER, "/pack"))
    assert (await last(bot_harness))[1]["text"] == texts.PACKS_NONE
