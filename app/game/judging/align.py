"""One answer against one variant: what the pairing leaves over decides the verdict.

* The variant's units left unpaired are *missing*: a core word or number is required; its kind
  word («гора», «год») may be left out beside a proper name or a number; function words may go.
* The answer's units left unpaired are *extras*: function words are ignored; a name,
  patronymic, initial, kind word or «год» is *detail* where it fits (beside a surname, a name,
  a number; a kind word anywhere) and a *conflict* where the variant has its own one missing;
  another number, or another surname beside the surname, is a conflict; anything else is an
  extra word the judge cannot know to be true.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.game.judging.pairing import CONTENT, Pairing, Quality, pair
from app.game.judging.reasons import LENIENCY, Reason
from app.game.judging.units import Answer, Role, Unit

_REASON_OF = {
    Quality.EXACT: Reason.EXACT,
    Quality.NUMBER: Reason.NUMBER,
    Quality.FORM: Reason.WORD_FORM,
    Quality.TYPO: Reason.TYPO,
}


@dataclass(frozen=True, slots=True)
class Outcome:
    """The verdict against one variant; ``paired`` counts the variant's units matched (how
    fully the answer matches it, to weigh a незачёт against the accepted variants)."""

    reason: Reason
    paired: int = 0


def compare(given: Answer, target: Answer) -> Outcome | None:
    """Judge ``given`` against one variant; ``None`` when the variant is empty."""
    if not target.units:
        return None
    if given.overlong:
        return _overlong(given, target)
    if not given.units:
        return Outcome(Reason.EMPTY)
    outcome = _judge(given.units, target.units, pair(given.units, target.units))
    if not outcome.reason.accepted and given.squashed == target.squashed:
        return Outcome(Reason.TYPO, paired=1)  # only the spacing differs: «Лосанджелес»
    return outcome


def _overlong(given: Answer, target: Answer) -> Outcome:
    def count(answer: Answer, role: Role) -> int:
        return sum(unit.role is role for unit in answer.units)

    if count(given, Role.NEGATION) > count(target, Role.NEGATION):
        return Outcome(Reason.NEGATION)
    if count(given, Role.HEDGE) > count(target, Role.HEDGE):
        return Outcome(Reason.HEDGE)
    return Outcome(Reason.EXTRA)


@dataclass(frozen=True, slots=True)
class _Context:
    """What the paired part of the variant is: it tells detail from conflict."""

    proper: bool  # a proper name was matched: a kind word may go with it
    number: bool  # a number was matched: «год», «век» may go with it
    surname: bool  # a surname (or an unknown word, mostly a foreign name) was matched
    name: bool  # a surname or a first name was matched: a patronymic, initials may go with it
    lacks_kind: bool  # the variant's own kind word is unpaired
    lacks_year: bool
    lacks_name: bool  # the variant's first name, patronymic or initial is unpaired


@dataclass(slots=True)
class _Tally:
    """The leftovers, sorted into what the verdict is read from."""

    fuller: bool = False  # true detail was added, or the variant's kind word left out
    negation: bool = False
    hedge: bool = False
    listed: bool = False  # a comma, slash or «и» joins an extra
    joins: int = 0  # extra «и», «а»
    conflicts: int = 0
    extras: int = 0

    def detail(self, clashes: bool, fits: bool) -> None:
        if clashes:
            self.conflicts += 1
        elif fits:
            self.fuller = True
        else:
            self.extras += 1


def _core(target: tuple[Unit, ...]) -> list[int]:
    """The variant's units that carry the answer and must be matched."""
    for roles in ((Role.CORE, Role.NEGATION), (Role.KIND, Role.YEAR)):  # «Остров» is a kind
        core = [vi for vi, unit in enumerate(target) if unit.role in roles]
        if core:
            return core
    return list(range(len(target)))


def _judge(given: tuple[Unit, ...], target: tuple[Unit, ...], p: Pairing) -> Outcome:
    core = _core(target)
    matched = [target[vi] for vi in core if vi in p.pairs]
    # An initial alone identifies nobody: «Л.» is not «Лев» (but «Ы» is «Ы»).
    if all(_for_a_name(given, target, p, vi) for vi in core if vi in p.pairs):
        matched = []
    missing = [target[vi] for vi in core if vi not in p.pairs]
    loose = [u for vi, u in enumerate(target) if vi not in core and vi not in p.pairs]
    words = [u for u in matched if u.number is None and not u.initial]
    surname = any(u.info.surname or not u.info.known for u in words)
    context = _Context(
        proper=any(u.info.proper for u in words),
        number=any(u.number is not None for u in matched),
        surname=surname,
        name=surname or any(u.info.first_name for u in words),
        lacks_kind=any(u.role is Role.KIND for u in loose),
        lacks_year=any(u.role is Role.YEAR for u in loose),
        lacks_name=any(u.initial or u.info.first_name or u.info.patronymic for u in missing),
    )
    tally = _Tally()
    for unit in loose:  # the variant's kind word: optional beside a proper name or a number
        if (unit.role is Role.KIND and context.proper) or (
            unit.role is Role.YEAR and context.number
        ):
            tally.fuller = True
        elif unit.role in (Role.KIND, Role.YEAR):
            missing.append(unit)
    for gi, unit in enumerate(given):
        if gi not in p.used and unit.role is not Role.FUNCTION:
            _sort_extra(unit, context, matched, tally)
    return _decide(tally, matched, missing, p, given, target)


