"""The five scenarios, each on fresh state of the same services (see docs/performance.md).

A :class:`Stack` owns the run's database, AMQP prefix and emulator processes and starts the
product's services (``python -m poller``, ``python -m app``) and the bench's own processes
(``bench.floor``, ``bench.outbound``) against them. Between scenarios it stops those services,
empties the database (the question base stays), deletes the run's queues and resets the
emulator, so each scenario starts from the same clean slate.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import random
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.engine import create_engine
from app.db.models import GameRow, Outbox, Timer
from app.game.model import GameSettings
from bench import profile
from bench.feed import Entry, Feed
from bench.infra import (
    RETRY_DELAYS,
    SHARDS,
    Database,
    Service,
    Usage,
    delete_amqp,
    external_services,
    free_port,
    wait_for_servers,
)
from bench.load import ChatState, FloorScript, GameScript, HelpScript, LoadRunner, Script
from bench.seed import SeedTarget, SoloChat, create_chats, seed_games, seed_lobbies
from bench.stats import histogram_quantile, summary_ms
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


# --- scenarios 1 and 2: floor and reply latency under load -----------------------------------


Probe = Callable[[], Awaitable[dict[str, Any]]]


async def sweep(
    runner: LoadRunner,
    options: Options,
    pids: Callable[[], dict[str, int]],
    probe: Probe | None = None,
) -> dict[str, Any]:
    """Step the rate up until p99 passes the limit; then bisect ``refine`` times."""
    limit, drain = options.limit_ms, options.drain_seconds
    warmup = min(2.0, options.step_seconds)
    await runner.run_step(options.rates[0], warmup, limit_ms=limit, drain=drain)
    steps: list[dict[str, Any]] = []
    passing: float | None = None
    failing: float | None = None

    async def step(rate: float) -> bool:
        usage = usage_for(pids())
        before = await probe() if probe else {}
        usage.start()
        summary = await runner.run_step(rate, options.step_seconds, limit_ms=limit, drain=drain)
        summary["usage"] = usage.result()
        summary["cpu_ms_per_event"] = per_event(summary["usage"], summary["sent"])
        summary["busy_after_drain"] = runner.busy_chats()
        if probe:
            summary["bot_stages_ms"] = stages(before, await probe())
        steps.append(summary)
        await runner.drain(3 * drain)  # let a saturated step's backlog clear before the next one
        return bool(summary["within_limit"])

    for rate in options.rates:
        if await step(rate):
            passing = rate
        else:
            failing = rate
            break
    for _ in range(options.refine):
        if failing is None:
            break
        low = passing or 0.0
        mid = round((low + failing) / 2, 1)
        if mid - low < 2:
            break
        if await step(mid):
            passing = mid
        else:
            failing = mid
    done = {float(s["offered_rate"]) for s in steps}
    for rate in options.extra_rates:
        if float(rate) not in done:
            await step(rate)
    steps.sort(key=lambda s: float(s["offered_rate"]))
    return {"steps": steps, "sustained_rate": passing, "first_failing_rate": failing}


STAGES = {
    "znatoki_update_queue_lag_seconds": "queue_lag",
    "znatoki_update_processing_seconds": "processing",
}


async def histograms(http: aiohttp.ClientSession, ports: Sequence[int]) -> dict[str, Any]:
    """The bots' latency histograms, summed over processes and labels: per name, the
    cumulative bucket counts by upper bound, the sum and the count."""
    found: dict[str, Any] = {}
    for port in ports:
        async with http.get(f"http://127.0.0.1:{port}/metrics") as resp:
            body = await resp.text()
        for family in text_string_to_metric_families(body):
            if family.name not in STAGES:
                continue
            entry = found.setdefault(family.name, {"buckets": {}, "sum": 0.0, "count": 0.0})
            for sample in family.samples:
                if sample.name.endswith("_bucket"):
                    le = float(sample.labels["le"])
                    entry["buckets"][le] = entry["buckets"].get(le, 0.0) + sample.value
                elif sample.name.endswith("_sum"):
                    entry["sum"] += sample.value
                elif sample.name.endswith("_count"):
                    entry["count"] += sample.value
    return found


def stages(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Per bot stage over one step: mean and bucket-interpolated p50/p99, in ms.

    ``queue_lag``: from the poller's publish to the bot starting the update (broker + lane);
    ``processing``: the update's transaction. The rest of the reply latency is the long poll
    before the publish and the outbox sender after the commit."""
    out: dict[str, Any] = {}
    for name, label in STAGES.items():
        now, then = after.get(name), before.get(name, {"buckets": {}, "sum": 0.0, "count": 0.0})
        if not now:
            continue
        count = now["count"] - then["count"]
        buckets = sorted((le, c - then["buckets"].get(le, 0.0)) for le, c in now["buckets"].items())

        def ms(value: float | None) -> float | None:
            return None if value is None or math.isinf(value) else round(value * 1000, 2)

        out[label] = {
            "count": int(count),
            "mean": ms((now["sum"] - then["sum"]) / count) if count else None,
            "p50": ms(histogram_quantile(buckets, 0.5)),
            "p99": ms(histogram_quantile(buckets, 0.99)),
        }
    return out


