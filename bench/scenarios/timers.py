"""Scenario 3: timer accuracy."""

from __future__ import annotations

import asyncio
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from app.db.models import GameRow
from bench.scenarios.stack import (
    REAL_RATE_LIMIT,
    Stack,
    per_event,
    spread_ends,
    timed_settings,
    usage_for,
    wait_db,
)
from bench.seed import create_chats, seed_games
from bench.stats import histogram_quantile, summary_ms
from standalone.processes import free_port


async def _metrics(http: aiohttp.ClientSession, port: int) -> dict[str, Any]:
    async with http.get(f"http://127.0.0.1:{port}/metrics") as resp:
        body = await resp.text()
    buckets: list[tuple[float, float]] = []
    count = 0.0
    total = 0.0
    fired: dict[str, float] = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            if sample.name == "znatoki_timer_lateness_seconds_bucket":
                buckets.append((float(sample.labels["le"]), sample.value))
            elif sample.name == "znatoki_timer_lateness_seconds_count":
                count = sample.value
            elif sample.name == "znatoki_timer_lateness_seconds_sum":
                total = sample.value
            elif sample.name == "znatoki_timers_fired_total" and sample.value:
                fired[sample.labels["name"]] = sample.value
    buckets.sort()

    def ms(value: float | None) -> float | None:
        return None if value is None or math.isinf(value) else round(value * 1000, 1)

    finite = [le for le, _ in buckets if not math.isinf(le)]
    return {
        "count": int(count),
        # p50/p99 are None when they fall beyond the largest finite bucket (10 s).
        "largest_finite_bucket_s": max(finite) if finite else None,
        "mean_ms": ms(total / count) if count else None,
        "p50_ms": ms(histogram_quantile(buckets, 0.5)),
        "p99_ms": ms(histogram_quantile(buckets, 0.99)),
        "buckets": {f"{le:g}": int(c) for le, c in buckets},
        "fired_by_name": {k: int(v) for k, v in fired.items()},
    }


async def scenario_timers(stack: Stack) -> dict[str, Any]:
    options = stack.options
    emulator = stack.emulators["real"]
    await stack.fresh()
    count, window = options.timer_games, options.timer_window
    port = free_port()
    chats = await create_chats(emulator.control, count, "Таймер")
    answer_seconds = 600
    # Real timings: 60 s of discussion, so a warning timer 10 s before each end; the ends start
    # 12 s after the insert, so every timer is still in the future then. Tiny runs (smoke) use
    # 10 s discussions, which have no warning, and start 2 s after the insert.
    discussion = 60 if window >= 5 else 10
    lead = 12.0 if discussion > 10 else 2.0
    seeded = await seed_games(
        stack.seed_target(emulator),
        chats,
        timed_settings(answer_seconds, discussion),
        discussion_end=spread_ends(count, lead, window),
    )
    # The bot starts after the games are written, as after a restart: the bot's own commits
    # hand their timers to its heap, so timers written behind its back (as the seed does)
    # would only be found by the overdue sweep.
    bot, poller = await asyncio.gather(
        stack.start_bot(emulator, METRICS_PORT=str(port)), stack.start_poller(emulator)
    )
    usage = usage_for({"bot": bot.pid, "poller": poller.pid, "emulator-real": emulator.service.pid})
    usage.start()
    last_due = max(seeded.discussion_end.values())
    await asyncio.sleep(max(0.0, (last_due - datetime.now(UTC)).total_seconds()))
    fired_all = await wait_db(
        stack,
        "SELECT count(*) FROM timers WHERE due_at <= now()",
        until=lambda n: n == 0,
        within=120,
    )
    metrics = await _metrics(stack.http, port)
    usage_result = usage.result()
    fired = sum(metrics["fired_by_name"].values())
    cpu_per_timer = per_event(usage_result, fired).get("bot")
    exact = await _discussion_end_lateness(stack, seeded.discussion_end, answer_seconds)
    delivered = await wait_db(
        stack,
        "SELECT count(*) FROM outbox WHERE status = 'pending'",
        until=lambda n: n == 0,
        within=90,
        every=0.2,
    )
    counters = await emulator.control.counters()
    await stack.stop_services()
    return {
        "games": count,
        "window_seconds": window,
        "timers_per_second": round((2 if discussion > 10 else 1) * count / window, 1),
        "discussion_seconds": discussion,
        "emulator_rate_limit": emulator.rate,
        "bot_vk_rate_limit": REAL_RATE_LIMIT,
        "all_due_timers_fired": fired_all is not None,
        "bot_cpu_ms_per_timer": cpu_per_timer,
        "lateness_discussion_end_exact_ms": exact,
        "lateness_histogram_all_timers": metrics,
        "outbox_drained_after_s": None
        if delivered is None
        else round(delivered - last_due.timestamp(), 1),
        "emulator": {
            "messages_sent": counters["messages_sent"],
            "edits": counters["edits"],
            "rate_limited": counters["rate_limited"],
        },
        "usage": usage_result,
    }


async def _discussion_end_lateness(
    stack: Stack, due: dict[int, datetime], answer_seconds: int
) -> dict[str, Any]:
    """Exact lateness of each game's discussion_end: a solo game then enters the answer phase
    with ``deadline = now + answer_seconds``, ``now`` being the firing time in ``_fire``."""
    async with stack.engine.connect() as conn:
        rows = await conn.execute(
            select(GameRow.peer_id, GameRow.phase, GameRow.state).where(
                GameRow.peer_id.in_(list(due))
            )
        )
        late: list[float] = []
        not_fired = 0
        for peer_id, phase, state in rows:
            if phase != "answer":
                not_fired += 1
                continue
            fired_at = datetime.fromisoformat(state["deadline"]) - timedelta(seconds=answer_seconds)
            late.append((fired_at - due[peer_id]).total_seconds())
    return {**summary_ms(late), "not_fired": not_fired}
