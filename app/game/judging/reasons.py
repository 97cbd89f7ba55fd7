"""Why a verdict went the way it did: the words an admin reads in the round's history."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """The rule that decided a verdict.

    The values are stored with the round (``RoundResult.reason``), so they are part of the
    saved state: rename a member only together with a migration of stored games.
    """

    # accepted, from the strictest to the most lenient rule
    EXACT = "exact"  # equal to the author's answer after normalisation
    ZACHET = "zachet"  # equal to another listed зачёт variant
    NUMBER = "number"  # the same numbers, written differently («девять» = «9», «II» = «второй»)
    WORD_FORM = "word_form"  # the same lemmas (case, number), or an initial for the first name
    FULLER = "fuller"  # differs only by true detail: a name, patronymic, initials, kind word
    TYPO = "typo"  # a misspelling that is not itself another word

    # refused
    EMPTY = "empty"  # nothing to judge (silence, punctuation only)
    NEZACHET = "nezachet"  # matches a незачёт variant
    NEGATION = "negation"  # a denial («не Пушкин», «не знаю»)
    HEDGE = "hedge"  # several candidates («X или Y», «то ли X, то ли Y», «X, Y»)
    CONFLICT = "conflict"  # an extra word contradicts the answer (another name, number, qualifier)
    OTHER_WORD = "other_word"  # close in spelling, but the dictionary knows it as another word
    EXTRA = "extra"  # extra words that are not known to be detail («Кот Бегемот» for «Бегемот»)
    INCOMPLETE = "incomplete"  # a required part of the answer is missing
    WRONG = "wrong"  # nothing in common

    @property
    def accepted(self) -> bool:
        return self in _ACCEPTED


_ACCEPTED = frozenset(
    {
        Reason.EXACT,
        Reason.ZACHET,
        Reason.NUMBER,
        Reason.WORD_FORM,
        Reason.FULLER,
        Reason.TYPO,
    }
)

# Among several accepting variants the strictest rule wins (lower is stricter).
LENIENCY: dict[Reason, int] = {
    Reason.EXACT: 0,
    Reason.ZACHET: 1,
    Reason.NUMBER: 2,
    Reason.WORD_FORM: 3,
    Reason.FULLER: 4,
    Reason.TYPO: 5,
}

# Among several refusing variants the most specific explanation is reported (lower first).
SPECIFICITY: dict[Reason, int] = {
    Reason.NEGATION: 0,
    Reason.HEDGE: 1,
    Reason.CONFLICT: 2,
    Reason.OTHER_WORD: 3,
    Reason.EXTRA: 4,
    Reason.INCOMPLETE: 5,
    Reason.WRONG: 6,
    Reason.EMPTY: 7,
}

__all__ = ["LENIENCY", "SPECIFICITY", "Reason"]
