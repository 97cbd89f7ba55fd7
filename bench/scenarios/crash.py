"""Scenario 4: crash recovery."""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.models import Timer
from bench.feed import Entry, Feed
from bench.scenarios.stack import (
    Stack,
    spread_ends,
    timed_settings,
    wait_db,
)
from bench.seed import SoloChat, create_chats, seed_games
from standalone.processes import Service


@dataclass
class Transcript:
    """Every bot call per chat, from the feed."""

    messages: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    edits: Counter[int] = field(default_factory=Counter)
    duplicates: int = 0

    def on_entry(self, entry: Entry) -> None:
        kind, peer = entry["kind"], entry.get("peer_id") or 0
        if kind == "bot_message":
            self.messages[peer].append(str(entry["message"]["text"]))
        elif kind == "bot_edit":
            self.edits[peer] += 1
        elif kind == "duplicate_random_id":
            self.duplicates += 1


async def scenario_crash(stack: Stack) -> dict[str, Any]:
    options = stack.options
    emulator = stack.emulators["real"]
    await stack.fresh()
    count = options.crash_games
    bots = list(
        await asyncio.gather(
            stack.start_bot(emulator, "bot1", BOT_SHARDS="0-1", BOT_STANDBY_DELAY="2"),
            stack.start_bot(emulator, "bot2", BOT_SHARDS="2-3", BOT_STANDBY_DELAY="2"),
            stack.start_poller(emulator),
        )
    )[:2]
    chats = await create_chats(emulator.control, count, "Сбой")
    transcript = Transcript()
    feed = Feed(stack.http, emulator.url, transcript.on_entry)
    await feed.start()
    lead, spread = 2.0, max(1.0, count / 200)
    answer_seconds = 600
    try:
        seeded = await seed_games(
            stack.seed_target(emulator),
            chats,
            timed_settings(answer_seconds),
            discussion_end=spread_ends(count, lead, spread),
        )
        inserted = time.time()
        # Kill in the middle of the discussion ends: half fired (their calls partly in flight).
        await asyncio.sleep(max(0.0, inserted + lead + spread / 2 - time.time()))
        killed_at = time.time()
        await asyncio.gather(*(bot.kill() for bot in bots))
        fired_before = int(await stack.scalar("SELECT count(*) FROM games WHERE phase = 'answer'"))
        # While the bots are down: every tenth chat asks /info (it waits in RabbitMQ).
        info_chats = chats[::10]
        await asyncio.gather(
            *(emulator.control.send_message(c.peer_id, c.user_id, "/info") for c in info_chats)
        )
        last_due = max(seeded.discussion_end.values()).timestamp()
        await asyncio.sleep(max(0.0, last_due + 1.0 - time.time()))
        overdue = await _overdue_timer_ids(stack.engine)
        restarted_at = time.time()
        starts = [asyncio.create_task(_restart(bot)) for bot in bots]
        timers_done = await wait_db(
            stack,
            "SELECT count(*) FROM timers WHERE id = ANY(:ids)".replace(
                ":ids", "ARRAY[" + (",".join(map(str, overdue)) or "0") + "]::bigint[]"
            ),
            until=lambda n: n == 0,
            within=120,
        )
        ready_times = await asyncio.gather(*starts)
        back_at = max(ready_times)
        progressed = await wait_db(
            stack,
            "SELECT count(*) FROM games WHERE phase = 'discussion'",
            until=lambda n: n == 0,
            within=120,
        )
        delivered = await wait_db(
            stack,
            "SELECT count(*) FROM outbox WHERE status = 'pending'",
            until=lambda n: n == 0,
            within=180,
            every=0.1,
        )
        await feed.catch_up()
    finally:
        await feed.stop()
    check = _check_transcript(transcript, chats, {c.peer_id for c in info_chats})
    counters = await emulator.control.counters()
    failed = int(await stack.scalar("SELECT count(*) FROM outbox WHERE status = 'failed'"))
    await stack.stop_services()

    def since(t: float | None, origin: float) -> float | None:
        return None if t is None else round(t - origin, 3)

    return {
        "games": count,
        "bots_killed": len(bots),
        "discussion_ends_spread_s": spread,
        "fired_before_kill": fired_before,
        "overdue_timers_at_restart": len(overdue),
        "info_requests_while_down": len(info_chats),
        "downtime_s": round(restarted_at - killed_at, 2),
        "bots_ready_after_s": since(back_at, restarted_at),
        "overdue_timers_fired_after_ready_s": since(timers_done, back_at),
        "overdue_timers_fired_after_spawn_s": since(timers_done, restarted_at),
        "all_games_progressed_after_ready_s": since(progressed, back_at),
        "all_messages_delivered_after_ready_s": since(delivered, back_at),
        "outbox_failed": failed,
        **check,
        "emulator": {
            "duplicate_random_ids": counters["duplicate_random_ids"],
            "rate_limited": counters["rate_limited"],
            "errors_by_code": counters["errors_by_code"],
        },
        "emulator_rate_limit": emulator.rate,
    }


async def _restart(bot: Service) -> float:
    await bot.start()
    return await bot.wait_for_log("consuming", within=60)


async def _overdue_timer_ids(engine: AsyncEngine) -> list[int]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(Timer.id).where(Timer.due_at <= func.now()))
        return [int(r[0]) for r in rows]


def _check_transcript(
    transcript: Transcript, chats: Sequence[SoloChat], info_peers: set[int]
) -> dict[str, Any]:
    """Per chat: the answer prompt exactly once, /info answered once where asked, no text
    twice (a lost message is a missing one, a doubled message a repeated text)."""
    lost: list[int] = []
    doubled: list[int] = []
    repeated_edits = 0
    for chat in chats:
        texts = transcript.messages.get(chat.peer_id, [])
        prompts = sum(1 for t in texts if t.startswith("Раунд 1. Отвечает"))
        infos = sum(1 for t in texts if t.startswith("Идёт игра"))
        expected_infos = 1 if chat.peer_id in info_peers else 0
        if prompts < 1 or infos < expected_infos:
            lost.append(chat.peer_id)
        if any(n > 1 for n in Counter(texts).values()):
            doubled.append(chat.peer_id)
        repeated_edits += max(0, transcript.edits[chat.peer_id] - 2)  # warning + closing
    return {
        "lost_messages_chats": len(lost),
        "doubled_messages_chats": len(doubled),
        "repeated_edits": repeated_edits,
        "vk_side_duplicates_dropped": transcript.duplicates,
        "examples": {"lost": lost[:5], "doubled": doubled[:5]},
    }