def _for_a_name(given: tuple[Unit, ...], target: tuple[Unit, ...], p: Pairing, vi: int) -> bool:
    """The pair is an initial standing for a whole name."""
    gi, quality = p.pairs[vi]
    return quality is not Quality.EXACT and (target[vi].initial or given[gi].initial)


def _sort_extra(unit: Unit, context: _Context, matched: list[Unit], tally: _Tally) -> None:
    """One unpaired word of the answer: a denial, a hedge, detail, a conflict or an extra."""
    tally.listed = tally.listed or unit.listed
    if unit.role is Role.NEGATION:
        tally.negation = True
    elif unit.role is Role.HEDGE:
        tally.hedge = True
    elif unit.role is Role.LIST:
        tally.listed = True
        tally.joins += 1
    elif unit.role is Role.YEAR:
        tally.detail(clashes=context.lacks_year, fits=context.number)
    elif unit.role is Role.KIND:  # beside anything: «роман „Война и мир“», «гора Эверест»
        tally.detail(clashes=context.lacks_kind, fits=True)
    elif unit.number is not None:
        tally.conflicts += 1  # another number: «Генрих VII» for «Генрих VIII», «Наполеон III»
    elif unit.initial or (unit.info.patronymic and not unit.info.first_name):
        tally.detail(clashes=context.lacks_name, fits=context.name)
    elif unit.info.first_name:
        tally.detail(clashes=context.lacks_name, fits=context.surname)
    elif unit.info.surname and context.surname and not unit.governed:
        repeated = any(unit.info.lemmas & other.info.lemmas for other in matched)
        if repeated:  # «Пушкин Пушкин»
            tally.extras += 1
        else:  # another surname: «Пушкин Лермонтов» for «Пушкин»
            tally.conflicts += 1
    else:
        tally.extras += 1


def _decide(
    tally: _Tally,
    matched: list[Unit],
    missing: list[Unit],
    p: Pairing,
    given: tuple[Unit, ...],
    target: tuple[Unit, ...],
) -> Outcome:
    near_miss, truncated = p.left(p.near_misses), p.left(p.truncations)
    if tally.negation:
        return Outcome(Reason.NEGATION)
    if tally.hedge:
        return Outcome(Reason.HEDGE)
    if not matched:
        return Outcome(_nothing_matched(near_miss, truncated, missing, p, given, target))
    paired = sum(target[vi].role is not Role.FUNCTION for vi in p.pairs)
    if tally.conflicts or tally.extras:
        if tally.listed:
            return Outcome(Reason.HEDGE, paired)
        if near_miss:
            return Outcome(Reason.OTHER_WORD, paired)
        if truncated:
            return Outcome(Reason.INCOMPLETE, paired)
        if tally.conflicts or missing:
            return Outcome(Reason.CONFLICT, paired)
        return Outcome(Reason.EXTRA, paired)
    if tally.joins:  # «Лев и Толстой»: a list of one
        return Outcome(Reason.EXTRA, paired)
    if missing:
        return Outcome(Reason.OTHER_WORD if near_miss else Reason.INCOMPLETE, paired)
    reason = _REASON_OF[max(quality for _, quality in p.pairs.values())]
    if tally.fuller and LENIENCY[Reason.FULLER] > LENIENCY[reason]:
        reason = Reason.FULLER
    return Outcome(reason, paired)


def _nothing_matched(
    near_miss: bool,
    truncated: bool,
    missing: list[Unit],
    p: Pairing,
    given: tuple[Unit, ...],
    target: tuple[Unit, ...],
) -> Reason:
    """Why an answer that matched none of the variant's core is wrong."""
    if near_miss:
        return Reason.OTHER_WORD
    if truncated:
        return Reason.INCOMPLETE
    left = [u for gi, u in enumerate(given) if gi not in p.used]
    if any(target[vi].role in CONTENT for vi in p.pairs):
        # Only a kind word matched: «площадь» for «Красная площадь» lacks the answer,
        # «Малый театр» for «Большой театр» names another one.
        return Reason.CONFLICT if any(u.role is Role.CORE for u in left) else Reason.INCOMPLETE
    if any(u.number is not None for u in missing) and any(u.number is not None for u in left):
        return Reason.CONFLICT  # «1813» for «1812»
    return Reason.WRONG


__all__ = ["Outcome", "compare"]
