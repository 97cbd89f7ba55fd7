"""What the dictionary knows about one word: its lemmas, whether it is a known word, a name.

The only IO of the judge lives here: pymorphy3's OpenCorpora dictionaries (the
``pymorphy3-dicts-ru`` wheel) are loaded on first use, once per process, and every word's
analysis is cached, so a verdict costs microseconds once the words of a question were seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from app.game.judging.numbers import CARDINALS, NOUN_NUMBERS, ORDINALS, Numeral
from app.game.judging.words import EXTRA_KNOWN_WORDS

# No Russian word is longer; a longer "word" is garbage and not worth the dictionary's time.
MAX_WORD_LENGTH = 40
_PROPER_TAGS = frozenset({"Name", "Surn", "Patr", "Geox", "Orgn", "Trad"})

# A reading the dictionary gives less weight than this is too rare to trust: «Красная» is an
# adjective (0.93), not the village (0.07); «Волга» is the river (0.3) as well as the car.
_LIKELY = 0.1

# Short adjectives and participles are no answer anyone types: a dictionary word only in these
# forms does not count as "another word" («Репен», a short form of «репный», is «Репин» misspelt).
_OBSCURE_FORMS = frozenset({"ADJS", "PRTS"})

_analyzer: Any = None


def analyzer() -> Any:
    """The process-wide ``pymorphy3.MorphAnalyzer`` (loaded on the first call, ~0.15 s).

    Leaner than pymorphy3's default: answers are single words without hyphens or digits (the
    tokenizer split them), so only the dictionary, Latin words and the suffix-based guess for
    unknown words are consulted.  The prefix guessers and the initials' readings cost up to a
    millisecond a word and add nothing here (initials are recognised before the dictionary).
    """
    global _analyzer
    if _analyzer is None:
        import pymorphy3  # imported here: importing the judge must not cost the dictionaries
        from pymorphy3 import units

        _analyzer = pymorphy3.MorphAnalyzer(
            lang="ru",
            units=[
                units.DictionaryAnalyzer(),
                units.LatinAnalyzer(),
                units.KnownSuffixAnalyzer(),
                units.UnknAnalyzer(),
            ],
        )
    return _analyzer


@dataclass(frozen=True, slots=True)
class WordInfo:
    """The dictionary's view of one normalised word.

    ``known``: the dictionary (or ``EXTRA_KNOWN_WORDS``) has this very form, other than as a
    short adjective or participle; a known word is never taken for a typo of another.
    ``first_name``/``patronymic``/``surname``/``proper``: the readings that say so weigh at
    least ``_LIKELY``; an unknown word counts as proper (foreign names are mostly unknown to the
    dictionary).  ``numeral``: the word is a number word.
    """

    lemmas: frozenset[str]
    known: bool = False
    first_name: bool = False
    patronymic: bool = False
    surname: bool = False
    proper: bool = False
    numeral: Numeral | None = None


def _numeral(lemma: str, tag: Any) -> Numeral | None:
    if lemma in CARDINALS and (
        "NUMR" in tag or lemma in NOUN_NUMBERS or (lemma == "один" and "Anum" in tag)
    ):
        return Numeral(CARDINALS[lemma])
    if lemma in ORDINALS and "Anum" in tag:
        return Numeral(ORDINALS[lemma], ordinal=True)
    return None


@lru_cache(maxsize=16_384)  # ~0.5 KB a word: at most ~8 MB
def word_info(word: str) -> WordInfo:
    """Analyse one normalised word (lower case, ``ё`` as ``е``)."""
    if len(word) > MAX_WORD_LENGTH or not word.isalpha():
        return WordInfo(lemmas=frozenset({word}), proper=True)
    morph = analyzer()
    lemmas: set[str] = set()
    weights: dict[str, float] = {}  # grammeme -> the summed score of the parses that have it
    numeral: Numeral | None = None
    known = word in EXTRA_KNOWN_WORDS
    for parse in morph.parse(word):
        lemma = str(parse.normal_form).replace("ё", "е")
        lemmas.add(lemma)
        known = known or (bool(parse.is_known) and parse.tag.POS not in _OBSCURE_FORMS)
        for grammeme in str(parse.tag).replace(" ", ",").split(","):
            weights[grammeme] = weights.get(grammeme, 0.0) + float(parse.score)
        if numeral is None:
            numeral = _numeral(lemma, parse.tag)

    def said(*grammemes: str) -> bool:
        return sum(weights.get(grammeme, 0.0) for grammeme in grammemes) >= _LIKELY

    return WordInfo(
        lemmas=frozenset(lemmas or {word}),
        known=known,
        first_name=said("Name"),
        patronymic=said("Patr"),
        surname=said("Surn"),
        proper=not known or said(*_PROPER_TAGS),
        numeral=numeral,
    )


__all__ = ["MAX_WORD_LENGTH", "WordInfo", "analyzer", "word_info"]
