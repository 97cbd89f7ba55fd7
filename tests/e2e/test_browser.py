"""A whole game played in the emulator's web chat by headless Chromium, as two people would.

The poller and the bot are real processes (Postgres, RabbitMQ), the emulator runs in-process,
and Playwright drives Debian's Chromium (``executable_path``; the browser is never downloaded).
The page is the only way the test acts: it creates the chat, switches between the members,
clicks the bot's buttons and types into the input box. It synchronises on what the page shows
(Playwright's auto-waiting ``expect``), never on fixed sleeps.

Set ``WEBCHAT_SCREENSHOT=path.png`` to save a screenshot of the page during the discussion
(that is how docs/webchat.png was made); the test writes nothing otherwise.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.game import texts
from tests.browser import SKIP_REASON, browser_page
from tests.e2e.conftest import TOKEN, StackFactory
from tests.e2e.game_helpers import current_game
from tests.emulator.images import png
from tests.helpers import emulator_vk

with contextlib.suppress(ImportError):  # SKIP_REASON says so when it is missing
    from playwright.async_api import Locator, Page, expect

pytestmark = pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or "")


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    async with browser_page(1100, 760) as page:
        yield page


class WebChat:
    """The page, used the way a person uses it."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.toast = page.locator("#toast")

    def message(self, text: str) -> Locator:
        """Messages (rendered <article>s) containing ``text``."""
        return self.page.locator("#messages article.msg", has_text=text)

    async def act_as(self, name: str) -> None:
        await self.page.get_by_label("От имени").select_option(label=name)

    async def say(self, name: str, text: str) -> None:
        await self.act_as(name)
        box = self.page.get_by_label("Сообщение")
        await box.fill(text)
        await box.press("Enter")
        await expect(box).to_have_value("")
        await expect(self.page.locator("#messages .msg-text", has_text=text).last).to_be_visible()

    async def press(self, name: str, message: Locator, label: str) -> None:
        await self.act_as(name)
        await message.get_by_role("button", name=label, exact=True).click()

    async def snackbar(self, text: str) -> None:
        await expect(self.toast).to_be_visible()
        await expect(self.toast).to_have_text(text)


