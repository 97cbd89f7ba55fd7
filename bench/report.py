"""Turn a run's results into the summary figures, a terminal table, Markdown and a plot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

TARGETS = {
    "sustained_vs_floor": 0.60,
    "p99_at_200_ms": 50.0,
    "timer_p99_ms": 50.0,
    "recovery_s": 2.0,
    "outbound_mps": 400.0,
    "rss_mb": 200.0,
    "budget_p99_ms": 100.0,
    "budget_rate": 400.0,
    "discussion_error_ms": 100.0,
}


def _get(data: Any, *path: str | int) -> Any:
    """``data[path[0]][path[1]]...``, or None where the path does not exist."""
    for key in path:
        try:
            data = data[key]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _step_at(sweep: dict[str, Any] | None, rate: float) -> dict[str, Any] | None:
    for step in (sweep or {}).get("steps", []):
        if float(step["offered_rate"]) == rate:
            return dict(step)
    return None


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return round(a / b, 2)


class _Rows(list[dict[str, Any]]):
    """The summary's rows: one per headline figure."""

    def add(
        self,
        figure: str,
        value: Any,
        unit: str = "",
        vs_floor: float | None = None,
        target: str = "",
        met: bool | None = None,
        note: str = "",
    ) -> None:
        self.append(
            {
                "figure": figure,
                "value": value,
                "unit": unit,
                "vs_floor": vs_floor,
                "target": target,
                "met": met,
                "note": note,
            }
        )


