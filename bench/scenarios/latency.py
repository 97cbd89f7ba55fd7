"""Scenarios 1 and 2: the floor pipeline and the product's reply latency under load."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bench import profile
from bench.feed import Feed
from bench.infra import SHARDS
from bench.load import ChatState, FloorScript, GameScript, LoadRunner, Script
from bench.scenarios.stack import (
    BOT_RATE_LIMIT_RAISED,
    Emulator,
    Options,
    Stack,
    per_event,
    untimed_settings,
    usage_for,
)
from bench.seed import create_chats, seed_games
from bench.stats import histogram_quantile
from standalone.processes import Service, free_port

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
    settings = untimed_settings(rounds=6)
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
