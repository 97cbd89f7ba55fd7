"""The web admin (/admin/) driven by headless Chromium against the real admin API.

The admin app runs on a real socket (aiohttp's TestServer through ``app_factory``); where a
game is needed, the bot and the poller are real processes beside the VK emulator
(``stack_factory``). Playwright drives Debian's Chromium exactly as tests/e2e/test_browser.py
does, and the tests synchronise on what the page shows (``expect`` auto-waits), never on sleeps.

Set ``ADMIN_SCREENSHOT=path.png`` to save a screenshot of a game's page (docs/admin.png).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.game import appeals
from tests.admin_api.conftest import EMAIL, PASSWORD, AppFactory, Client, login
from tests.admin_api.seed import add_chat
from tests.admin_api.test_appeals_e2e import play_the_round
from tests.browser import SKIP_REASON, browser_page
from tests.e2e.conftest import StackFactory
from tests.e2e.game_helpers import begin_game, current_game, make_chat
from tests.emulator.images import png
from tests.pack_files import make_zip

with contextlib.suppress(ImportError):  # SKIP_REASON says so when it is missing
    from playwright.async_api import Page, expect

pytestmark = pytest.mark.skipif(SKIP_REASON is not None, reason=SKIP_REASON or "")

STACK_ENV = ("DATABASE_URL", "AMQP_URL", "AMQP_PREFIX", "UPDATE_SHARDS", "VK_GROUP_ID")

PACK = """### Кубок с картинкой
#EDITOR Иван Редакторов
#DATE 2026-11-30

## Тур 1

№ 1
? Какой город — столица Франции? <b>не тег</b>
! Париж
= Paris
/ Город на Сене.

