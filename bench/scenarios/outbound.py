"""Scenario 5: outbound capacity."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert

from app.db.models import Outbox
from bench.feed import Entry, Feed
from bench.infra import Usage
from bench.scenarios.stack import (
    REAL_RATE_LIMIT,
    Stack,
)
from bench.seed import create_chats
from standalone.processes import Service


@dataclass
class Arrivals:
    times: list[float] = field(default_factory=list)

    def on_entry(self, entry: Entry) -> None:
        if entry["kind"] == "bot_message":
            self.times.append(float(entry["at"]))


async def scenario_outbound(stack: Stack) -> dict[str, Any]:
    options = stack.options
    emulator = stack.emulators["real"]
    result: dict[str, Any] = {
        "emulator_rate_limit": emulator.rate,
        "vk_rate_limit": REAL_RATE_LIMIT,
        "chats": options.outbound_chats,
    }
    runs = (
        ("batching_on", 25, options.outbound_messages),
        ("batching_off", 1, options.outbound_off_messages),
    )
    for label, batch_size, count in runs:
        await stack.fresh()
        chats = await create_chats(emulator.control, options.outbound_chats, "Рассылка")
        rows = [
            {
                "peer_id": chats[i % len(chats)].peer_id,
                "method": "messages.send",
                "params": {"text": f"Сообщение {i}", "keyboard": None},
            }
            for i in range(count)
        ]
        async with stack.engine.begin() as conn:
            for start in range(0, len(rows), 1000):
                await conn.execute(insert(Outbox), rows[start : start + 1000])
        arrivals = Arrivals()
        feed = Feed(stack.http, emulator.url, arrivals.on_entry)
        await feed.start()
        sender = Service(
            f"outbound-{label}",
            "bench.outbound",
            stack.env(emulator),
            ("--batch-size", str(batch_size), "--timeout", "600"),
        )
        usage = Usage()
        usage.track("emulator-real", emulator.service.pid)
        usage.start()
        await sender.start()
        code = await sender.wait_exit(within=660)
        usage_result = usage.result()
        await feed.catch_up()
        await feed.stop()
        if code != 0 or not sender.stdout:
            raise RuntimeError(f"bench.outbound failed ({code}):\n{sender.tail()}")
        report = json.loads(sender.stdout[-1])
        counters = await emulator.control.counters()
        result[label] = {
            "batch_size": batch_size,
            "messages": count,
            "delivered": len(arrivals.times),
            **_rates(arrivals.times),
            "sender_report": report,
            "rate_limited": counters["rate_limited"],
            "requests_by_method": counters["requests_by_method"],
            "usage": usage_result,
        }
    return result


def _rates(times: list[float]) -> dict[str, Any]:
    """Messages per second over the whole run, and steady: without the first window's burst.

    A fresh token may spend a whole window's budget at once (20 requests at the start), after
    which the limiter lets 20 requests through per window; the steady rate is the rate after
    the first 1.05 s window (the messages that arrived after it, over the time after it), which
    is what the limiter sustains however short the run, with or without a first burst.

    (Before 2026-11-30 the messages after the first window were divided by the whole span:
    right for a sender that bursts at the start, 20 % low for a paced one.)"""
    if len(times) < 2:
        return {"messages_per_second": None, "steady_messages_per_second": None}
    times = sorted(times)
    span = times[-1] - times[0]
    later = sum(1 for t in times if t > times[0] + 1.05)
    return {
        "seconds": round(span, 3),
        "messages_per_second": round((len(times) - 1) / span, 1) if span > 0 else None,
        "steady_messages_per_second": round(later / (span - 1.05), 1)
        if later and span > 1.05
        else None,
    }
