"""An answer as the judge compares it: a sequence of units, each a word or a whole number.

Tokens become units here: the dictionary is asked about each word, consecutive number words
are read as one number («тысяча девятьсот сорок пятый» -> 1945), ordinal endings after digits
are dropped («2-й» -> 2), abbreviations after a number are expanded («1945 г.» -> год), and
every unit gets the role it plays in judging (see :class:`Role`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from app.game.judging import numbers
from app.game.judging.morph import WordInfo, word_info
from app.game.judging.text import Token, drop_leading_fillers, tokenize
from app.game.judging.words import (
    FUNCTION_WORDS,
    HEDGE_WORDS,
    KIND_WORDS,
    LIST_WORDS,
    NEGATIONS,
    ORDINAL_SUFFIXES,
    PREPOSITIONS,
    YEAR_ABBREVIATIONS,
    YEAR_WORDS,
)

# An answer longer than this is not analysed word by word: it cannot be a right answer.
MAX_UNITS = 64


class Role(Enum):
    CORE = "core"  # carries the answer: must be matched
    KIND = "kind"  # a generic word naming the kind («гора», «река», «король»)
    YEAR = "year"  # a kind that names a number («год», «век»)
    FUNCTION = "function"  # a preposition, particle or lead-in: never matters
    LIST = "list"  # «и», «а»: joins candidates when extra
    HEDGE = "hedge"  # «или», «либо», «ли»
    NEGATION = "negation"  # «не», «ни», «нет»


@dataclass(frozen=True, slots=True)
class Unit:
    """A word or a number of an answer.

    ``text`` is the normalised spelling (for a number, its words or digits as typed, joined by
    spaces); ``number`` the canonical value of a number; ``info`` what the dictionary says;
    ``initial`` a letter standing for a name; ``listed`` a list mark stands before it.
    """

    text: str
    role: Role
    info: WordInfo
    number: str | None = None
    initial: bool = False
    listed: bool = False
    governed: bool = False  # right after a preposition: a circumstance («в Болдине»)


@dataclass(frozen=True, slots=True)
class Answer:
    """A whole answer: its units and, for the spacing fallback, its letters run together."""

    units: tuple[Unit, ...]
    squashed: str
    overlong: bool = False


_NO_INFO = WordInfo(lemmas=frozenset())


def _role(token: Token, info: WordInfo) -> Role:
    text = token.text
    if token.initial:
        return Role.CORE
    if text in NEGATIONS:
        return Role.NEGATION
    if text in HEDGE_WORDS:
        return Role.HEDGE
    if text in LIST_WORDS:
        return Role.LIST
    if text in FUNCTION_WORDS:
        return Role.FUNCTION
    if info.lemmas & YEAR_WORDS:
        return Role.YEAR
    if info.lemmas & KIND_WORDS:
        return Role.KIND
    return Role.CORE


def _needs_no_dictionary(token: Token) -> bool:
    """Initials and function words play their part whatever the dictionary says of them."""
    text = token.text
    return (
        token.initial
        or len(text) == 1
        or text in FUNCTION_WORDS
        or text in LIST_WORDS
        or text in HEDGE_WORDS
        or text in NEGATIONS
    )


def _roman(token: Token, last: bool) -> int | None:
    """The value of a Roman numeral token.

    A Latin «I.» at the very end is the regnal number of «Пётр I.», elsewhere a letter with a
    dot is an initial.
    """
    if token.initial and not (last and token.text in {"i", "v", "x"}):
        return None
    return numbers.roman_value(token.text)


class _Reader:
    """Reads tokens into units, left to right, holding back a run of number words."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.units: list[Unit] = []
        self.spoken: list[tuple[Token, WordInfo, numbers.Numeral]] = []  # «сорок», «два»

    def read(self) -> list[Unit]:
        for index, token in enumerate(self.tokens):
            self._token(index, token)
        self._flush()
        return self.units

    def _token(self, index: int, token: Token) -> None:
        previous = self.units[-1] if self.units else None
        after_number = previous is not None and previous.number is not None and not self.spoken
        if after_number and token.glued and token.text in ORDINAL_SUFFIXES:
            return  # «2-й», «1812-го», «XX-м»
        if (after_number or self.spoken) and token.text in YEAR_ABBREVIATIONS:
            self._flush()  # «1945 г.», «XIX в.»
            lemma = YEAR_ABBREVIATIONS[token.text]
            self.units.append(Unit(token.text, Role.YEAR, WordInfo(lemmas=frozenset({lemma}))))
            return
        digits = numbers.digits_value(token.text)
        if digits is not None:
            self._number(token, numbers.canonical(digits))
            return
        roman = _roman(token, last=index == len(self.tokens) - 1)
        if roman is not None:
            self._number(token, numbers.canonical(roman))
            return
        info = _NO_INFO if _needs_no_dictionary(token) else word_info(token.text)
        if info.numeral is not None:
            self.spoken.append((token, info, info.numeral))
            return
        self._flush()
        role = _role(token, info)
        self.units.append(
            Unit(
                token.text,
                role,
                info,
                initial=token.initial or (len(token.text) == 1 and role is Role.CORE),
                listed=token.listed,
                governed=index > 0 and self.tokens[index - 1].text in PREPOSITIONS,
            )
        )

    def _number(self, token: Token, value: str) -> None:
        """Digits or a Roman numeral: a number on its own."""
        self._flush()
        self.units.append(Unit(token.text, Role.CORE, _NO_INFO, number=value, listed=token.listed))

    def _flush(self) -> None:
        """The held-back number words become one number each («два три» is two numbers)."""
        if not self.spoken:
            return
        first = self.spoken[0][0]
        values = numbers.combine([numeral for _, _, numeral in self.spoken])
        if len(values) == 1 and self._scales(values[0]):
            return
        if len(values) == 1:
            text = " ".join(token.text for token, _, _ in self.spoken)
            info = self.spoken[0][1] if len(self.spoken) == 1 else _NO_INFO
            number = numbers.canonical(values[0])
            self.units.append(Unit(text, Role.CORE, info, number=number, listed=first.listed))
        else:
            for index, value in enumerate(values):
                text = numbers.canonical(value)
                listed = first.listed if index == 0 else True
                self.units.append(Unit(text, Role.CORE, _NO_INFO, number=text, listed=listed))
        self.spoken.clear()

    def _scales(self, value: int) -> bool:
        """«2 тысячи», «1,5 миллиона»: digits and then one multiplier word are one number."""
        previous = self.units[-1] if self.units else None
        if (
            len(self.spoken) != 1
            or value not in _MULTIPLIERS
            or previous is None
            or previous.number is None
            or not previous.text[:1].isdigit()
        ):
            return False
        digits = numbers.digits_value(previous.number)
        assert digits is not None
        word = self.spoken[0][0].text
        self.units[-1] = Unit(
            f"{previous.text} {word}",
            Role.CORE,
            _NO_INFO,
            number=numbers.canonical(digits * value),
            listed=previous.listed,
        )
        self.spoken.clear()
        return True


_MULTIPLIERS = frozenset({1000, 1_000_000, 1_000_000_000})


@lru_cache(maxsize=2048)  # ~0.7 KB an answer: at most ~1.5 MB
def analyse(text: str) -> Answer:
    """The units of ``text`` after the leading fillers are dropped (cached per text)."""
    tokens = drop_leading_fillers(tokenize(text))
    squashed = "".join(token.text for token in tokens)
    if len(tokens) > MAX_UNITS:
        # Too long to be an answer: keep only what the verdict needs to name the refusal.
        kept = [
            Unit(t.text, _role(t, _NO_INFO), _NO_INFO)
            for t in tokens
            if t.text in NEGATIONS or t.text in HEDGE_WORDS
        ]
        return Answer(units=tuple(kept), squashed=squashed, overlong=True)
    return Answer(units=tuple(_Reader(tokens).read()), squashed=squashed)


__all__ = ["MAX_UNITS", "Answer", "Role", "Unit", "analyse"]
