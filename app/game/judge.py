"""How a player's free-text answer is judged against a question's accepted answers.

These rules are the documentation of answer judging; the tests in
``tests/unit/test_judge.py`` pin every one of them.

Normalisation (applied identically to the player's answer and to every accepted answer):

1. Unicode NFC, case-folding, ``ё`` -> ``е``; stress marks (combining acute/grave) are removed.
2. Digit groups separated by spaces are joined (``1 000 000`` -> ``1000000``) and a comma or a
   dot between digits is a decimal point (``3,14`` == ``3.14``).
3. Quotes and apostrophes of every kind (``« » „ “ ” " ' ‘ ’ ` ʼ``) are deleted; hyphens,
   dashes and all other punctuation or symbols separate words; whitespace is collapsed.
4. Latin/Cyrillic look-alikes: inside a word that mixes both alphabets, the look-alike letters
   (a c e o p x y k m t h b) are converted to the alphabet the word mostly uses (ties go to
   Cyrillic), so ``Мoсква`` typed with a Latin ``o`` is ``москва``.  Words written wholly in
   one alphabet are left alone.
5. Leading filler words that do not change the meaning are dropped, repeatedly, but only while
   something remains after dropping them: «ответ», «наш ответ», «это», «наверное»/«наверно»,
   «может», «может быть», «думаю», «я думаю», «мы думаем» (optionally followed by «что»),
   «по-моему», «по-нашему», «мне/нам кажется», «кажется»; the leading prepositions «в во на о об
   обо с со к ко у из от до по за»; the English articles «the a an».  So «Ответ: в Париже» is
   ``париже`` on both sides, and an accepted answer «На дне» is ``дне``.  Negations («не») are
   never dropped.

Judging (the player's answer is correct if it matches ANY accepted variant):

* An empty (or whitespace/punctuation-only) answer is never correct.
* Exact match of the normalised strings is always correct (distance 0).  This is the only way
  a one-character answer can be correct, i.e. only when the accepted answer is itself that one
  character (e.g. «7»); a one-letter guess never matches a longer answer.
* Numbers must match exactly: the multiset of numbers in the answer must equal that of the
  accepted answer («1812» vs «1813» is wrong although it is one edit; «1812» vs «1812 год» also
  differs in words, see below).  Numbers written in words or Roman numerals are not converted —
  list such variants explicitly.
* Extra words are never accepted: the answer may not have more words than the accepted
  variant (so «не Пушкин», «Пушкин и Лермонтов» are wrong for «Пушкин»).  A negation word
  («не», «ни», «нет», «not», «no») that the accepted variant lacks also rejects the answer.
* Truncations are never accepted: if the answer (in any word order) is a part (substring,
  prefix, suffix) of the accepted variant and 2 or more characters are missing, it is wrong
  («Пуш» for «Пушкин», «Менделе» for «Менделеев», «Толстой» for «Лев Толстой» — if the surname
  alone is enough, list «Толстой» as a variant).  A single missing letter is just a typo.
  Shortening a word *inside* the answer is an ordinary edit, so «Л. Толстой» (two edits) fits
  the budget of «Лев Толстой».
* Typos: the answer may differ from the accepted variant by at most ``typo_budget(n)`` edits,
  where ``n`` is the accepted variant's normalised length without spaces:
  0 edits for n <= 4, 1 for 5..8, 2 for 9..14, and floor(15 % of n) for n >= 15.
  Edits are counted with the optimal-string-alignment distance (rapidfuzz ``OSA``): an
  insertion, deletion, substitution or a swap of two adjacent letters is one edit.
* Russian case endings get no special treatment: they are accepted only when they fit the typo
  budget («в Париже» ≈ «Париж», «Пушкина» ≈ «Пушкин», but «кота» ≠ «кот» and
  «Толстого» ≠ «Толстой», which is two edits on a 7-letter word).
* Word order does not matter for multi-word answers with the same number of words
  («Толстой Лев» == «Лев Толстой»); with more than 6 words both sides are compared with their
  words sorted instead of trying every order.
* When several variants match, the one with the smallest distance (then the first listed)
  is reported in the ``Verdict``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import permutations

from rapidfuzz.distance import OSA

__all__ = ["Verdict", "is_correct", "judge", "normalize", "typo_budget"]

_STRESS_MARKS_RE = re.compile("[\u0300\u0301]")
_SPACE_CHARS = " \t\u00a0\u2009\u202f"
_DIGIT_GROUPS_RE = re.compile(rf"(?<!\d)(?<!\d[.,])\d{{1,3}}(?:[{_SPACE_CHARS}]\d{{3}})+(?!\d)")
_SPACES_RE = re.compile(f"[{_SPACE_CHARS}]")
_QUOTES_RE = re.compile("[\"'`´‘’‚‛“”„‟«»‹›ʼ＂＇]")
# A number (with an optional decimal part) or a run of letters/digits; everything else separates.
_TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)?|[^\W_]+")
_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")

_LATIN_LOOKALIKES = "abcehkmoptxy"
_CYRILLIC_LOOKALIKES = "авсенкмортху"
_TO_CYRILLIC = str.maketrans(_LATIN_LOOKALIKES, _CYRILLIC_LOOKALIKES)
_TO_LATIN = str.maketrans(_CYRILLIC_LOOKALIKES, _LATIN_LOOKALIKES)

_FILLERS: frozenset[tuple[str, ...]] = frozenset(
    tuple(phrase.split())
    for phrase in (
        # Russian lead-ins
        "ответ",
        "наш ответ",
        "это",
        "наверное",
        "наверно",
        "может",
        "может быть",
        "думаю",
        "думаю что",
        "я думаю",
        "я думаю что",
        "мы думаем",
        "мы думаем что",
        "по моему",
        "по нашему",
        "мне кажется",
        "нам кажется",
        "кажется",
        # leading prepositions
        "в",
        "во",
        "на",
        "о",
        "об",
        "обо",
        "с",
        "со",
        "к",
        "ко",
        "у",
        "из",
        "от",
        "до",
        "по",
        "за",
        # English articles
        "the",
        "a",
        "an",
    )
)
_MAX_FILLER_WORDS = max(len(phrase) for phrase in _FILLERS)
_NEGATIONS = frozenset({"не", "ни", "нет", "not", "no"})
_MAX_PERMUTED_WORDS = 6


@dataclass(frozen=True, slots=True)
class Verdict:
    """Outcome of judging one answer.

    ``matched`` is the accepted variant (as given, not normalised) that matched and
    ``distance`` the number of edits between the normalised strings; both are ``None``
    when the answer is wrong.
    """

    correct: bool
    matched: str | None = None
    distance: int | None = None


_WRONG = Verdict(correct=False)


def typo_budget(length: int) -> int:
    """Edits tolerated for an accepted answer of ``length`` normalised characters (no spaces)."""
    if length <= 4:
        return 0
    if length <= 8:
        return 1
    if length <= 14:
        return 2
    return length * 15 // 100


def _join_digit_groups(match: re.Match[str]) -> str:
    return _SPACES_RE.sub("", match.group(0))


def _fix_lookalikes(word: str) -> str:
    latin = sum("a" <= ch <= "z" for ch in word)
    cyrillic = sum("а" <= ch <= "я" for ch in word)
    if not latin or not cyrillic:
        return word
    return word.translate(_TO_CYRILLIC if cyrillic >= latin else _TO_LATIN)


def _drop_fillers(words: list[str]) -> list[str]:
    start = 0
    while True:
        for size in range(_MAX_FILLER_WORDS, 0, -1):
            if tuple(words[start : start + size]) in _FILLERS:
                if start + size >= len(words):
                    return words[start:]  # nothing would remain: keep it
                start += size
                break
        else:
            return words[start:]


def normalize(text: str) -> str:
    """Normalise an answer for comparison (see the module docstring for the exact rules)."""
    text = unicodedata.normalize("NFC", text).casefold().replace("ё", "е")
    text = _STRESS_MARKS_RE.sub("", text)
    text = _DIGIT_GROUPS_RE.sub(_join_digit_groups, text)
    text = _QUOTES_RE.sub("", text)
    words = [_fix_lookalikes(token.replace(",", ".")) for token in _TOKEN_RE.findall(text)]
    return " ".join(_drop_fillers(words))


def _numbers(text: str) -> Counter[str]:
    return Counter(_NUMBER_RE.findall(text))


def _negations(words: Sequence[str]) -> int:
    return sum(word in _NEGATIONS for word in words)


def _candidates(given_words: list[str], accepted_words: list[str]) -> list[tuple[str, str]]:
    """Pairs (answer, accepted) to compare: the answer as typed, then its word reorderings."""
    accepted = " ".join(accepted_words)
    if len(given_words) != len(accepted_words) or len(given_words) < 2:
        return [(" ".join(given_words), accepted)]
    if len(given_words) <= _MAX_PERMUTED_WORDS:
        # the first permutation is the order as typed
        return [(" ".join(order), accepted) for order in permutations(given_words)]
    return [
        (" ".join(given_words), accepted),
        (" ".join(sorted(given_words)), " ".join(sorted(accepted_words))),
    ]


def _distance(given: str, accepted: str) -> int | None:
    """Edits between two normalised answers, or ``None`` if they must not match."""
    if not given or not accepted:
        return None
    if given == accepted:
        return 0
    if len(given.replace(" ", "")) < 2:
        return None  # a one-character guess only counts on an exact match
    given_words, accepted_words = given.split(), accepted.split()
    if len(given_words) > len(accepted_words):
        return None  # extra words change the meaning
    if _negations(given_words) > _negations(accepted_words):
        return None
    if _numbers(given) != _numbers(accepted):
        return None
    budget = typo_budget(len(accepted) - accepted.count(" "))
    if abs(len(given) - len(accepted)) > budget:
        return None  # cheap exit (long garbage); reordering words keeps the length
    best: int | None = None
    for answer, target in _candidates(given_words, accepted_words):
        if answer in target and len(target) - len(answer) >= 2:
            return None  # a truncation (in some word order), not a typo
        edits = OSA.distance(answer, target, score_cutoff=budget)
        if edits <= budget and (best is None or edits < best):
            best = edits
            if best == 0:
                break
    return best


def judge(given: str, accepted: Sequence[str]) -> Verdict:
    """Judge ``given`` against the accepted variants and report which one matched."""
    if isinstance(accepted, str):  # a bare string is one variant, not a list of letters
        accepted = (accepted,)
    answer = normalize(given)
    if not answer:
        return _WRONG
    best = _WRONG
    for variant in accepted:
        edits = _distance(answer, normalize(variant))
        if edits is not None and (best.distance is None or edits < best.distance):
            best = Verdict(correct=True, matched=variant, distance=edits)
            if edits == 0:
                break
    return best


def is_correct(given: str, accepted: Sequence[str]) -> bool:
    """True when ``given`` matches any of the ``accepted`` variants (see :func:`judge`)."""
    return judge(given, accepted).correct
