"""Metrics, health and readiness of the running services, moving while a game is played."""

from __future__ import annotations

import aiohttp
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.e2e.conftest import StackFactory
from tests.e2e.game_helpers import begin_game, current_game, make_chat
from tests.helpers import free_port

BOT_METRICS = {
    "znatoki_updates",
    "znatoki_update_processing_seconds",
    "znatoki_update_queue_lag_seconds",
    "znatoki_dead_lettered",
    "znatoki_update_retries",
    "znatoki_dead_letter_queue_messages",
    "znatoki_active_games",
    "znatoki_timers_pending",
    "znatoki_timers_fired",
    "znatoki_timer_lateness_seconds",
    "znatoki_vk_requests",
    "znatoki_vk_calls",
    "znatoki_vk_rate_limit_waits",
    "znatoki_outbox_pending",
}


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(http: aiohttp.ClientSession, port: int) -> tuple[set[str], Samples]:
    """The metric families the service declares, and every sample's value."""
    async with http.get(f"http://127.0.0.1:{port}/metrics") as response:
        assert response.status == 200
        text = await response.text()
    families: set[str] = set()
    samples: Samples = {}
    for family in text_string_to_metric_families(text):
        families.add(family.name)
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return families, samples


def total(samples: Samples, metric: str, /, **labels: str) -> float:
    wanted = set(labels.items())
    return sum(v for (n, lbls), v in samples.items() if n == metric and wanted <= set(lbls))


async def test_metrics_health_and_readiness_move_with_a_game(
    stack_factory: StackFactory, db: AsyncEngine
) -> None:
    bot_port, poller_port = free_port(), free_port()
    stack = await stack_factory(GAME_ROUNDS="1", GAME_DISCUSSION_SECONDS="1")
    await stack.start_bot(METRICS_PORT=str(bot_port))
    await stack.start_poller(METRICS_PORT=str(poller_port))
    async with aiohttp.ClientSession() as http:
        for port in (bot_port, poller_port):
            async with http.get(f"http://127.0.0.1:{port}/health") as response:
                assert response.status == 200
        async with http.get(f"http://127.0.0.1:{bot_port}/ready") as response:
            assert response.status == 200
            assert (await response.json())["checks"] == {"database": True, "broker": True}

        families, before = await scrape(http, bot_port)
        assert families >= BOT_METRICS

        chat = await make_chat(stack, "Соло")
        await begin_game(chat, "Соло")
        await chat.bot_says("Отвечает Соло")  # the discussion timer fired
        game = await current_game(db, chat.peer_id)
        await chat.say("Соло", game.questions[0].answer)
        await chat.bot_says("Игра окончена")

        _, after = await scrape(http, bot_port)
        applied = ("znatoki_updates_total", {"type": "message_new", "outcome": "applied"})
        assert total(after, applied[0], **applied[1]) >= total(before, applied[0], **applied[1]) + 2
        assert total(after, "znatoki_updates_total", type="message_event") >= 2
        assert total(after, "znatoki_timers_fired_total", name="discussion_end") >= 1
        assert total(after, "znatoki_timer_lateness_seconds_count") >= 1
        assert total(after, "znatoki_vk_calls_total", method="messages.send", result="ok") >= 5
        assert total(after, "znatoki_update_queue_lag_seconds_count") >= 4
        assert total(after, "znatoki_update_processing_seconds_count") >= 4
        _, polled = await scrape(http, poller_port)
        assert total(polled, "znatoki_poller_updates_total") >= 4
