"""An admin stops a real game: emulator, poller and bot processes, the API in-process."""

from __future__ import annotations

from tests.admin_api.conftest import AppFactory, error_of, login
from tests.e2e.conftest import StackFactory
from tests.e2e.game_helpers import begin_game, make_chat


async def test_admin_stop_ends_the_game_in_the_chat_with_results(
    stack_factory: StackFactory, app_factory: AppFactory
) -> None:
    stack = await stack_factory()
    await stack.start_bot()
    await stack.start_poller()
    chat = await make_chat(stack, "Анна", "Борис")
    await begin_game(chat, "Анна", "Борис")

    # The admin API of the same installation: database, broker, prefix and shards.
    client = await app_factory(
        **{
            name: stack.env[name]
            for name in ("DATABASE_URL", "AMQP_URL", "AMQP_PREFIX", "UPDATE_SHARDS", "VK_GROUP_ID")
        }
    )
    assert (await login(client)).status == 200
    listed = await client.get("/api/games", params={"peer_id": chat.peer_id, "status": "active"})
    (game,) = (await listed.json())["items"]
    assert game["phase"] == "discussion"

    response = await client.post(f"/api/games/{game['id']}/stop")
    assert response.status == 202, await response.text()

    results = await chat.bot_says("Игра остановлена досрочно")
    assert "Счёт: Знатоки 0 : 0 Бот" in results["text"]
    stopped = await (await client.get(f"/api/games/{game['id']}")).json()
    assert (stopped["status"], stopped["phase"]) == ("stopped", "stopped")
    await error_of(await client.post(f"/api/games/{game['id']}/stop"), 409)
    # The chat can play again at once.
    await chat.say("Анна", "/start")
    await chat.bot_says("Собираем команду")
