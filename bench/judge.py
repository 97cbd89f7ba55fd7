"""Micro-benchmark of the answer judge: ``python -m bench.judge [--rounds N]``.

Judges every case of ``tests/unit/judge_cases.txt`` and prints the time per verdict: the
dictionary load once, then a cold pass (every word and answer analysed for the first time, as
for a fresh question), then warm passes (the caches hold the words, as within a game).
Nothing asserts on the figures (issue #12 asks for ≤ 1 ms per verdict); run it on an idle
machine, it is one process on one core.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from app.game.judge import judge
from app.game.judging import morph, units

CASES_FILE = Path(__file__).resolve().parent.parent / "tests" / "unit" / "judge_cases.txt"

Case = tuple[str, tuple[str, ...], tuple[str, ...]]


def load_cases(path: Path = CASES_FILE) -> list[Case]:
    """(given, accepted, незачёт) of every case line (see the file's header)."""
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        _, given, accepted, rejected, *_ = (field.strip() for field in line.split("|"))
        cases.append((given, _variants(accepted), _variants(rejected)))
    return cases


def _variants(field: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in field.split(";") if part.strip())


def _clear_caches() -> None:
    morph.word_info.cache_clear()
    units.analyse.cache_clear()


def time_pass(cases: list[Case]) -> list[float]:
    """Seconds per verdict, one pass over ``cases``."""
    timings = []
    for given, accepted, rejected in cases:
        started = time.perf_counter()
        judge(given, accepted, rejected)
        timings.append(time.perf_counter() - started)
    return timings


def _summary(label: str, timings: list[float]) -> str:
    micros = sorted(t * 1e6 for t in timings)
    p99 = micros[min(len(micros) - 1, round(0.99 * (len(micros) - 1)))]
    return (
        f"{label:<6} {len(micros):>6} verdicts  mean {statistics.fmean(micros):7.1f} µs  "
        f"median {statistics.median(micros):7.1f} µs  p99 {p99:7.1f} µs  max {micros[-1]:7.1f} µs"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="warm passes (default 20)")
    args = parser.parse_args()

    cases = load_cases()
    started = time.perf_counter()
    morph.analyzer()
    print(f"dictionary load {1000 * (time.perf_counter() - started):.0f} ms, {len(cases)} cases")
    _clear_caches()
    print(_summary("cold", time_pass(cases)))
    warm = [t for _ in range(args.rounds) for t in time_pass(cases)]
    print(_summary("warm", warm))


if __name__ == "__main__":
    main()
