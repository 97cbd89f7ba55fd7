"""Numbers however they are written: digits, words (any case form), ordinals, Roman numerals.

A number is compared by its value, so «девять» = «9», «тридцать три» = «33», «второй» =
«2-й» = «II», «тысяча девятьсот сорок пятый» = «1945».  Cardinal and ordinal are not told
apart («Три сестры» = «3 сестры» = «Третья сестра»): players write regnal and other ordinal
numbers every which way, and a different *value* is what makes an answer wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

_ROMAN_RE = re.compile(r"m{0,3}(cm|cd|d?c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})")
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
# Roman numerals typed with Cyrillic look-alikes: «ХХ век», «Людовик ХIV».
_ROMAN_FROM_CYRILLIC = str.maketrans({"х": "x", "і": "i"})
# A lone Latin letter is a numeral only where it is common and rarely anything else.
_ROMAN_SINGLE = frozenset({"i", "v", "x"})

# Lemmas of number words (after ``ё`` -> ``е``).  Collective numerals count as cardinals.
CARDINALS: dict[str, int] = {
    "ноль": 0,
    "нуль": 0,
    "один": 1,
    "два": 2,
    "три": 3,
    "четыре": 4,
    "пять": 5,
    "шесть": 6,
    "семь": 7,
    "восемь": 8,
    "девять": 9,
    "десять": 10,
    "одиннадцать": 11,
    "двенадцать": 12,
    "тринадцать": 13,
    "четырнадцать": 14,
    "пятнадцать": 15,
    "шестнадцать": 16,
    "семнадцать": 17,
    "восемнадцать": 18,
    "девятнадцать": 19,
    "двадцать": 20,
    "тридцать": 30,
    "сорок": 40,
    "пятьдесят": 50,
    "шестьдесят": 60,
    "семьдесят": 70,
    "восемьдесят": 80,
    "девяносто": 90,
    "сто": 100,
    "двести": 200,
    "триста": 300,
    "четыреста": 400,
    "пятьсот": 500,
    "шестьсот": 600,
    "семьсот": 700,
    "восемьсот": 800,
    "девятьсот": 900,
    "тысяча": 1000,
    "миллион": 1_000_000,
    "миллиард": 1_000_000_000,
    "двое": 2,
    "трое": 3,
    "четверо": 4,
    "пятеро": 5,
    "шестеро": 6,
    "семеро": 7,
    "восьмеро": 8,
    "девятеро": 9,
    "десятеро": 10,
}
# Nouns the dictionary does not tag as numerals.
NOUN_NUMBERS = frozenset({"ноль", "нуль", "тысяча", "миллион", "миллиард"})

ORDINALS: dict[str, int] = {
    "первый": 1,
    "второй": 2,
    "третий": 3,
    "четвертый": 4,
    "пятый": 5,
    "шестой": 6,
    "седьмой": 7,
    "восьмой": 8,
    "девятый": 9,
    "десятый": 10,
    "одиннадцатый": 11,
    "двенадцатый": 12,
    "тринадцатый": 13,
    "четырнадцатый": 14,
    "пятнадцатый": 15,
    "шестнадцатый": 16,
    "семнадцатый": 17,
    "восемнадцатый": 18,
    "девятнадцатый": 19,
    "двадцатый": 20,
    "тридцатый": 30,
    "сороковой": 40,
    "пятидесятый": 50,
    "шестидесятый": 60,
    "семидесятый": 70,
    "восьмидесятый": 80,
    "девяностый": 90,
    "сотый": 100,
    "двухсотый": 200,
    "трехсотый": 300,
    "четырехсотый": 400,
    "пятисотый": 500,
    "шестисотый": 600,
    "семисотый": 700,
    "восьмисотый": 800,
    "девятисотый": 900,
    "тысячный": 1000,
    "двухтысячный": 2000,
    "трехтысячный": 3000,
    "миллионный": 1_000_000,
}


@dataclass(frozen=True, slots=True)
class Numeral:
    """One number word: its value and whether it ends a number (an ordinal does)."""

    value: int
    ordinal: bool = False


def canonical(value: int | Decimal) -> str:
    """The one spelling of a value that numbers are compared by («3,10» -> «3.1»)."""
    if isinstance(value, int):
        return str(value)
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def digits_value(text: str) -> Decimal | None:
    """``text`` as a decimal number if it is written in digits («1812», «3.14»)."""
    if not text[:1].isdigit():
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def roman_value(text: str) -> int | None:
    """``text`` as a Roman numeral («viii», Cyrillic «хх»), or ``None``."""
    latin = text.translate(_ROMAN_FROM_CYRILLIC)
    if not latin or any(ch not in _ROMAN_VALUES for ch in latin):
        return None
    if len(latin) == 1 and latin not in _ROMAN_SINGLE:
        return None
    if not _ROMAN_RE.fullmatch(latin):
        return None
    total = 0
    for ch, nxt in zip(latin, latin[1:] + " ", strict=True):
        value = _ROMAN_VALUES[ch]
        total += -value if nxt != " " and _ROMAN_VALUES[nxt] > value else value
    return total


def _rank(value: int) -> int:
    """The slot a component fills in a spelled-out group below a thousand."""
    if value >= 100:
        return 3
    if value >= 20:
        return 2
    if value >= 10:
        return 1  # a teen fills the tens and the units
    return 0


def combine(numerals: list[Numeral]) -> list[int]:
    """Spelled-out components into numbers: «сорок два» -> [42], «два три» -> [2, 3].

    Components must come from the larger to the smaller («тысяча девятьсот сорок пятый»); a
    component that cannot continue the current number starts a new one, and an ordinal ends it.
    """
    numbers: list[int] = []
    total = group = 0
    last_rank: int | None = None  # of the last component in ``group``
    last_scale: int | None = None  # of the last multiplier (тысяча, миллион) used
    started = False

    def flush() -> None:
        nonlocal total, group, last_rank, last_scale, started
        if started:
            numbers.append(total + group)
        total = group = 0
        last_rank = last_scale = None
        started = False

    for numeral in numerals:
        value = numeral.value
        if value >= 1000:
            if last_scale is not None and value >= last_scale:
                flush()
            total += (group or 1) * value
            group, last_rank, last_scale = 0, None, value
        else:
            rank = _rank(value)
            fits = last_rank is None or (rank < last_rank and not (last_rank == 1 and rank == 0))
            if value == 0 or not fits:
                flush()
            group += value
            last_rank = rank if value else None
        started = True
        if numeral.ordinal or value == 0:
            flush()
    flush()
    return numbers


__all__ = [
    "CARDINALS",
    "NOUN_NUMBERS",
    "ORDINALS",
    "Numeral",
    "canonical",
    "combine",
    "digits_value",
    "roman_value",
]
