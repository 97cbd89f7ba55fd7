"""Pairing an answer's units with a variant's: equal, same value or lemma, or a typo.

Units are paired in three passes, strictest first, so that a looser pass never steals a unit a
stricter one would have matched: equal spelling, then the same value or lemma (or an initial
for the first name), then a typo.  Word order is free.  A near pair that is not a typo is
remembered, because it names the refusal: a known word one letter off is another word
(«Ирландия» for «Исландия»), a word cut short is unfinished («Менделе»).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from rapidfuzz.distance import OSA

from app.game.judging.units import Role, Unit

CONTENT = frozenset({Role.CORE, Role.KIND, Role.YEAR})


class Quality(IntEnum):
    """How a pair of units matched (lower is stricter)."""

    EXACT = 0
    NUMBER = 1
    FORM = 2
    TYPO = 3


def typo_budget(length: int) -> int:
    """Edits tolerated in a word of ``length`` letters: 0 up to 4, 1 up to 8, 2 up to 14, 15 %."""
    if length <= 4:
        return 0
    if length <= 8:
        return 1
    if length <= 14:
        return 2
    return length * 15 // 100


def _exact(given: Unit, target: Unit) -> bool:
    return given.text == target.text and given.number == target.number


def _form(given: Unit, target: Unit) -> Quality | None:
    """Same value, same lemma, or an initial standing for the first name or patronymic."""
    if given.role != target.role and not (given.role in CONTENT and target.role in CONTENT):
        return None
    if given.number is not None and target.number is not None:
        return Quality.NUMBER if given.number == target.number else None
    if given.initial or target.initial:
        short, full = (given, target) if given.initial else (target, given)
        if full.initial or not (full.info.first_name or full.info.patronymic):
            return None
        return Quality.FORM if full.text.startswith(short.text) else None
    # A lone number word keeps its lemmas: «сороку» (the bird) for «сорока» (bird or forty).
    return Quality.FORM if given.info.lemmas & target.info.lemmas else None


def _spellings(unit: Unit) -> set[str]:
    return {unit.text, *unit.info.lemmas}


def _close(given: Unit, target: Unit) -> bool:
    """Within the typo budget of the target word, and not a truncation of it."""
    if given.number is not None or target.number is not None:
        return False
    if given.initial or target.initial or len(given.text) < 2:
        return False
    if given.role not in CONTENT or target.role not in CONTENT:
        return False
    for typed in _spellings(given):
        for wanted in _spellings(target):
            budget = typo_budget(len(wanted))
            if budget == 0 or abs(len(typed) - len(wanted)) > budget:
                continue
            if typed in wanted and len(wanted) - len(typed) >= 2:
                continue  # «Менделе» for «Менделеев» is unfinished, not misspelt
            if OSA.distance(typed, wanted, score_cutoff=budget) <= budget:
                return True
    return False


def _truncates(given: Unit, target: Unit) -> bool:
    """«Менделе», «Пуш», «Моск»: the start of the target word, two letters short or more."""
    if given.number is not None or target.number is not None or given.initial:
        return False
    if given.role not in CONTENT or target.role not in CONTENT or len(given.text) < 3:
        return False
    return any(
        wanted.startswith(given.text) and len(wanted) - len(given.text) >= 2
        for wanted in _spellings(target)
    )


@dataclass(slots=True)
class Pairing:
    """Which units were paired and how, and the near pairs that were refused."""

    pairs: dict[int, tuple[int, Quality]]  # variant unit -> (answer unit, quality)
    used: set[int]
    near_misses: list[tuple[int, int]]  # (answer unit, variant unit): known words, close
    truncations: list[tuple[int, int]]  # (answer unit, variant unit): unfinished words

    def left(self, misses: list[tuple[int, int]]) -> bool:
        """Some such pair has both units left unpaired."""
        return any(gi not in self.used and vi not in self.pairs for gi, vi in misses)


def pair(given: tuple[Unit, ...], target: tuple[Unit, ...]) -> Pairing:
    """Pair the answer's units with the variant's, strictest match first, in any order."""
    pairing = Pairing(pairs={}, used=set(), near_misses=[], truncations=[])
    for quality in (Quality.EXACT, Quality.FORM, Quality.TYPO):
        for vi, wanted in enumerate(target):
            if vi in pairing.pairs:
                continue
            for gi, typed in enumerate(given):
                if gi in pairing.used:
                    continue
                found: Quality | None = None
                if quality is Quality.EXACT:
                    found = Quality.EXACT if _exact(typed, wanted) else None
                elif quality is Quality.FORM:
                    found = _form(typed, wanted)
                elif _truncates(typed, wanted):  # «Нигер» is a country, «Менделе» unfinished
                    misses = pairing.near_misses if typed.info.known else pairing.truncations
                    misses.append((gi, vi))
                elif _close(typed, wanted):
                    if typed.info.known:  # «Ирландия» is a country, not a misspelt «Исландия»
                        pairing.near_misses.append((gi, vi))
                    else:
                        found = Quality.TYPO
                if found is not None:
                    pairing.pairs[vi] = (gi, found)
                    pairing.used.add(gi)
                    break
    return pairing


__all__ = ["CONTENT", "Pairing", "Quality", "pair", "typo_budget"]