async def _profile_step(
    stack: Stack, runner: LoadRunner, services: dict[str, int], rate: float
) -> dict[str, Any]:
    options = stack.options
    if profile.py_spy() is None:
        return {"skipped": "py-spy is not installed"}
    files = {name: stack.out_dir / f"{stack.stamp}-profile-{name}.txt" for name in services}
    recordings = [
        asyncio.create_task(profile.record(pid, options.profile_seconds + 1, files[name]))
        for name, pid in services.items()
    ]
    await asyncio.sleep(0.5)  # let py-spy attach before the load starts
    step = await runner.run_step(
        rate, options.profile_seconds, limit_ms=options.limit_ms, drain=options.drain_seconds
    )
    errors = await asyncio.gather(*recordings)
    result: dict[str, Any] = {
        "rate": rate,
        "seconds": options.profile_seconds,
        "latency_ms_under_profiler": step["latency_ms"],
    }
    for (name, file), error in zip(files.items(), errors, strict=True):
        result[name] = {"error": error} if error else {"raw": file.name, **profile.summarise(file)}
    return result


async def scenario_latency(stack: Stack) -> dict[str, Any]:
    """Scenario 1 (floor) and 2 (the product) on the same emulator, Postgres and RabbitMQ."""
    options = stack.options
    emulator = stack.emulators["raised"]
    result: dict[str, Any] = {
        "emulator_rate_limit": emulator.rate,
        "bot_vk_rate_limit": BOT_RATE_LIMIT_RAISED,
        "limit_ms": options.limit_ms,
    }

    # The floor: python -m bench.floor work / poll.
    await stack.fresh()
    chats = await create_chats(emulator.control, options.floor_chats, "Пол")
    env = stack.env(emulator)
    work, poll = await asyncio.gather(
        stack.start("floor-work", "bench.floor", env, "floor consuming", ("work",)),
        stack.start("floor-poll", "bench.floor", env, "floor polling from", ("poll",)),
    )
    floor_states = [ChatState(c.peer_id, c.user_id, "floor") for c in chats]
    result["floor"] = {
        "chats": len(chats),
        "processes": ["bench.floor poll", "bench.floor work"],
        **await _run_load(
            stack,
            emulator,
            floor_states,
            FloorScript(),
            {"floor-poll": poll.pid, "floor-work": work.pid},
        ),
    }

    # The product: poller + bot(s), games in progress in every chat.
    await stack.fresh()
    chats = await create_chats(emulator.control, options.chats, "Игра")
    settings = _untimed(rounds=6)
    seeded = await seed_games(stack.seed_target(emulator), chats, settings)
    game_env = {
        "VK_RATE_LIMIT": str(BOT_RATE_LIMIT_RAISED),
        "GAME_ROUNDS": "6",
        "GAME_LOBBY_SECONDS": "3600",
        "GAME_DISCUSSION_SECONDS": "3600",
        "GAME_PICK_SECONDS": "3600",
        "GAME_ANSWER_SECONDS": "3600",
        "GAME_PAUSE_SECONDS": "0",
    }
    starts: dict[str, Awaitable[Service]] = {}
    ports: list[int] = []
    for n in range(options.bots):
        name = "bot" if options.bots == 1 else f"bot{n + 1}"
        shards = _shards_of(n, options.bots)
        extra = {"BOT_SHARDS": shards} if shards else {}
        ports.append(free_port())
        extra["METRICS_PORT"] = str(ports[-1])
        starts[name] = stack.start_bot(emulator, name, **game_env, **extra)
    starts["poller"] = stack.start_poller(emulator)
    started = await asyncio.gather(*starts.values())
    services = {name: service.pid for name, service in zip(starts, started, strict=True)}
    states = [
        ChatState(c.peer_id, c.user_id, "early", cmid=seeded.question_cmid[c.peer_id])
        for c in chats
    ]
    result["product"] = {
        "chats": len(chats),
        "bots": options.bots,
        "processes": ["python -m poller", *(["python -m app"] * options.bots)],
        **await _run_load(
            stack,
            emulator,
            states,
            GameScript(),
            services,
            profile_it=True,
            probe=lambda: histograms(stack.http, ports),
        ),
    }
    floor_rate = result["floor"]["sweep"]["sustained_rate"]
    product_rate = result["product"]["sweep"]["sustained_rate"]
    if floor_rate and product_rate is not None:
        result["product"]["sustained_vs_floor"] = round(product_rate / floor_rate, 3)
    await stack.stop_services()
    return result