def summary(results: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per headline figure: value, ratio to the floor, target and whether it is met."""
    sc = results.get("scenarios", {})
    rows = _Rows()
    lat = sc.get("latency", {})
    floor_sweep = _get(lat, "floor", "sweep")
    floor_rate = _get(floor_sweep, "sustained_rate")
    floor_low = _get(floor_sweep, "steps", 0, "latency_ms")
    _latency_rows(rows, lat)
    _timer_rows(rows, sc.get("timers", {}), floor_low)
    _crash_rows(rows, sc.get("crash", {}))
    _outbound_rows(rows, sc.get("outbound", {}), floor_rate)
    _budget_rows(rows, sc.get("budget", {}))
    _discussion_rows(rows, sc.get("discussion", {}))
    for name, scenario in sc.items():
        if scenario.get("status") != "ok":
            rows.add(
                f"Scenario {name}", "did not complete", note=str(scenario.get("error", ""))[:200]
            )
    return rows


def _latency_rows(rows: _Rows, lat: dict[str, Any]) -> None:
    floor_sweep = _get(lat, "floor", "sweep")
    product_sweep = _get(lat, "product", "sweep")
    floor_rate = _get(floor_sweep, "sustained_rate")
    floor_low = _get(floor_sweep, "steps", 0, "latency_ms")
    if lat.get("status") == "ok":
        k_floor = _get(lat, "floor", "chats")
        k = _get(lat, "product", "chats")
        rows.add(
            f"Floor: sustained events/s with p99 ≤ {lat['limit_ms']:g} ms ({k_floor} chats)",
            floor_rate,
            "events/s",
            1.0,
            note=f"first failing step: {_get(floor_sweep, 'first_failing_rate')}",
        )
        if floor_low:
            rows.add(
                f"Floor: p50 / p99 at {floor_sweep['steps'][0]['offered_rate']:g} events/s",
                f"{floor_low['p50']} / {floor_low['p99']}",
                "ms",
                1.0,
            )
        product_rate = _get(product_sweep, "sustained_rate")
        ratio = _ratio(product_rate, floor_rate)
        rows.add(
            f"Product: sustained events/s with p99 ≤ {lat['limit_ms']:g} ms ({k} chats)",
            product_rate,
            "events/s",
            ratio,
            "≥ 60 % of the floor",
            None if ratio is None else ratio >= TARGETS["sustained_vs_floor"],
            note=f"first failing step: {_get(product_sweep, 'first_failing_rate')}",
        )
        low = _get(product_sweep, "steps", 0, "latency_ms")
        if low:
            rate0 = product_sweep["steps"][0]["offered_rate"]
            floor_p99 = _get(_step_at(floor_sweep, rate0), "latency_ms", "p99")
            rows.add(
                f"Product: p50 / p99 at {rate0:g} events/s",
                f"{low['p50']} / {low['p99']}",
                "ms",
                _ratio(low["p99"], floor_p99),
            )
        floor_cost = _get(floor_sweep, "steps", 0, "cpu_ms_per_event") or {}
        product_cost = _get(product_sweep, "steps", 0, "cpu_ms_per_event") or {}
        floor_total = sum(v for k, v in floor_cost.items() if k.startswith("floor"))
        product_total = sum(v for k, v in product_cost.items() if not k.startswith("emu"))
        if floor_total and product_total:
            rows.add(
                "CPU per event at the lowest step: product (bot + poller) / floor",
                f"{product_total:.1f} / {floor_total:.1f}",
                "ms",
                _ratio(product_total, floor_total),
                note="one core's ceiling ≈ 1000 / (ms per event) events/s; "
                + ", ".join(f"{k} {v:g}" for k, v in product_cost.items()),
            )
        at200 = _step_at(product_sweep, 200.0)
        if at200:
            p99 = at200["latency_ms"]["p99"]
            floor200 = _get(_step_at(floor_sweep, 200.0), "latency_ms", "p99")
            met = p99 is not None and p99 <= TARGETS["p99_at_200_ms"] and not at200["timeouts"]
            rows.add(
                f"Product: p99 reply latency at 200 events/s ({k} chats)",
                p99,
                "ms",
                _ratio(p99, floor200),
                "≤ 50 ms over 1,000 chats",
                met if k and k >= 1000 else None,
                note="" if k and k >= 1000 else f"measured over {k} chats, not 1,000",
            )


def _timer_rows(rows: _Rows, tim: dict[str, Any], floor_low: dict[str, Any] | None) -> None:
    if tim.get("status") == "ok":
        n = tim["games"]
        exact = tim["lateness_discussion_end_exact_ms"]
        rows.add(
            f"Timer lateness p50 / p99 / max, discussion ends ({n} games, exact)",
            f"{exact['p50']} / {exact['p99']} / {exact['max']}",
            "ms",
            _ratio(exact["p99"], floor_low["p99"] if floor_low else None),
            "p99 ≤ 50 ms with 5,000 games",
            (exact["p99"] is not None and exact["p99"] <= TARGETS["timer_p99_ms"])
            if n >= 5000
            else None,
            note=f"{tim['timers_per_second']} timers/s; not fired: {exact['not_fired']}",
        )
        hist = tim["lateness_histogram_all_timers"]
        beyond = f"> {hist.get('largest_finite_bucket_s', 10):g} s"
        rows.add(
            f"Timer lateness p50 / p99, all timers ({hist['count']} fired, /metrics histogram)",
            f"{hist['p50_ms'] or beyond} / {hist['p99_ms'] or beyond}",
            "ms",
            note=f"interpolated inside the histogram's buckets; mean {hist['mean_ms']} ms",
        )
        for service, use in tim["usage"].items():
            if use.get("peak_rss_mb"):
                product_service = service in ("bot", "poller")
                rows.add(
                    f"Peak RSS of {service} with {n} active games",
                    use["peak_rss_mb"],
                    "MB",
                    target="≤ 200 MB with 5,000 games" if product_service else "",
                    met=(use["peak_rss_mb"] <= TARGETS["rss_mb"])
                    if product_service and n >= 5000
                    else None,
                    note=f"CPU {use['cpu_percent']} % of a core during the window",
                )


def _crash_rows(rows: _Rows, crash: dict[str, Any]) -> None:
    if crash.get("status") == "ok":
        n = crash["games"]
        fired = crash["overdue_timers_fired_after_ready_s"]
        rows.add(
            f"Crash: every overdue timer fired, after the bots were back ({n} games)",
            fired,
            "s",
            target="≤ 2 s with 1,000 games",
            met=(fired is not None and fired <= TARGETS["recovery_s"]) if n >= 1000 else None,
            note=f"{crash['overdue_timers_at_restart']} overdue timers; from spawn: "
            f"{crash['overdue_timers_fired_after_spawn_s']} s; all games progressed after "
            f"{crash['all_games_progressed_after_ready_s']} s; all messages delivered after "
            f"{crash['all_messages_delivered_after_ready_s']} s",
        )
        lost, doubled = crash["lost_messages_chats"], crash["doubled_messages_chats"]
        rows.add(
            "Crash: chats with a lost / doubled message",
            f"{lost} / {doubled}",
            "chats",
            target="0 / 0",
            met=lost == 0 and doubled == 0 and crash["outbox_failed"] == 0,
            note=f"VK-side de-duplicated re-sends: {crash['emulator']['duplicate_random_ids']}; "
            f"repeated (idempotent) edits: {crash['repeated_edits']}",
        )


def _outbound_rows(rows: _Rows, out: dict[str, Any], floor_rate: float | None) -> None:
    if out.get("status") == "ok":
        for label, name in (("batching_on", "on"), ("batching_off", "off")):
            run = out.get(label)
            if not run:
                continue
            mps = run["steady_messages_per_second"]
            rows.add(
                f"Outbound messages/s through one token, execute batching {name}",
                mps,
                "msg/s",
                _ratio(mps, floor_rate),
                "≥ 400 msg/s" if name == "on" else "",
                (mps >= TARGETS["outbound_mps"]) if name == "on" and mps is not None else None,
                note=f"{run['delivered']} messages, 20 requests/s limit, "
                f"error 6 answers: {run['rate_limited']}",
            )


def _budget_rows(rows: _Rows, budget: dict[str, Any]) -> None:
    if budget.get("status") == "ok":
        steps = budget["sweep"]["steps"]
        worst = max(steps, key=lambda st: st["latency_ms"]["p99"] or float("inf"))
        top = max(float(st["offered_rate"]) for st in steps)
        rows.add(
            "Replies under VK's real budget (20 requests/s): worst step p99",
            worst["latency_ms"]["p99"],
            "ms",
            note=f"at {worst['offered_rate']} replies/s; steps 1–{top:g}/s; "
            f"error 6: {budget['vk_error_6']}; unanswered: {budget['timeouts']}",
            target="p99 ≤ 100 ms at every step up to 400/s, no error 6",
            met=budget["every_step_within_limit"]
            and not budget["vk_error_6"]
            and top >= TARGETS["budget_rate"],
        )


def _discussion_rows(rows: _Rows, disc: dict[str, Any]) -> None:
    if disc.get("status") == "ok":
        err = disc["discussion_error_ms"]
        delay = disc["question_delay_after_press_ms"]
        worst = max(abs(err["p99"] or 0), abs(err["min"] or 0))
        rows.add(
            f"Discussion as the players see it, error p50 / p99 / min ({disc['games']} games "
            f"started in waves of {disc['wave']}, {disc['discussion_seconds']} s)",
            f"{err['p50']} / {err['p99']} / {err['min']}",
            "ms",
            target="± 100 ms at p99",
            met=err["count"] == disc["games"] and worst <= TARGETS["discussion_error_ms"],
            note=f"question reached the chat p50 {delay['p50']} / p99 {delay['p99']} / max "
            f"{delay['max']} ms after the press; closed {disc['discussions_closed']} of "
            f"{disc['games']}",
        )


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def table(results: dict[str, Any]) -> str:
    rows = results.get("summary") or summary(results)
    header = ("figure", "value", "unit", "vs floor", "target", "met")
    lines = [
        (r["figure"], _fmt(r["value"]), r["unit"], _fmt(r["vs_floor"]), r["target"], _fmt(r["met"]))
        for r in rows
    ]
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]
    out = [" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    out.append("-+-".join("-" * w for w in widths))
    out += [" | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in lines]
    return "\n".join(out)


def _md_row(cells: list[Any]) -> str:
    return "| " + " | ".join(_fmt(c).replace("|", "\\|") for c in cells) + " |"


def _steps_table(sweep: dict[str, Any] | None) -> list[str]:
    if not sweep:
        return ["(no steps)"]
    services: list[str] = []
    for step in sweep["steps"]:
        for name in step.get("usage", {}):
            if name not in services:
                services.append(name)
    head = ["offered/s", "achieved/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "timeouts"]
    head += [f"CPU {s} %" if s != "machine" else "CPU machine % of all" for s in services]
    head += ["CPU ms per event", "ok"]
    lines = [_md_row(head), _md_row(["---"] * len(head))]
    for step in sweep["steps"]:
        lat = step["latency_ms"]
        usage = step.get("usage", {})
        cells: list[Any] = [
            step["offered_rate"],
            step["achieved_rate"],
            lat["p50"],
            lat["p95"],
            lat["p99"],
            lat["max"],
            step["timeouts"],
        ]
        cells += [
            _get(usage, s, "cpu_percent" if s != "machine" else "cpu_percent_of_all_cores")
            for s in services
        ]
        cost = step.get("cpu_ms_per_event") or {}
        cells.append(", ".join(f"{k} {v:g}" for k, v in cost.items() if not k.startswith("emu")))
        cells.append(step["within_limit"])
        lines.append(_md_row(cells))
    return lines


def _profile_lines(prof: dict[str, Any] | None) -> list[str]:
    if not prof:
        return []
    lines = [
        "",
        f"Profile: py-spy at {prof.get('rate')} events/s for {prof.get('seconds')} s "
        f"(latency under the profiler: {_get(prof, 'latency_ms_under_profiler', 'p99')} ms p99).",
    ]
    for name, data in prof.items():
        if not isinstance(data, dict) or "samples" not in data:
            continue
        lines += ["", f"**{name}** ({data['samples']} samples) — leaf frames by package:", ""]
        lines.append(_md_row(["package", "%"]))
        lines.append(_md_row(["---", "---"]))
        lines += [_md_row([p["function"], p["percent"]]) for p in data["by_package"][:10]]
        lines += ["", "Top inclusive functions of the product:", ""]
        lines.append(_md_row(["function", "%"]))
        lines.append(_md_row(["---", "---"]))
        lines += [_md_row([p["function"], p["percent"]]) for p in data["top_inclusive_app"][:12]]
    return lines


def markdown(results: dict[str, Any]) -> str:
    machine = results.get("machine", {})
    options = results.get("options", {})
    out = [
        f"# Znatoki bench {results.get('stamp')} (preset `{options.get('preset')}`)",
        "",
        f"Machine: {machine.get('nproc')} CPUs, {machine.get('cpu_model')}; Python "
        f"{machine.get('python')}, Postgres {machine.get('postgres')}, RabbitMQ "
        f"{machine.get('rabbitmq')}; load average at start {machine.get('loadavg_at_start')}.",
        "",
        _md_row(["figure", "value", "unit", "vs floor", "target", "met", "note"]),
        _md_row(["---"] * 7),
    ]
    for r in results.get("summary") or summary(results):
        out.append(
            _md_row(
                [
                    r["figure"],
                    r["value"],
                    r["unit"],
                    r["vs_floor"],
                    r["target"],
                    r["met"],
                    r["note"],
                ]
            )
        )
    lat = results.get("scenarios", {}).get("latency", {})
    if lat.get("status") == "ok":
        out += ["", f"## Floor ({_get(lat, 'floor', 'chats')} chats)", ""]
        out += _steps_table(_get(lat, "floor", "sweep"))
        out += [
            "",
            f"## Product ({_get(lat, 'product', 'chats')} chats, "
            f"{_get(lat, 'product', 'bots')} bot)",
            "",
        ]
        out += _steps_table(_get(lat, "product", "sweep"))
        out += _profile_lines(_get(lat, "product", "profile"))
    budget = results.get("scenarios", {}).get("budget", {})
    if budget.get("status") == "ok":
        out += [
            "",
            f"## Replies under VK's real budget ({budget['chats']} chats, emulator at "
            f"{budget['emulator_rate_limit']} requests/s, "
            f"VK_RATE_LIMIT={budget['bot_vk_rate_limit']})",
            "",
        ]
        out += _steps_table(budget["sweep"])
        out += [
            "",
            "VK requests / error 6 per step: "
            + ", ".join(
                f"{st['offered_rate']:g}/s: {st['vk_requests']} / {st['vk_error_6']}"
                for st in budget["sweep"]["steps"]
            ),
        ]
    out += ["", f"Options: `{options}`", ""]
    return "\n".join(out) + "\n"


def plot(results: dict[str, Any], path: Path) -> str | None:
    """Latency (p50, p99) against offered load for the floor and the product; None if drawn."""
    lat = results.get("scenarios", {}).get("latency", {})
    if lat.get("status") != "ok":
        return "no latency results"
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib is not installed (pip install '.[bench]')"
    fig, ax = plt.subplots(figsize=(8, 5), dpi=110)
    for name, color in (("floor", "tab:gray"), ("product", "tab:blue")):
        steps = _get(lat, name, "sweep", "steps") or []
        rates = [s["offered_rate"] for s in steps if s["latency_ms"]["p99"] is not None]
        if not rates:
            continue
        p50 = [s["latency_ms"]["p50"] for s in steps if s["latency_ms"]["p99"] is not None]
        p99 = [s["latency_ms"]["p99"] for s in steps if s["latency_ms"]["p99"] is not None]
        chats = _get(lat, name, "chats")
        ax.plot(rates, p99, "o-", color=color, label=f"{name} p99 ({chats} chats)")
        ax.plot(rates, p50, "s--", color=color, alpha=0.7, label=f"{name} p50")
    ax.axhline(lat.get("limit_ms", 100), color="tab:red", linestyle=":", label="p99 limit")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("offered load, events/s")
    ax.set_ylabel("reply latency (emulator clock), ms")
    machine = results.get("machine", {})
    ax.set_title(
        f"Znatoki reply latency vs load — {machine.get('nproc')} CPUs, "
        f"preset {results.get('options', {}).get('preset')}"
    )
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return None
