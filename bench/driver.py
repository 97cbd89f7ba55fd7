"""``python -m bench.driver``: run the benchmark scenarios and write the results.

    python -m bench.driver                      # quick default (a few minutes on 2 cores)
    python -m bench.driver --preset target      # the sizes the targets are stated for
    python -m bench.driver --chats 5000 --scenarios latency
    python -m bench.driver --preset smoke       # tiny sizes: what tests/bench runs

The driver is the load generator only: it starts the VK emulator (two processes: one with a
raised rate limit for scenarios 1-2, one with VK's real 20 requests/s for 3-5), the services
and the floor as separate processes on a fresh database and a private AMQP prefix, drives
them over HTTP, and removes the database and the queues at the end. Results go to
``bench/results/<timestamp>.json`` and ``.md`` (and a latency-against-load plot ``.png``) and
are printed as a table. Figures are never asserted anywhere.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import subprocess
import sys
import time
import traceback
from dataclasses import asdict, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aio_pika
import aiohttp
import asyncpg

from bench import report
from bench.infra import Database, delete_amqp, new_prefix, wait_for_servers
from bench.scenarios import RAISED_RATE_LIMIT, REAL_RATE_LIMIT, SCENARIOS, Options, Stack
from standalone.processes import REPO_ROOT

PRESETS: dict[str, dict[str, Any]] = {
    "quick": {},
    "target": {
        "chats": 1000,
        "floor_chats": 1000,
        "rates": [10, 25, 50, 100, 200, 300, 400, 600, 800, 1200],
        "extra_rates": [200],
        "step_seconds": 15.0,
        "refine": 2,
        "timer_games": 5000,
        "timer_window": 60.0,
        "crash_games": 1000,
        "outbound_chats": 200,
        "outbound_messages": 10000,
        "outbound_off_messages": 200,
        "budget_chats": 1000,
        "profile_seconds": 15.0,
    },
    "smoke": {
        "chats": 8,
        "floor_chats": 8,
        "rates": [4, 8],
        "step_seconds": 1.0,
        "refine": 0,
        "timer_games": 20,
        "timer_window": 2.0,
        "crash_games": 10,
        "outbound_chats": 10,
        "outbound_messages": 60,
        "outbound_off_messages": 4,
        "budget_rates": [2, 4],
        "budget_chats": 8,
        "discussion_games": 6,
        "discussion_wave": 3,
        "discussion_seconds": 2,
        "profile": False,
        "drain_seconds": 3.0,
    },
}

DEFAULT_OUT = REPO_ROOT / "bench" / "results"


def parse_args(argv: list[str] | None = None) -> tuple[Options, argparse.Namespace]:
    parser = argparse.ArgumentParser(
        prog="python -m bench.driver", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--preset", choices=sorted(PRESETS), default="quick")
    parser.add_argument("--scenarios", help="comma-separated: " + ",".join(SCENARIOS))
    parser.add_argument("--chats", type=int, help="K chats with games in progress (scenario 2)")
    parser.add_argument("--floor-chats", type=int, help="chats of the floor run (scenario 1)")
    parser.add_argument("--rates", help="events/s steps, comma-separated, e.g. 50,100,200")
    parser.add_argument("--step-seconds", type=float, help="seconds per rate step")
    parser.add_argument("--refine", type=int, help="bisection steps after the first failing rate")
    parser.add_argument("--limit-ms", type=float, help="p99 limit that defines 'sustained'")
    parser.add_argument("--bots", type=int, help="bot processes in scenario 2")
    parser.add_argument("--timer-games", type=int, help="games in timed phases (scenario 3)")
    parser.add_argument("--timer-window", type=float, help="seconds the discussion ends span")
    parser.add_argument("--crash-games", type=int, help="active games at the SIGKILL (scenario 4)")
    parser.add_argument("--outbound-messages", type=int, help="messages with batching on")
    parser.add_argument("--outbound-off-messages", type=int, help="messages with batching off")
    parser.add_argument("--no-profile", action="store_true", help="skip the py-spy profile")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="results directory")
    parser.add_argument(
        "--postgres-dsn",
        default=os.environ.get(
            "BENCH_POSTGRES_DSN",
            os.environ.get("TEST_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/postgres"),
        ),
        help="an admin DSN; the run creates and drops its own database next to it",
    )
    parser.add_argument(
        "--amqp-url",
        default=os.environ.get(
            "BENCH_AMQP_URL", os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
        ),
    )
    args = parser.parse_args(argv)
    values = {**asdict(Options()), **PRESETS[args.preset], "preset": args.preset}
    names = {f.name for f in fields(Options)}
    for name in names:
        given = getattr(args, name, None)
        if given is not None and name not in ("rates", "scenarios", "preset"):
            values[name] = given
    if args.rates:
        values["rates"] = [float(r) for r in args.rates.split(",") if r.strip()]
    if args.scenarios:
        chosen = [s.strip() for s in args.scenarios.split(",") if s.strip()]
        unknown = [s for s in chosen if s not in SCENARIOS]
        if unknown:
            parser.error(f"unknown scenario(s): {', '.join(unknown)}")
        values["scenarios"] = chosen
    if args.no_profile:
        values["profile"] = False
    return Options(**values), args


def host_info() -> dict[str, Any]:
    """The machine: CPUs, memory (``free -h``), CPU model, Python."""
    info: dict[str, Any] = {
        "nproc": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        free = subprocess.run(["free", "-h"], capture_output=True, text=True, check=False)  # noqa: S607
        info["free_h"] = free.stdout.strip()
    except OSError:
        pass
    with contextlib.suppress(OSError):
        info["loadavg_at_start"] = [round(x, 2) for x in os.getloadavg()]
    return info


async def server_versions(admin_dsn: str, amqp_url: str) -> dict[str, str]:
    versions: dict[str, str] = {}
    conn = await asyncpg.connect(admin_dsn)
    try:
        versions["postgres"] = str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()
    connection = await aio_pika.connect(amqp_url)
    try:
        props = connection.transport.connection.server_properties  # type: ignore[union-attr]
        versions["rabbitmq"] = str(props.get("version", "?"))
    except Exception:
        versions["rabbitmq"] = "?"
    finally:
        await connection.close()
    return versions


async def run(
    options: Options, args: argparse.Namespace, machine: dict[str, Any]
) -> dict[str, Any]:
    started = datetime.now(UTC)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    out_dir: Path = args.out
    await wait_for_servers(args.postgres_dsn, args.amqp_url)
    machine.update(await server_versions(args.postgres_dsn, args.amqp_url))
    results: dict[str, Any] = {
        "started_at": started.isoformat(),
        "stamp": stamp,
        "options": asdict(options),
        "machine": machine,
        "scenarios": {},
    }
    db = Database(args.postgres_dsn)
    prefix = new_prefix()
    await db.create()
    try:
        async with aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=256), timeout=aiohttp.ClientTimeout(total=120)
        ) as http:
            stack = Stack(options, db, prefix, args.amqp_url, http, out_dir, stamp)
            try:
                await stack.start_emulator("raised", RAISED_RATE_LIMIT)
                await stack.start_emulator("real", REAL_RATE_LIMIT)
                for name in options.scenarios:
                    print(f"[bench] {name} ...", file=sys.stderr, flush=True)
                    began = time.monotonic()
                    outcome = await _attempt(stack, name)
                    if outcome["status"] != "ok":
                        # A shared server may have restarted under us (other test runs restart
                        # Postgres and RabbitMQ): try once more on a clean slate, and say so.
                        print(f"[bench] {name} failed, retrying once", file=sys.stderr)
                        first = outcome
                        outcome = await _attempt(stack, name)
                        outcome["earlier_attempt_error"] = first["error"]
                    outcome["duration_s"] = round(time.monotonic() - began, 1)
                    results["scenarios"][name] = outcome
                    print(
                        f"[bench] {name}: {outcome['status']} in {outcome['duration_s']} s",
                        file=sys.stderr,
                        flush=True,
                    )
            finally:
                await stack.close()
    finally:
        await wait_for_servers(args.postgres_dsn, args.amqp_url)
        await db.drop()
        await delete_amqp(args.amqp_url, prefix, (f"{prefix}.floor",))
    results["finished_at"] = datetime.now(UTC).isoformat()
    results["summary"] = report.summary(results)
    return results


async def _attempt(stack: Stack, name: str) -> dict[str, Any]:
    try:
        outcome = await SCENARIOS[name](stack)
        outcome["status"] = "ok"
    except Exception as exc:
        outcome = {
            "status": "error",
            "error": f"{type(exc).__name__}: {exc}",
            "traceback": traceback.format_exc(),
        }
        for service in stack.services:
            outcome.setdefault("logs", {})[service.name] = service.tail(40)
        await stack.stop_services()
    return outcome


def main(argv: list[str] | None = None) -> int:
    options, args = parse_args(argv)
    out_dir: Path = args.out
    out_dir.mkdir(parents=True, exist_ok=True)
    results = asyncio.run(run(options, args, host_info()))
    stamp = results["stamp"]
    json_path = out_dir / f"{stamp}.json"
    md_path = out_dir / f"{stamp}.md"
    png_path = out_dir / f"{stamp}-latency.png"
    plot_error = report.plot(results, png_path)
    if plot_error is None:
        results["plot"] = png_path.name
    json_path.write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str) + "\n")
    markdown = report.markdown(results)
    md_path.write_text(markdown)
    print(report.table(results))
    print(f"\nresults: {json_path}\n         {md_path}")
    if plot_error is None:
        print(f"         {png_path}")
    else:
        print(f"plot skipped: {plot_error}")
    failed = [n for n, s in results["scenarios"].items() if s.get("status") != "ok"]
    if failed:
        print(f"scenarios that did not complete: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
