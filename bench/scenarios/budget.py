"""Scenario 6: replies under VK's real budget."""

from __future__ import annotations

from typing import Any

from bench.feed import Feed
from bench.load import ChatState, HelpScript, LoadRunner
from bench.scenarios.stack import (
    REAL_RATE_LIMIT,
    Stack,
    per_event,
    usage_for,
)
from bench.seed import create_chats


async def scenario_budget(stack: Stack) -> dict[str, Any]:
    """`/help` replies with the emulator at VK's real 20 requests/s and the product's defaults
    (``VK_RATE_LIMIT=20``, the shared budget): every step is measured, not only up to the
    first failure, with VK's error-6 answers counted from the emulator."""
    options = stack.options
    emulator = stack.emulators["real"]
    await stack.fresh()
    chats = await create_chats(emulator.control, options.budget_chats, "Помощь")
    bot = await stack.start_bot(emulator)
    poller = await stack.start_poller(emulator)
    services = {
        "bot": bot.pid,
        "poller": poller.pid,
        f"emulator-{emulator.name}": emulator.service.pid,
    }
    states = [ChatState(c.peer_id, c.user_id, "help") for c in chats]
    runner = LoadRunner(stack.http, emulator.url, states, HelpScript())
    feed = Feed(stack.http, emulator.url, runner.on_entry)
    await feed.start()
    steps: list[dict[str, Any]] = []
    try:
        await runner.run_step(1, min(2.0, options.step_seconds), limit_ms=options.limit_ms)
        for rate in options.budget_rates:
            usage = usage_for(services)
            before = await emulator.control.counters()
            usage.start()
            step = await runner.run_step(
                rate, options.step_seconds, limit_ms=options.limit_ms, drain=options.drain_seconds
            )
            after = await emulator.control.counters()
            step["usage"] = usage.result()
            step["cpu_ms_per_event"] = per_event(step["usage"], step["sent"])
            step["vk_requests"] = after["requests"] - before["requests"]
            step["vk_error_6"] = after["rate_limited"] - before["rate_limited"]
            steps.append(step)
            await runner.drain(3 * options.drain_seconds)
    finally:
        await feed.stop()
        await runner.close()
    await stack.stop_services()
    passing = [s["offered_rate"] for s in steps if s["within_limit"] and not s["vk_error_6"]]
    return {
        "chats": len(chats),
        "emulator_rate_limit": emulator.rate,
        "bot_vk_rate_limit": REAL_RATE_LIMIT,
        "limit_ms": options.limit_ms,
        "sweep": {"steps": steps, "sustained_rate": max(passing, default=None)},
        "every_step_within_limit": all(s["within_limit"] for s in steps),
        "vk_error_6": sum(s["vk_error_6"] for s in steps),
        "timeouts": sum(s["timeouts"] for s in steps),
    }
