"""The jury's conventions as data: every line of judge_cases.txt is one judged answer.

A line is ``rule | given | accepted | незачёт | verdict | reason | judge`` (see the file's
header).  A case the judge misses on purpose names, in its last field, what the judge does
instead; the test pins that too, so a change that fixes (or shifts) a known miss shows up here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.game.judge import Reason, judge

CASES_FILE = Path(__file__).with_name("judge_cases.txt")
RULES = ("form", "fuller", "typo", "number", "hedge", "lists", "reason")


@dataclass(frozen=True)
class Case:
    line: int
    rule: str
    given: str
    accepted: tuple[str, ...]
    rejected: tuple[str, ...]
    correct: bool  # the jury's verdict
    reason: Reason
    known: tuple[bool, Reason] | None  # what the judge does instead, on purpose

    @property
    def expected(self) -> tuple[bool, Reason]:
        return self.known or (self.correct, self.reason)


def _variants(field: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in field.split(";") if part.strip())


def _verdict(field: str) -> tuple[bool, Reason]:
    sign, reason = field.split()
    assert sign in "+-", field
    return sign == "+", Reason(reason)


def load_cases() -> list[Case]:
    cases = []
    for number, raw in enumerate(CASES_FILE.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        fields = [field.strip() for field in raw.split("|")]
        assert 6 <= len(fields) <= 7, f"line {number}: {raw!r}"
        rule, given, accepted, rejected, sign, reason = fields[:6]
        assert rule in RULES, f"line {number}: unknown rule {rule!r}"
        correct, why = _verdict(f"{sign} {reason}")
        known = _verdict(fields[6]) if len(fields) == 7 and fields[6] else None
        cases.append(
            Case(number, rule, given, _variants(accepted), _variants(rejected), correct, why, known)
        )
    return cases


CASES = load_cases()


def _id(case: Case) -> str:
    accepted = case.accepted[0] if case.accepted else "∅"
    miss = "-known-miss" if case.known else ""
    return f"{case.line}-{case.rule}{miss}: {case.given} -> {accepted}"


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_case(case: Case) -> None:
    verdict = judge(case.given, case.accepted, case.rejected)
    assert (verdict.correct, verdict.reason) == case.expected
    if verdict.correct:
        assert verdict.matched in case.accepted
    elif verdict.reason is Reason.NEZACHET:
        assert verdict.matched in case.rejected
    else:
        assert verdict.matched is None


def test_the_set_covers_every_rule_both_ways() -> None:
    assert len(CASES) >= 300
    directions = Counter((case.rule, case.correct) for case in CASES)
    for rule in RULES:
        assert directions[rule, True] >= 5, rule
        assert directions[rule, False] >= 5, rule


def test_known_misses_are_few_and_really_differ() -> None:
    known = [case for case in CASES if case.known]
    assert all(case.known != (case.correct, case.reason) for case in known)
    assert len(known) <= len(CASES) // 20


def test_every_reason_is_exercised() -> None:
    reasons = {case.reason for case in CASES}
    assert reasons == set(Reason)


def test_verdict_and_reason_agree_in_the_data() -> None:
    for case in CASES:
        assert case.reason.accepted == case.correct, case.line
