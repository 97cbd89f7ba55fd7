"""The run's stack: options, the emulators, the services started against one database and
AMQP prefix, and the helpers every scenario uses (see docs/performance.md).

A :class:`Stack` owns the run's database, AMQP prefix and emulator processes and starts the
product's services (``python -m poller``, ``python -m app``) and the bench's own processes
(``bench.floor``, ``bench.outbound``) against them. Between scenarios it stops those services,
empties the database (the question base stays), deletes the run's queues and resets the
emulator, so each scenario starts from the same clean slate.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.engine import create_engine
from app.game.model import GameSettings
from bench.infra import (
    RETRY_DELAYS,
    SHARDS,
    Database,
    Usage,
    delete_amqp,
    external_services,
    wait_for_servers,
)
from bench.seed import SeedTarget
from standalone.processes import Service, free_port
from vk_emulator.control_client import ControlClient

GROUP_ID = 1
TOKEN = "bench-token"  # noqa: S105 - the emulator's token for this run, not a secret
RAISED_RATE_LIMIT = 100_000  # the emulator's limit in scenarios 1-2 (VK's is 20)
REAL_RATE_LIMIT = 20
BOT_RATE_LIMIT_RAISED = 1000  # VK_RATE_LIMIT's maximum


@dataclass
class Options:
    """Sizes of one run (see ``PRESETS`` in bench/driver.py)."""

    preset: str = "quick"
    chats: int = 200
    floor_chats: int = 200
    rates: list[float] = field(default_factory=lambda: [10, 25, 50, 100, 200, 400, 800])
    # Rates measured after the sweep even when an earlier step failed (the 200 events/s target).
    extra_rates: list[float] = field(default_factory=list)
    step_seconds: float = 5.0
    refine: int = 1
    limit_ms: float = 100.0
    bots: int = 1
    timer_games: int = 1000
    timer_window: float = 20.0
    crash_games: int = 200
    outbound_chats: int = 100
    outbound_messages: int = 2500
    outbound_off_messages: int = 60
    # Scenario 6: /help replies through VK's real budget, every step measured.
    budget_rates: list[float] = field(
        default_factory=lambda: [1, 5, 10, 15, 20, 50, 100, 200, 300, 400]
    )
    budget_chats: int = 400
    # Scenario 7: games started together, in waves of «Начать игру» presses, under VK's budget.
    discussion_games: int = 300
    discussion_wave: int = 100
    discussion_seconds: int = 8
    profile: bool = True
    profile_seconds: float = 10.0
    drain_seconds: float = 10.0
    scenarios: list[str] = field(
        default_factory=lambda: ["latency", "budget", "discussion", "timers", "crash", "outbound"]
    )


@dataclass
class Emulator:
    name: str
    service: Service
    url: str
    rate: int
    control: ControlClient

    @property
    def api_url(self) -> str:
        return self.url + "/method"


class Stack:
    def __init__(
        self,
        options: Options,
        db: Database,
        prefix: str,
        amqp_url: str,
        http: aiohttp.ClientSession,
        out_dir: Path,
        stamp: str,
    ) -> None:
        self.options = options
        self.db = db
        self.prefix = prefix
        self.amqp_url = amqp_url
        self.http = http
        self.out_dir = out_dir
        self.stamp = stamp
        self.emulators: dict[str, Emulator] = {}
        self.services: list[Service] = []
        self.engine: AsyncEngine = create_engine(db.url, pool_size=4)

    async def start_emulator(self, name: str, rate: int) -> Emulator:
        port = free_port()
        env = {
            "EMULATOR_HOST": "127.0.0.1",
            "EMULATOR_PORT": str(port),
            "EMULATOR_GROUP_ID": str(GROUP_ID),
            "EMULATOR_TOKEN": TOKEN,
            "EMULATOR_RATE_LIMIT": str(rate),
            "EMULATOR_HISTORY_SIZE": "200000",
            "EMULATOR_LOG_SIZE": "400000",
        }
        service = Service(f"emulator-{name}", "vk_emulator", env)
        await service.start()
        await service.wait_for_log("VK emulator on http://")
        url = f"http://127.0.0.1:{port}"
        emulator = Emulator(name, service, url, rate, ControlClient(url, self.http))
        self.emulators[name] = emulator
        return emulator

    def env(self, emulator: Emulator, **extra: str) -> dict[str, str]:
        return {
            "DATABASE_URL": self.db.url,
            "AMQP_URL": self.amqp_url,
            "AMQP_PREFIX": self.prefix,
            "VK_TOKEN": TOKEN,
            "VK_GROUP_ID": str(GROUP_ID),
            "VK_API_URL": emulator.api_url,
            "VK_LONGPOLL_WAIT": "5",
            "VK_RATE_LIMIT": str(REAL_RATE_LIMIT),
            "UPDATE_SHARDS": str(SHARDS),
            "UPDATE_RETRY_DELAYS": ",".join(f"{d:g}" for d in RETRY_DELAYS),
            "LOG_LEVEL": "INFO",
            "METRICS_PORT": "0",
            **extra,
        }

    async def start(
        self, name: str, module: str, env: dict[str, str], marker: str, args: tuple[str, ...] = ()
    ) -> Service:
        service = Service(name, module, env, args)
        self.services.append(service)
        await service.start()
        await service.wait_for_log(marker, within=60)
        return service

    def seed_target(self, emulator: Emulator) -> SeedTarget:
        return SeedTarget(self.engine, self.http, emulator.api_url, TOKEN, emulator.rate)

    async def start_bot(self, emulator: Emulator, name: str = "bot", **env: str) -> Service:
        return await self.start(name, "app", self.env(emulator, **env), "consuming")

    async def start_poller(self, emulator: Emulator, **env: str) -> Service:
        return await self.start("poller", "poller", self.env(emulator, **env), "long polling from")

    async def stop_services(self) -> None:
        await asyncio.gather(*(s.stop() for s in self.services), return_exceptions=True)
        self.services.clear()

    async def fresh(self) -> None:
        """Clean slate: services stopped, tables emptied, queues deleted, emulators reset."""
        await self.stop_services()
        await wait_for_servers(self.db.admin_dsn, self.amqp_url)
        await self.engine.dispose()
        await self.db.truncate()
        await delete_amqp(self.amqp_url, self.prefix, (f"{self.prefix}.floor",))
        for other in self.emulators.values():
            await other.control.reset()

    async def close(self) -> None:
        await self.stop_services()
        await asyncio.gather(*(e.service.stop() for e in self.emulators.values()))
        await self.engine.dispose()

    async def scalar(self, sql: str, **params: Any) -> Any:
        async with self.engine.connect() as conn:
            return await conn.scalar(text(sql), params)


def per_event(usage: dict[str, Any], events: int) -> dict[str, float]:
    """CPU milliseconds each service spent per event over a window: a cost that, unlike the
    latency, does not depend much on what else runs on the machine."""
    window = float(usage["machine"]["window_s"])
    return {
        name: round(use["cpu_percent"] * 10.0 * window / events, 2)
        for name, use in usage.items()
        if "peak_rss_mb" in use and events
    }


def usage_for(services: dict[str, int]) -> Usage:
    usage = Usage()
    for name, pid in services.items():
        usage.track(name, pid)
    external_services(usage)
    return usage


def untimed_settings(rounds: int, discussion_seconds: int = 3600) -> GameSettings:
    """Settings whose timers (but the discussion's, if given) never fire during a step."""
    return GameSettings(
        rounds=rounds,
        lobby_seconds=3600,
        discussion_seconds=discussion_seconds,
        pick_seconds=3600,
        answer_seconds=3600,
        pause_seconds=0,
    )


def timed_settings(answer_seconds: int, discussion_seconds: int = 60) -> GameSettings:
    return GameSettings(
        rounds=6,
        lobby_seconds=60,
        discussion_seconds=discussion_seconds,
        pick_seconds=30,
        answer_seconds=answer_seconds,
        pause_seconds=3,
    )


def spread_ends(count: int, lead: float, window: float) -> Callable[[datetime], list[datetime]]:
    """Due times spread evenly over ``window`` seconds, starting ``lead`` seconds from now."""

    def schedule(now: datetime) -> list[datetime]:
        start = now + timedelta(seconds=lead)
        times = [start + timedelta(seconds=window * (i + 0.5) / count) for i in range(count)]
        random.Random(3).shuffle(times)
        return times

    return schedule


async def wait_db(
    stack: Stack, sql: str, *, until: Callable[[Any], bool], within: float, every: float = 0.02
) -> float | None:
    """Poll a query until ``until(value)``; returns when it held (unix time) or None."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        if until(await stack.scalar(sql)):
            return time.time()
        await asyncio.sleep(every)  # polls the database: the state has no event to wait on
    return None