№ 2
? (img square.png) Что изображено на картинке?
! Квадрат
"""


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    async with browser_page(1280, 860) as page:
        yield page


def url(client: Client, path: str = "/admin/") -> str:
    return str(client.make_url(path))


async def log_in(page: Page, client: Client, password: str = PASSWORD) -> None:
    await page.goto(url(client))
    await expect(page.get_by_role("heading", name="Вход")).to_be_visible()
    await page.get_by_label("Электронная почта").fill(EMAIL)
    await page.get_by_label("Пароль").fill(password)
    await page.get_by_role("button", name="Войти").click()


async def logged_in(page: Page, client: Client) -> None:
    await log_in(page, client)
    await expect(page.get_by_role("navigation", name="Разделы")).to_be_visible()


async def test_log_in_wrong_password_csrf_and_log_out(anon: Client, page: Page) -> None:
    await log_in(page, anon, password="wrong")
    await expect(page.get_by_role("alert")).to_have_text("Неверная почта или пароль.")
    await page.get_by_label("Пароль").fill(PASSWORD)
    await page.get_by_role("button", name="Войти").click()
    nav = page.get_by_role("navigation", name="Разделы")
    await expect(nav).to_be_visible()
    for section in ("Вопросы", "Пакеты", "Чаты", "Игры", "Апелляции", "Статистика"):
        await expect(nav.get_by_role("link", name=section)).to_be_visible()
    await expect(page.get_by_role("heading", name="Вопросы", exact=True)).to_be_visible()
    await expect(page).to_have_url(url(anon, "/admin/#/questions"))

    # The page holds the CSRF token; a state change without it is refused (the cookie alone
    # is not enough), and with it goes through.
    without, with_token = await page.evaluate(
        """async () => {
            const body = JSON.stringify({text: "Сколько?", answer: "Два"});
            const headers = {"Content-Type": "application/json"};
            const refused = await fetch("/api/questions", {method: "POST", headers, body});
            const me = await (await fetch("/api/auth/me")).json();
            const created = await fetch("/api/questions", {
                method: "POST", body, headers: {...headers, "X-CSRF-Token": me.csrf_token},
            });
            return [[refused.status, (await refused.json()).error.code], created.status];
        }"""
    )
    assert without == [403, "csrf"]
    assert with_token == 201

    # Reload keeps the session and the section; the back button works.
    await nav.get_by_role("link", name="Статистика").click()
    await expect(page.get_by_role("heading", name="Статистика")).to_be_visible()
    await page.reload()
    await expect(page.get_by_role("heading", name="Статистика")).to_be_visible()
    await page.go_back()
    await expect(page.get_by_role("heading", name="Вопросы", exact=True)).to_be_visible()

    await page.get_by_role("button", name="Выйти").click()
    await expect(page.get_by_role("heading", name="Вход")).to_be_visible()
    assert await page.evaluate("async () => (await fetch('/api/auth/me')).status") == 401


async def test_import_a_zip_with_a_picture_and_open_the_pack(
    anon: Client, db: AsyncEngine, page: Page
) -> None:
    await logged_in(page, anon)
    await page.get_by_role("navigation", name="Разделы").get_by_role("link", name="Пакеты").click()
    upload = page.get_by_label("Файл пакета")

    # A broken file: the importer's FILE:LINE: problem, in place; nothing imported.
    broken = "### Кубок\n## Тур 1\n? Вопрос без ответа\n".encode()
    await upload.set_input_files({"name": "broken.4s", "mimeType": "text/plain", "buffer": broken})
    await page.get_by_role("button", name="Импортировать").click()
    problem = page.locator(".import-error")
    await expect(problem).to_contain_text("Пакет не импортирован")
    await expect(problem).to_contain_text("broken.4s:3: question 1: no answer")

    # Over the cap: refused in the page, before any upload.
    big = b"x" * (10 * 1024 * 1024 + 1)
    await upload.set_input_files({"name": "big.txt", "mimeType": "text/plain", "buffer": big})
    await page.get_by_role("button", name="Импортировать").click()
    await expect(problem).to_contain_text("Файл слишком большой.")

    # The zip with its picture: listed with its counts.
    data = make_zip({"pack.4s": PACK, "square.png": png(40, 30)})
    await upload.set_input_files({"name": "cup.zip", "mimeType": "application/zip", "buffer": data})
    await page.get_by_role("button", name="Импортировать").click()
    row = page.get_by_role("row").filter(has_text="Кубок с картинкой")
    await expect(row).to_be_visible()
    await expect(problem).to_be_empty()
    await expect(row).to_contain_text("Иван Редакторов")
    await expect(row.get_by_role("checkbox")).to_be_checked()

    # Opened: tours, questions (a question's text is shown as text), the picture loaded.
    await row.get_by_role("link", name="Кубок с картинкой").click()
    await expect(page.get_by_role("heading", name="Кубок с картинкой")).to_be_visible()
    await expect(page.get_by_role("heading", name="Тур 1")).to_be_visible()
    await expect(page.get_by_text("<b>не тег</b>", exact=False)).to_be_visible()
    await expect(page.locator(".question b")).to_have_count(0)
    picture = page.get_by_role("img", name="Раздаточный материал к вопросу 2")
    await expect(picture).to_be_visible()
    handle = await picture.element_handle()
    await page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=handle)
    assert await picture.evaluate("img => img.naturalWidth") == 40

    # Disabled from its page: the API says so.
    await page.get_by_role("checkbox", name="в играх").uncheck()
    await expect(page.locator("#toast")).to_contain_text("выключен")
    await login(anon)
    (pack,) = (await (await anon.get("/api/packs")).json())["items"]
    assert pack["enabled"] is False
    assert page.url.endswith(f"#/packs/{pack['id']}")


async def test_chat_settings_errors_by_field_then_saved(
    anon: Client, db: AsyncEngine, page: Page
) -> None:
    peer_id = 2_000_000_001
    await add_chat(db, peer_id, "Клуб знатоков")
    await login(anon)
    upload = await anon.post(
        "/api/packs/import",
        data={"file": io.BytesIO(make_zip({"pack.4s": PACK, "square.png": png()}))},
    )
    assert upload.status == 201, await upload.text()
    pack: dict[str, Any] = await upload.json()

    await logged_in(page, anon)
    await page.get_by_role("navigation", name="Разделы").get_by_role("link", name="Чаты").click()
    await page.get_by_role("link", name="Клуб знатоков").click()
    await expect(page.get_by_role("heading", name="Клуб знатоков")).to_be_visible()
    discussion = page.get_by_label("Обсуждение, с")
    await expect(discussion).to_have_attribute("min", "1")
    await expect(discussion).to_have_attribute("max", "3600")
    await expect(page.get_by_label("Формат игры").locator("option")).to_have_count(3)

    # The pack is picked, then disabled elsewhere before the save: the API refuses, by field.
    await discussion.fill("45")
    await page.get_by_label("Пакет вопросов").select_option(
        label=f"Кубок с картинкой (№ {pack['id']}, 2 вопр.)"
    )
    disabled = await anon.patch(f"/api/packs/{pack['id']}", json={"enabled": False})
    assert disabled.status == 200, await disabled.text()
    await page.get_by_role("button", name="Сохранить").click()
    pack_error = (
        page.locator(".field")
        .filter(has=page.get_by_label("Пакет вопросов"))
        .locator(".field-error")
    )
    await expect(pack_error).to_have_text(f"Пакет {pack['id']} выключен: сначала включите его.")
    await expect(page.get_by_label("Пакет вопросов")).to_have_attribute("aria-invalid", "true")
    chat = await (await anon.get(f"/api/chats/{peer_id}")).json()
    assert chat["settings"]["overrides"] == {}  # nothing of the refused change was written

    # Back to random questions, the TV format: saved.
    await page.get_by_label("Пакет вопросов").select_option(value="")
    await page.get_by_label("Формат игры").select_option(value="tv")
    await page.get_by_role("button", name="Сохранить").click()
    await expect(page.locator("#toast")).to_have_text("Настройки сохранены.")
    await expect(page.get_by_label("Обсуждение, с")).to_have_value("45")
    chat = await (await anon.get(f"/api/chats/{peer_id}")).json()
    assert chat["settings"]["overrides"] == {"discussion_seconds": 45, "mode": "tv"}
    assert chat["settings"]["pack_id"] is None


async def test_stop_a_live_game_and_accept_an_appeal(
    stack_factory: StackFactory, app_factory: AppFactory, db: AsyncEngine, page: Page
) -> None:
    stack = await stack_factory(GAME_ROUNDS="1")
    await stack.start_bot()
    await stack.start_poller()

    # Chat 1: a one-round game lost on a wrong answer; the captain appeals.
    first = await make_chat(stack, "Анна", "Борис")
    _, question = await begin_game(first, "Анна", "Борис")
    captain = await play_the_round(first, db, question, "абракадабра")
    verdict = await first.bot_says("Неверно")
    await first.bot_says("Игра окончена")
    assert await first.press(captain, verdict, "Апелляция") == appeals.FILED
    await first.bot_says("подал апелляцию")
    # Chat 2: a game under way.
    second = await make_chat(stack, "Вера", "Глеб")
    await begin_game(second, "Вера", "Глеб")

    client = await app_factory(**{name: stack.env[name] for name in STACK_ENV})
    await logged_in(page, client)
    nav = page.get_by_role("navigation", name="Разделы")

    # The live game, refreshed by itself; stopped after a confirmation.
    await nav.get_by_role("link", name="Игры").click()
    live = page.locator(".live-games tbody tr")
    await expect(live).to_have_count(1)
    await expect(live).to_contain_text("Знатоки 0 : 0 Бот")
    await expect(live.locator(".phase")).to_have_text("обсуждение")
    await expect(live.locator(".time-left")).to_have_text(re.compile(r"^\d+ с$"))  # of 30 s
    await live.get_by_role("button", name="Остановить").click()
    dialog = page.get_by_role("dialog")
    await expect(dialog).to_contain_text("Остановить игру")
    await dialog.get_by_role("button", name="Остановить игру").click()
    results = await second.bot_says("Игра остановлена досрочно")
    assert "Счёт: Знатоки 0 : 0 Бот" in results["text"]
    await expect(page.locator(".live-games tbody")).to_have_text("Пусто")

    # The pending appeal: accepted in one click; the bot corrects the game.
    await nav.get_by_role("link", name="Апелляции").click()
    card = page.get_by_role("article", name="Апелляция", exact=False)
    await expect(card).to_have_count(1)
    await expect(card.locator(".given")).to_have_text("абракадабра")
    game = await current_game(db, first.peer_id)
    await expect(card.locator(".author")).to_have_text(game.questions[0].answer)
    await card.get_by_role("button", name="Принять").click()
    told = await first.bot_says("Апелляция принята")
    assert "Счёт: Знатоки 1 : 0 Бот." in told["text"]
    decided = page.locator("tr", has_text="абракадабра")
    await expect(decided).to_contain_text("принята")
    await expect(decided).to_contain_text("учтено")
    await decided.get_by_role("link").first.click()
    await expect(page.locator(".facts .score")).to_have_text("Знатоки 1 : 0 Бот")
    rounds = page.locator(".rounds tbody tr")
    await expect(rounds).to_have_count(1)
    await expect(rounds).to_contain_text("абракадабра")
    await expect(rounds).to_contain_text("апелляция принята")
    screenshot = os.environ.get("ADMIN_SCREENSHOT")
    if screenshot:
        await page.screenshot(path=screenshot)

    # The statistics count it: the team won the one finished game; today has both games.
    await nav.get_by_role("link", name="Статистика").click()
    rate = page.locator(".stat").filter(has_text="Доля побед команды")
    await expect(rate.locator("dd")).to_have_text("100 %")
    today = page.locator("svg.chart g.day").last
    await expect(today.locator("title")).to_contain_text("игр 2, побед команды 1, побед бота 0")
    await expect(today.locator("rect")).to_have_count(2)
    hardest = page.locator("table.hardest tbody tr")
    await expect(hardest.filter(has_text=game.questions[0].answer)).to_have_count(1)


async def test_questions_create_with_a_picture_search_edit_and_delete(
    anon: Client, db: AsyncEngine, page: Page
) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    await logged_in(page, anon)
    await page.get_by_role("link", name="Новый вопрос").click()
    await expect(page.get_by_role("heading", name="Новый вопрос")).to_be_visible()
    text = "Кто написал «Зюзяблика»? <img src=x onerror=alert(1)>"
    await page.get_by_label("Текст вопроса").fill(text)
    await page.get_by_label("Ответ", exact=True).fill("Лермонтов")
    await page.get_by_label("Зачёт", exact=True).fill("М. Ю. Лермонтов\n\nМихаил Лермонтов")
    await page.get_by_label("Незачёт").fill("Пушкин")
    await page.get_by_label("Комментарий").fill("Поэма 1839 года.")
    await page.get_by_label("Авторы").fill("Анна Авторова")
    await page.get_by_label("Источники").fill("Собрание сочинений, т. 2")
    await page.get_by_label("Текст раздатки").fill("Смотрите на картинку")
    picture = page.get_by_label("Картинка", exact=True)
    await picture.set_input_files({"name": "a.txt", "mimeType": "text/plain", "buffer": b"x"})
    await expect(page.get_by_text("Нужна картинка PNG, JPEG или GIF.")).to_be_visible()
    await picture.set_input_files({"name": "a.png", "mimeType": "image/png", "buffer": png(30, 20)})
    await expect(page.get_by_role("img", name="Новая картинка: a.png")).to_be_visible()
    await page.get_by_role("button", name="Создать").click()
    await expect(page.locator("#toast")).to_contain_text("создан")
    heading = page.get_by_role("heading", name="Вопрос №")
    await expect(heading).to_be_visible()
    question_id = int((await heading.inner_text()).split("№")[1])
    stored = page.get_by_role("img", name="Раздаточный материал (картинка)")
    await expect(stored).to_be_visible()
    handle = await stored.element_handle()
    await page.wait_for_function("img => img.complete && img.naturalWidth === 30", arg=handle)

    await login(anon)
    saved = await (await anon.get(f"/api/questions/{question_id}")).json()
    assert saved["text"] == text
    assert saved["alternatives"] == ["М. Ю. Лермонтов", "Михаил Лермонтов"]
    assert saved["rejected"] == ["Пушкин"]
    assert (saved["comment"], saved["authors"], saved["sources"]) == (
        "Поэма 1839 года.",
        ["Анна Авторова"],
        ["Собрание сочинений, т. 2"],
    )
    assert saved["handout"] == {"text": "Смотрите на картинку", "image": True}

    # A required field left empty is marked by the field; then a valid edit is saved.
    answer = page.get_by_label("Ответ", exact=True)
    await answer.fill("")
    await page.get_by_role("button", name="Сохранить").click()
    await expect(answer).to_have_attribute("aria-invalid", "true")
    await expect(page.locator(".field-error[data-error-for='answer']")).to_have_text(
        "Обязательное поле."
    )
    await answer.fill("Михаил Юрьевич Лермонтов")
    await page.get_by_role("button", name="Сохранить").click()
    await expect(page.locator("#toast")).to_contain_text("сохранён")
    await expect(page.get_by_label("Ответ", exact=True)).to_have_value("Михаил Юрьевич Лермонтов")
    saved = await (await anon.get(f"/api/questions/{question_id}")).json()
    assert saved["answer"] == "Михаил Юрьевич Лермонтов"

    # Found by the API's q, the text shown as text; on a phone the table turns into cards.
    await page.get_by_role("link", name="Вопросы").first.click()
    await page.get_by_label("Поиск").fill("зюзяблик")
    await page.get_by_label("Поиск").press("Enter")
    await expect(page).to_have_url(
        url(anon, "/admin/#/questions?q=%D0%B7%D1%8E%D0%B7%D1%8F%D0%B1%D0%BB%D0%B8%D0%BA")
    )
    row = page.locator("table.questions tbody tr")
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("<img src=x onerror=alert(1)>")
    await expect(row.locator("img")).to_have_count(0)
    await page.set_viewport_size({"width": 390, "height": 800})
    await expect(page.locator("table.questions thead")).to_have_css("position", "absolute")
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    await page.set_viewport_size({"width": 1280, "height": 860})

    # Deleted after a confirmation (cancelled once).
    await row.get_by_role("button", name=f"Удалить вопрос {question_id}").click()
    dialog = page.get_by_role("dialog")
    await dialog.get_by_role("button", name="Отмена").click()
    await expect(dialog).to_have_count(0)
    await expect(row).to_have_count(1)
    await row.get_by_role("button", name=f"Удалить вопрос {question_id}").click()
    await page.get_by_role("dialog").get_by_role("button", name="Удалить").click()
    await expect(page.locator("#toast")).to_contain_text("удалён")
    await expect(row).to_have_count(1)
    await expect(row).to_have_text("Пусто")
    assert (await anon.get(f"/api/questions/{question_id}")).status == 404
    assert dialogs == []  # nothing from the question's text ran