def _shards_of(index: int, bots: int) -> str:
    if bots <= 1:
        return ""
    per = max(1, SHARDS // bots)
    low = index * per
    high = SHARDS - 1 if index == bots - 1 else low + per - 1
    return f"{low}-{high}" if low <= high else ""


async def _run_load(
    stack: Stack,
    emulator: Emulator,
    states: list[ChatState],
    script: Script,
    services: dict[str, int],
    *,
    profile_it: bool = False,
    probe: Probe | None = None,
) -> dict[str, Any]:
    runner = LoadRunner(stack.http, emulator.url, states, script)
    feed = Feed(stack.http, emulator.url, runner.on_entry)
    await feed.start()
    all_pids = {**services, f"emulator-{emulator.name}": emulator.service.pid}
    try:
        out: dict[str, Any] = {"sweep": await sweep(runner, stack.options, lambda: all_pids, probe)}
        rate = out["sweep"]["sustained_rate"] or stack.options.rates[0]
        if profile_it and stack.options.profile:
            out["profile"] = await _profile_step(stack, runner, services, rate)
        await runner.drain(2 * stack.options.drain_seconds)
        out["stuck_chats"] = sum(1 for s in states if s.stuck)
        out["feed_entries"] = feed.entries
    finally:
        await feed.stop()
        await runner.close()
    return out


# --- scenario 6: replies under VK's real budget ----------------------------------------------


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


# --- scenario 7: the discussion as the players see it ----------------------------------------


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
    settings = _untimed(rounds=1, discussion_seconds=seconds)
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


# --- scenario 3: timer accuracy --------------------------------------------------------------


def _untimed(rounds: int, discussion_seconds: int = 3600) -> GameSettings:
    """Settings whose timers (but the discussion's, if given) never fire during a step."""
    return GameSettings(
        rounds=rounds,
        lobby_seconds=3600,
        discussion_seconds=discussion_seconds,
        pick_seconds=3600,
        answer_seconds=3600,
        pause_seconds=0,
    )


def _timed_settings(answer_seconds: int, discussion_seconds: int = 60) -> GameSettings:
    return GameSettings(
        rounds=6,
        lobby_seconds=60,
        discussion_seconds=discussion_seconds,
        pick_seconds=30,
        answer_seconds=answer_seconds,
        pause_seconds=3,
    )


def _spread(count: int, lead: float, window: float) -> Callable[[datetime], list[datetime]]:
    """Due times spread evenly over ``window`` seconds, starting ``lead`` seconds from now."""

    def schedule(now: datetime) -> list[datetime]:
        start = now + timedelta(seconds=lead)
        times = [start + timedelta(seconds=window * (i + 0.5) / count) for i in range(count)]
        random.Random(3).shuffle(times)
        return times

    return schedule


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


async def _wait_db(
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
        _timed_settings(answer_seconds, discussion),
        discussion_end=_spread(count, lead, window),
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
    fired_all = await _wait_db(
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
    delivered = await _wait_db(
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


# --- scenario 4: crash recovery --------------------------------------------------------------


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
            _timed_settings(answer_seconds),
            discussion_end=_spread(count, lead, spread),
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
        timers_done = await _wait_db(
            stack,
            "SELECT count(*) FROM timers WHERE id = ANY(:ids)".replace(
                ":ids", "ARRAY[" + (",".join(map(str, overdue)) or "0") + "]::bigint[]"
            ),
            until=lambda n: n == 0,
            within=120,
        )
        ready_times = await asyncio.gather(*starts)
        back_at = max(ready_times)
        progressed = await _wait_db(
            stack,
            "SELECT count(*) FROM games WHERE phase = 'discussion'",
            until=lambda n: n == 0,
            within=120,
        )
        delivered = await _wait_db(
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


# --- scenario 5: outbound capacity -----------------------------------------------------------


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


SCENARIOS = {
    "latency": scenario_latency,
    "budget": scenario_budget,
    "discussion": scenario_discussion,
    "timers": scenario_timers,
    "crash": scenario_crash,
    "outbound": scenario_outbound,
}
