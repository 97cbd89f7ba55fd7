"""Smoke run of the benchmark suite: every scenario runs end to end at tiny sizes.

It runs ``python -m bench.driver --preset smoke`` as a real process against the test run's
Postgres and RabbitMQ (the driver creates and drops its own database and AMQP prefix) and
checks only that each scenario completed and that the results are well formed: the JSON and
Markdown files exist and carry the fields the report is built from. The figures themselves
are never asserted: at these sizes they mean nothing, and on a shared machine they vary.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench import report
from tests.conftest import ADMIN_DSN, AMQP_URL
from tests.helpers import REPO_ROOT

pytestmark = pytest.mark.slow

LATENCY_KEYS = {"p50", "p95", "p99", "max", "count"}


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("bench")
    command = [
        sys.executable,
        "-m",
        "bench.driver",
        "--preset",
        "smoke",
        "--out",
        str(out),
        "--postgres-dsn",
        ADMIN_DSN,
        "--amqp-url",
        AMQP_URL,
    ]
    done = subprocess.run(
        command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=150, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    files = sorted(out.glob("*.json"))
    assert len(files) == 1, files
    data: dict[str, Any] = json.loads(files[0].read_text())
    assert (out / f"{data['stamp']}.md").read_text().startswith("# Znatoki bench")
    assert "figure" in done.stdout  # the table printed at the end
    data["_out"] = str(out)
    return data


def test_every_scenario_completed(results: dict[str, Any]) -> None:
    assert set(results["scenarios"]) == {
        "latency",
        "budget",
        "discussion",
        "timers",
        "crash",
        "outbound",
    }
    for name, scenario in results["scenarios"].items():
        assert scenario["status"] == "ok", (name, scenario.get("error"), scenario.get("logs"))
    machine = results["machine"]
    assert machine["nproc"] >= 1
    assert machine["postgres"]
    assert machine["rabbitmq"]


def test_latency_steps_are_well_formed(results: dict[str, Any]) -> None:
    latency = results["scenarios"]["latency"]
    for part in ("floor", "product"):
        sweep = latency[part]["sweep"]
        assert sweep["steps"], part
        for step in sweep["steps"]:
            assert set(step["latency_ms"]) >= LATENCY_KEYS
            assert step["sent"] > 0
            assert step["latency_ms"]["count"] > 0, (part, step)
            assert _number(step["achieved_rate"])
            assert isinstance(step["within_limit"], bool)
            for name, usage in step["usage"].items():
                key = "cpu_percent_of_all_cores" if name == "machine" else "cpu_percent"
                assert _number(usage[key])
    product_step = latency["product"]["sweep"]["steps"][0]
    assert {"queue_lag", "processing"} <= set(product_step["bot_stages_ms"])


def test_budget_steps_are_well_formed(results: dict[str, Any]) -> None:
    budget = results["scenarios"]["budget"]
    steps = budget["sweep"]["steps"]
    assert [step["offered_rate"] for step in steps] == [2, 4]  # every step, none skipped
    for step in steps:
        assert step["latency_ms"]["count"] > 0, step
        assert step["vk_requests"] > 0
        assert isinstance(step["vk_error_6"], int)
    assert isinstance(budget["every_step_within_limit"], bool)


def test_discussion_results_are_well_formed(results: dict[str, Any]) -> None:
    discussion = results["scenarios"]["discussion"]
    assert discussion["questions_shown"] == discussion["games"] == 6
    assert discussion["discussions_closed"] == 6
    error = discussion["discussion_error_ms"]
    assert error["count"] == 6
    assert _number(error["p99"])
    assert _number(discussion["question_delay_after_press_ms"]["max"])


def test_timer_crash_and_outbound_results_are_well_formed(results: dict[str, Any]) -> None:
    timers = results["scenarios"]["timers"]
    assert timers["lateness_discussion_end_exact_ms"]["count"] > 0
    assert timers["lateness_histogram_all_timers"]["count"] > 0
    assert _number(timers["usage"]["bot"]["peak_rss_mb"])
    crash = results["scenarios"]["crash"]
    for key in ("overdue_timers_fired_after_spawn_s", "lost_messages_chats", "repeated_edits"):
        assert key in crash
    assert _number(crash["overdue_timers_at_restart"])
    outbound = results["scenarios"]["outbound"]
    for label in ("batching_on", "batching_off"):
        assert outbound[label]["delivered"] == outbound[label]["messages"]
        assert outbound[label]["sender_report"]["sent"] == outbound[label]["messages"]


def test_summary_table_and_plot(results: dict[str, Any]) -> None:
    rows = results["summary"]
    assert rows
    for row in rows:
        assert {"figure", "value", "unit", "vs_floor", "target", "met", "note"} <= set(row)
    assert "figure" in report.table(results)
    assert report.markdown(results).startswith("# Znatoki bench")
    if "plot" in results:  # matplotlib (the bench extra) installed
        assert (Path(results["_out"]) / results["plot"]).stat().st_size > 0
