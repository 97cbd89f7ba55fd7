"""Appeals through the whole product: the captain appeals a wrong verdict, a conversation admin
accepts it in the chat (the score is corrected, the judge takes the answer next time), and an
admin accepts another through the admin API."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.engine import create_sessionmaker
from app.game import appeals
from app.packs import load
from app.packs.store import digest_of, import_pack
from tests.admin_api.conftest import AppFactory, login
from tests.e2e.conftest import StackFactory
from tests.e2e.game_helpers import Chat, begin_game, current_game, make_chat

PACK = """### Кошачий кубок
## Тур 1
№ 1
? Кто ловит мышей?
! Кошка
"""


async def play_the_round(
    chat: Chat, db: AsyncEngine, question: dict[str, object], said: str
) -> str:
    """The captain answers early by himself; returns the captain's name."""
    game = await current_game(db, chat.peer_id)
    captain = game.name_of(game.captain_id)
    await chat.press(captain, question, "Досрочный ответ")
    pick = await chat.bot_says("выберите, кто отвечает")
    await chat.press(captain, pick, captain)
    await chat.say(captain, said)
    return captain


async def test_appeals_accepted_in_the_chat_and_through_the_api(
    stack_factory: StackFactory, db: AsyncEngine, app_factory: AppFactory
) -> None:
    data = PACK.encode()
    async with create_sessionmaker(db).begin() as session:
        await import_pack(session, load(data, "cats.4s"), digest_of(data))
    stack = await stack_factory()
    await stack.start_bot()
    await stack.start_poller()
    chat = await make_chat(stack, "Анна", "Борис", "Вера")  # Анна owns the chat: its admin
    await chat.say("Анна", "/pack")
    menu = await chat.bot_says("Пакеты вопросов")
    await chat.press("Анна", menu, "Кошачий кубок (1)")

    # Game 1: «кот» is refused; the captain appeals, a player cannot decide, Анна accepts.
    _, question = await begin_game(chat, "Борис", "Вера")
    captain = await play_the_round(chat, db, question, "кот")
    verdict = await chat.bot_says("Неверно")
    await chat.bot_says("Игра окончена")
    other = "Вера" if captain == "Борис" else "Борис"
    assert await chat.press(other, verdict, "Апелляция") == appeals.CAPTAIN_ONLY
    assert await chat.press(captain, verdict, "Апелляция") == appeals.FILED
    ask = await chat.bot_says("подал апелляцию на раунд 1")
    assert await chat.press(captain, ask, "Принять") == appeals.ADMINS_ONLY
    assert await chat.press("Анна", ask, "Принять") == appeals.DECIDED
    told = await chat.bot_says("Апелляция принята")
    assert "Счёт: Знатоки 1 : 0 Бот." in told["text"]
    game = await current_game(db, chat.peer_id)
    assert (game.phase.value, game.score_team, game.score_bot) == ("finished", 1, 0)
    await chat.say("Вера", "/info")
    assert "(апелляция принята)" in (await chat.bot_says("Итоги прошлой игры"))["text"]

    # Game 2, the same question (the pack starts over): «кот» now counts.
    _, question = await begin_game(chat, "Борис", "Вера")
    await play_the_round(chat, db, question, "кот")
    await chat.bot_says("Верно!")
    await chat.bot_says("Игра окончена")

    # Game 3: «мурзик» is refused; the admin API accepts the appeal.
    _, question = await begin_game(chat, "Борис", "Вера")
    captain = await play_the_round(chat, db, question, "мурзик")
    verdict = await chat.bot_says("Неверно")
    assert await chat.press(captain, verdict, "Апелляция") == appeals.FILED
    await chat.bot_says("подал апелляцию")
    client = await app_factory(
        **{
            name: stack.env[name]
            for name in ("DATABASE_URL", "AMQP_URL", "AMQP_PREFIX", "UPDATE_SHARDS", "VK_GROUP_ID")
        }
    )
    assert (await login(client)).status == 200
    (pending,) = (await (await client.get("/api/appeals?status=pending")).json())["items"]
    assert (pending["answer_text"], pending["correct_answer"]) == ("мурзик", "Кошка")
    response = await client.post(f"/api/appeals/{pending['id']}/accept")
    assert response.status == 200, await response.text()
    told = await chat.bot_says("Апелляция принята")
    assert "Счёт: Знатоки 1 : 0 Бот." in told["text"]
    (applied,) = (await (await client.get("/api/appeals?status=accepted")).json())["items"][:1]
    assert applied["id"] == pending["id"]
    assert applied["applied"] is True
    assert (await client.post(f"/api/appeals/{pending['id']}/reject")).status == 409
