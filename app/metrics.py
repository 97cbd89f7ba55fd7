"""Every Prometheus metric of Znatoki, declared in one place.

Each service serves them at ``/metrics`` on its ops port (``METRICS_PORT``, see
app/ops_endpoints.py).
Names follow Prometheus conventions: ``_total`` counters, ``_seconds`` histograms.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from app.game.events import TIMER_NAMES

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

UPDATES = Counter(
    "znatoki_updates_total",
    "VK updates handled by the bot, by update type and outcome",
    ["type", "outcome"],  # outcome: applied, duplicate, malformed, failed
)
UPDATE_SECONDS = Histogram(
    "znatoki_update_processing_seconds",
    "Time to apply one update (one transaction), by update type",
    ["type"],
    buckets=LATENCY_BUCKETS,
)
QUEUE_LAG = Histogram(
    "znatoki_update_queue_lag_seconds",
    "Time from the poller publishing an update to the bot starting to apply it",
    buckets=LATENCY_BUCKETS,
)
DEAD_LETTERS = Counter("znatoki_dead_lettered_total", "Updates parked in the dead-letter queue")
RETRIED = Counter("znatoki_update_retries_total", "Updates re-published to a retry tier")
DLQ_SIZE = Gauge("znatoki_dead_letter_queue_messages", "Messages in the dead-letter queue")

ACTIVE_GAMES = Gauge("znatoki_active_games", "Games in progress (lobby included)")
TIMERS_PENDING = Gauge("znatoki_timers_pending", "Durable timers waiting to fire")
TIMERS_FIRED = Counter("znatoki_timers_fired_total", "Timers fired, by timer name", ["name"])
TIMER_LATENESS = Histogram(
    "znatoki_timer_lateness_seconds",
    "How late a timer fired after its due time",
    buckets=LATENCY_BUCKETS,
)

VK_REQUESTS = Counter(
    "znatoki_vk_requests_total",
    "HTTP requests to the VK API, by method and result (ok, an error code, or transport)",
    ["method", "result"],
)
VK_CALLS = Counter(
    "znatoki_vk_calls_total",
    "Outbox calls delivered through VK (inside execute batches too), by method and result",
    ["method", "result"],
)
VK_RATE_WAITS = Counter(
    "znatoki_vk_rate_limit_waits_total", "Times a VK request waited for the rate budget"
)
OUTBOX_PENDING = Gauge("znatoki_outbox_pending", "Outgoing VK calls not delivered yet")

POLLER_UPDATES = Counter("znatoki_poller_updates_total", "Updates published by the poller")
POLLER_CYCLES = Counter(
    "znatoki_poller_cycles_total",
    "Long-poll cycles by result (ok, failed, or the failed code)",
    ["result"],
)


def _initialise() -> None:
    """Create the expected label sets at zero, so dashboards see a series before its first event."""
    for kind in ("message_new", "message_event", "other"):
        UPDATE_SECONDS.labels(kind)
        for outcome in ("applied", "duplicate"):
            UPDATES.labels(kind, outcome)
    for outcome in ("malformed", "failed"):
        UPDATES.labels("unknown", outcome)
    for name in TIMER_NAMES:
        TIMERS_FIRED.labels(name)
    for method in ("messages.send", "messages.edit", "messages.sendMessageEventAnswer"):
        VK_CALLS.labels(method, "ok")
    for method in ("execute", "messages.send", "users.get", "groups.getLongPollServer"):
        VK_REQUESTS.labels(method, "ok")
    POLLER_CYCLES.labels("ok")


_initialise()
