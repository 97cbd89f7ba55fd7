"""A real pack through the whole product: a zip with a picture imported by the CLI, chosen in
the chat with /pack, played in its order with the picture attached to the question, and
continued by the next game where the last one stopped."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import aiohttp
from sqlalchemy.ext.asyncio import AsyncEngine

from app.bot import texts as bot_texts
from tests.e2e.conftest import Stack
from tests.e2e.game_helpers import begin_game, current_game, make_chat
from tests.emulator.images import png
from tests.pack_files import make_zip

PACK = """### Кубок Знатоков
#EDITOR Редактор Редакторов

## Тур 1

№ 1
? (img cat.png) Кто изображён на картинке?
! Кот
= Котик
@ Анна Авторова
^ Энциклопедия котов

№ 2
? [Раздаточный материал: Мяу-мяу] Кто так говорит?
! Кошка
@ Борис Б.

№ 3
? Сколько лап у кошки?
! Четыре
= 4
"""


async def import_with_cli(path: Path, database_url: str) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.packs",
        "import",
        str(path),
        env={**os.environ, "DATABASE_URL": database_url},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return out.decode()


async def test_a_zip_pack_with_a_picture_is_chosen_and_played_in_order(
    stack: Stack, db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    picture = png(3, 2)
    path = tmp_path / "cup.zip"
    path.write_bytes(make_zip({"cup.4s": PACK, "cat.png": picture}))
    printed = await import_with_cli(path, database_url)
    assert "«Кубок Знатоков»: 1 tours, 3 questions, 1 pictures" in printed

    await stack.start_bot()
    await stack.start_poller()
    chat = await make_chat(stack, "Анна", "Борис")

    await chat.say("Анна", "/pack")
    menu = await chat.bot_says("Пакеты вопросов")
    assert "Сейчас вопросы случайные" in menu["text"]
    assert await chat.press("Борис", menu, "Кубок Знатоков (3)") == bot_texts.PACK_PINNED_SNACKBAR
    await chat.control.wait_for(
        lambda e: e["kind"] == "bot_edit" and "Выбран пакет" in e["message"]["text"],
        timeout=20,
        description="the menu edited to name the chosen pack",
    )

    lobby, question = await begin_game(chat, "Анна", "Борис")
    assert "Пакет: «Кубок Знатоков»." in lobby["text"]
    assert "Кто изображён на картинке?" in question["text"]
    (attachment,) = question["attachments"]
    assert attachment["type"] == "photo"
    url = attachment["photo"]["sizes"][-1]["url"]
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        assert await response.read() == picture  # the very picture of the pack

    game = await current_game(db, chat.peer_id)
    captain = game.name_of(game.captain_id)
    await chat.press(captain, question, "Досрочный ответ")
    pick = await chat.bot_says("выберите, кто отвечает")
    await chat.press(captain, pick, captain)
    await chat.say(captain, "котик")  # a зачёт entry
    verdict = await chat.bot_says("Верно!")
    assert "Автор: Анна Авторова." in verdict["text"]
    assert "Источник: Энциклопедия котов" in verdict["text"]
    # The closed question still shows its picture (an edit keeps what it passes again).
    (closed,) = [m for m in await chat.control.messages(chat.peer_id) if m["id"] == question["id"]]
    assert closed["attachments"] == question["attachments"]

    question = await chat.bot_says("Раунд 2 из 3")
    assert "Раздаточный материал:\nМяу-мяу" in question["text"]
    assert not question.get("attachments")
    await chat.say("Анна", "/stop")
    await chat.bot_says("Игра остановлена")

    # The next game goes on from the question the last one stopped at.
    _, question = await begin_game(chat, "Анна")
    assert "Раунд 1 из 2" in question["text"]
    assert "Кто так говорит?" in question["text"]
    await chat.say("Анна", "/stop")
    await chat.bot_says("Игра остановлена")

    # Back to random questions.
    await chat.say("Борис", "/pack random")
    await chat.bot_says("Пакет не выбран")
    lobby, _ = await begin_game(chat, "Борис")
    assert "Пакет:" not in lobby["text"]
    assert len(await chat.control.photos()) == 1  # one upload, reused by the closing edit
