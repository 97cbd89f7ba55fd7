"""Surface normalisation: from what a player typed to a list of comparable tokens.

This level knows nothing about words' meaning; it only removes what never matters (case,
``ё``, stress marks, quotes, punctuation, look-alike letters) and keeps the few traces of
punctuation the judge needs later: a letter written with a dot is an initial («И. С.»), a
comma or a slash before a word starts another candidate of a list.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from app.game.judging.words import LEADING_FILLERS, LIST_MARKS

_STRESS_MARKS_RE = re.compile("[\u0300\u0301]")
_SPACE_CHARS = " \t\u00a0\u2009\u202f"
_DIGIT_GROUPS_RE = re.compile(rf"(?<!\d)(?<!\d[.,])\d{{1,3}}(?:[{_SPACE_CHARS}]\d{{3}})+(?!\d)")
_SPACES_RE = re.compile(f"[{_SPACE_CHARS}]")
_QUOTES_RE = re.compile("[\"'`´‘’‚‛“”„‟«»‹›ʼ＂＇]")
# A number (with an optional decimal part) or a run of letters/digits; everything else separates.
_TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)?|[^\W_]+")
_HYPHENS = frozenset("-‐‑‒–—")

_LATIN_LOOKALIKES = "abcehkmoptxy"
_CYRILLIC_LOOKALIKES = "авсенкмортху"
_TO_CYRILLIC = str.maketrans(_LATIN_LOOKALIKES, _CYRILLIC_LOOKALIKES)
_TO_LATIN = str.maketrans(_CYRILLIC_LOOKALIKES, _LATIN_LOOKALIKES)
_MAX_FILLER_WORDS = max(len(phrase) for phrase in LEADING_FILLERS)


@dataclass(frozen=True, slots=True)
class Token:
    """One normalised word or number of an answer.

    ``initial``: a single letter followed by a dot («И.»), so an initial, not the conjunction.
    ``listed``: a comma, semicolon, slash or question mark stands before it.
    ``glued``: nothing or only a hyphen stands before it («2-й», «2й»), for ordinal endings.
    """

    text: str
    initial: bool = False
    listed: bool = False
    glued: bool = False


def _join_digit_groups(match: re.Match[str]) -> str:
    return _SPACES_RE.sub("", match.group(0))


def _fix_lookalikes(word: str) -> str:
    latin = sum("a" <= ch <= "z" for ch in word)
    cyrillic = sum("а" <= ch <= "я" for ch in word)
    if not latin or not cyrillic:
        return word
    return word.translate(_TO_CYRILLIC if cyrillic >= latin else _TO_LATIN)


def _surface(text: str) -> str:
    text = unicodedata.normalize("NFC", text).casefold().replace("ё", "е")
    text = _STRESS_MARKS_RE.sub("", text)
    text = _DIGIT_GROUPS_RE.sub(_join_digit_groups, text)
    return _QUOTES_RE.sub("", text)


def tokenize(text: str) -> list[Token]:
    """All tokens of ``text`` (no filler is dropped here)."""
    text = _surface(text)
    tokens: list[Token] = []
    end = 0
    for match in _TOKEN_RE.finditer(text):
        gap = text[end : match.start()]
        word = _fix_lookalikes(match.group(0).replace(",", "."))
        after = text[match.end() : match.end() + 1]
        tokens.append(
            Token(
                text=word,
                initial=len(word) == 1 and word.isalpha() and after == ".",
                listed=bool(tokens) and any(ch in LIST_MARKS for ch in gap),
                glued=bool(tokens) and (not gap or gap in _HYPHENS),
            )
        )
        end = match.end()
    return tokens


def drop_leading_fillers(tokens: list[Token]) -> list[Token]:
    """Drop lead-ins («Ответ:», «Наверное, это», «в») while something remains after them.

    An initial is never a lead-in: «С. Есенин» keeps its «С».
    """
    start = 0
    while True:
        for size in range(_MAX_FILLER_WORDS, 0, -1):
            head = tokens[start : start + size]
            if len(head) < size or any(token.initial for token in head):
                continue
            if tuple(token.text for token in head) in LEADING_FILLERS:
                if start + size >= len(tokens):
                    return tokens[start:]  # nothing would remain: keep it
                start += size
                break
        else:
            return tokens[start:]


def normalize(text: str) -> str:
    """The answer as the judge reads it, as one string (see app/game/judge.py)."""
    return " ".join(token.text for token in drop_leading_fillers(tokenize(text)))


__all__ = ["Token", "drop_leading_fillers", "normalize", "tokenize"]