async def test_a_whole_game_in_the_web_chat(
    stack_factory: StackFactory, db: AsyncEngine, page: Page
) -> None:
    stack = await stack_factory(GAME_ROUNDS="2")
    await stack.start_bot()
    await stack.start_poller()
    await page.goto(str(stack.emulator.make_url("/")))
    chat = WebChat(page)

    # An empty emulator: the page offers to create a chat with players, the bot inside.
    dialog = page.get_by_role("dialog", name="Новая беседа")
    await expect(dialog).to_be_visible()
    await dialog.get_by_label("Название").fill("Знатоки")
    await dialog.get_by_label("Новые участники").fill("Анна\nБорис")
    await dialog.get_by_label("сразу в беседе").check()
    await dialog.get_by_role("button", name="Создать").click()
    await expect(dialog).to_be_hidden()
    await expect(page.get_by_role("heading", name="Знатоки")).to_be_visible()
    await expect(page.locator("#conn")).to_have_attribute("data-state", "online")
    [created] = await stack.control.chats()
    assert created["title"] == "Знатоки"
    assert created["bot_member"] is True
    peer_id = created["peer_id"]
    users = {u["id"]: u["first_name"] for u in await stack.control.users()}
    assert sorted(users.values()) == ["Анна", "Борис"]

    # Lobby: both join (a second press is answered with a snackbar), Анна starts.
    await chat.say("Анна", "/start")
    lobby = chat.message("Собираем команду")
    await expect(lobby).to_be_visible()
    await expect(lobby.get_by_role("button", name="Играю")).to_be_visible()
    await chat.press("Анна", lobby, "Играю")
    await chat.snackbar(texts.JOINED)
    await expect(lobby).to_contain_text("В команде (1): Анна")  # edited in place
    await chat.press("Анна", lobby, "Играю")
    await chat.snackbar(texts.ALREADY_JOINED)
    await chat.press("Борис", lobby, "Играю")
    await expect(lobby).to_contain_text("В команде (2): Анна, Борис")
    await chat.press("Анна", lobby, "Начать игру")
    await expect(chat.message("Капитан —")).to_be_visible()
    await expect(lobby.get_by_role("button")).to_have_count(0)  # the lobby keyboard is gone

    # Round 1: only the captain may answer early; he picks the other player, who is right.
    question = chat.message("Раунд 1 из 2")
    await expect(question).to_be_visible()
    game = await current_game(db, peer_id)
    captain = users[game.captain_id]
    other = next(name for uid, name in users.items() if uid != game.captain_id)
    await chat.press(other, question, "Досрочный ответ")
    await chat.snackbar(texts.CAPTAIN_ONLY_EARLY)
    screenshot = os.environ.get("WEBCHAT_SCREENSHOT")
    if screenshot:
        await page.screenshot(path=screenshot)
    await chat.press(captain, question, "Досрочный ответ")
    pick = chat.message("выберите, кто отвечает")
    await expect(pick).to_be_visible()
    await expect(question).to_contain_text("Обсуждение окончено")
    await expect(question.get_by_role("button")).to_have_count(0)
    await chat.press(captain, pick, other)
    await expect(pick).to_contain_text(f"Отвечает {other}.")
    await expect(pick.get_by_role("button")).to_have_count(0)
    await expect(chat.message(f"Отвечает {other}!")).to_be_visible()
    await chat.say(other, game.questions[0].answer)
    await expect(chat.message("Верно!")).to_contain_text("Знатоки 1 : 0 Бот")

    # Round 2: the captain answers himself, wrongly.
    question = chat.message("Раунд 2 из 2")
    await expect(question).to_be_visible()
    await chat.press(captain, question, "Досрочный ответ")
    pick = chat.message("выберите, кто отвечает").nth(1)
    await expect(pick).to_be_visible()
    await chat.press(captain, pick, captain)
    await expect(chat.message(f"Отвечает {captain}!")).to_be_visible()
    await chat.say(captain, "абракадабра")
    await expect(chat.message("Неверно: «абракадабра»")).to_contain_text("Знатоки 1 : 1 Бот")

    # The results are rendered in the page.
    results = chat.message("Игра окончена")
    await expect(results).to_be_visible()
    await expect(results).to_contain_text("Счёт: Знатоки 1 : 1 Бот. Ничья.")
    await expect(results).to_contain_text(f"{other}: ответов 1, верных 1")
    await expect(results).to_contain_text(f"{captain}: ответов 1, верных 0")
    await expect(results.locator(".author")).to_have_text("Znatoki (VK emulator)")

    # What the page shows is what the emulator holds.
    bot_texts = [m["text"] for m in await stack.control.messages(peer_id) if m["from_id"] < 0]
    assert bot_texts[-1].startswith("Игра окончена!")
    assert (await stack.control.counters())["duplicate_random_ids"] == 0


async def test_a_question_picture_shows_in_the_web_chat(
    stack_factory: StackFactory, page: Page
) -> None:
    """The bot's photo attachment (uploaded the way VK takes it) is drawn under its text."""
    stack = await stack_factory()
    user = await stack.control.create_user("Анна")
    peer_id = (await stack.control.create_chat("Знатоки", [user["id"]]))["peer_id"]
    async with aiohttp.ClientSession() as http:
        vk = emulator_vk(http, str(stack.emulator.make_url("/method")), TOKEN)
        attachment = await vk.upload_message_photo(png(40, 30), "cat.png", "image/png")
        await vk.send_message(peer_id, "Что на картинке?", random_id=1, attachment=attachment)
    await page.goto(str(stack.emulator.make_url("/")))
    message = WebChat(page).message("Что на картинке?")
    await expect(message).to_be_visible()
    picture = message.locator("img")
    await expect(picture).to_be_visible()
    handle = await picture.element_handle()
    await page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=handle)
    assert await picture.evaluate("img => img.naturalWidth") == 40  # fetched and decoded
