"""The benchmark scenarios, one module each, on fresh state of the same services.

See docs/performance.md for what each measures; :mod:`bench.scenarios.stack` holds the run's
stack and the helpers they share.
"""

from bench.scenarios.budget import scenario_budget
from bench.scenarios.crash import scenario_crash
from bench.scenarios.discussion import scenario_discussion
from bench.scenarios.latency import scenario_latency
from bench.scenarios.outbound import scenario_outbound
from bench.scenarios.stack import RAISED_RATE_LIMIT, REAL_RATE_LIMIT, Options, Stack
from bench.scenarios.timers import scenario_timers

SCENARIOS = {
    "latency": scenario_latency,
    "budget": scenario_budget,
    "discussion": scenario_discussion,
    "timers": scenario_timers,
    "crash": scenario_crash,
    "outbound": scenario_outbound,
}

__all__ = ["RAISED_RATE_LIMIT", "REAL_RATE_LIMIT", "SCENARIOS", "Options", "Stack"]
