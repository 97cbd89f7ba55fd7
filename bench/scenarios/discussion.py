"""Scenario 7: the discussion as the players see it."""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Sequence
from typing import Any

from bench.feed import Entry, Feed
from bench.scenarios.stack import (
    Stack,
    untimed_settings,
)
from bench.seed import SoloChat, create_chats, seed_lobbies
from bench.stats import summary_ms


async def scenario_discussion(stack: Stack) -> dict[str, Any]:
    """Many solo games started together («Начать игру» pressed in waves) under VK's real budget.

    Per chat, on the emulator's clock: the question reaching the chat (its ``bot_message``),
    and the discussion closing (the next bot call in the chat: the edit that takes the
    question's button away). The players' discussion is the time between the two; its error
    is that minus the promised ``discussion_seconds``. Each press causes four VK calls (the
    answer, the lobby's edit, the captain, the question), so a wave's questions reach their
    chats over a second or more.
    """
    options = stack.options
    emulator = stack.emulators["real"]
    await stack.fresh()
    chats = await create_chats(emulator.control, options.discussion_games, "Старт")
    seconds = options.discussion_seconds
    settings = untimed_settings(rounds=1, discussion_seconds=seconds)
    lobbies = await seed_lobbies(stack.seed_target(emulator), chats, settings)
    await stack.start_bot(emulator)
    await stack.start_poller(emulator)
    pressed: dict[int, float] = {}
    shown: dict[int, float] = {}
    closed: dict[int, float] = {}
    all_closed = asyncio.Event()

    def on_entry(entry: Entry) -> None:
        peer, kind = entry.get("peer_id") or 0, entry["kind"]
        if kind == "button_press":
            pressed.setdefault(peer, float(entry["at"]))
        elif peer in shown:
            if kind in ("bot_message", "bot_edit") and peer not in closed:
                closed[peer] = float(entry["at"])
                if len(closed) == len(chats):
                    all_closed.set()
        elif kind == "bot_message" and "Вопрос:" in str(entry["message"]["text"]):
            shown[peer] = float(entry["at"])

    feed = Feed(stack.http, emulator.url, on_entry)
    await feed.start()
    url = emulator.url + "/control/chats/{}/press"

    async def press(chat: SoloChat) -> None:
        body = {
            "user_id": chat.user_id,
            "conversation_message_id": lobbies.lobby_cmid[chat.peer_id],
            "payload": {"cmd": "begin"},
        }
        async with stack.http.post(url.format(chat.peer_id), json=body) as resp:
            resp.raise_for_status()

    try:
        waves = [
            chats[i : i + options.discussion_wave]
            for i in range(0, len(chats), options.discussion_wave)
        ]
        for wave in waves:
            await asyncio.gather(*(press(chat) for chat in wave))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(all_closed.wait(), seconds + 60)
    finally:
        await feed.stop()
    await stack.stop_services()
    delays = [shown[p] - pressed[p] for p in shown if p in pressed]
    errors = [closed[p] - shown[p] - seconds for p in closed]
    return {
        "games": len(chats),
        "wave": options.discussion_wave,
        "waves": math.ceil(len(chats) / options.discussion_wave),
        "discussion_seconds": seconds,
        "emulator_rate_limit": emulator.rate,
        "questions_shown": len(shown),
        "discussions_closed": len(closed),
        "question_delay_after_press_ms": summary_ms(delays),
        "discussion_error_ms": {**summary_ms(errors), "min": _min_ms(errors)},
    }


def _min_ms(values: Sequence[float]) -> float | None:
    return round(min(values) * 1000, 2) if values else None
