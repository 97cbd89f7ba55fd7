"""How a player's free-text answer is judged: the way a «Что? Где? Когда?» jury would.

The tests in ``tests/unit/judge_cases.txt`` (one case a line) and ``tests/unit/test_judge.py``
pin every rule below.  The code is in :mod:`app.game.judging`.

Normalisation (the player's answer and every variant alike): Unicode NFC, case, ``ё`` = ``е``,
stress marks, quotes and punctuation go; digit groups are joined (``1 000 000``) and a decimal
comma is a point; Latin/Cyrillic look-alikes inside a mixed word are fixed (``Мoсква``); lead-ins
at the start are dropped while something remains («Ответ:», «Наверное, это», «в», «the»).

1. **Meaning, not form.** Words are compared by their lemmas (pymorphy3 with the OpenCorpora
   dictionaries): «с мечом» = «меч», «книгами» = «книга», «в Париже» = «Париж».  Word order is
   free; prepositions and lead-ins anywhere are ignored.
2. **A fuller answer counts when its extra words are true detail**: a first name, patronymic or
   initials beside the accepted surname («Иван Сергеевич Тургенев», «И. С. Тургенев» for
   «Тургенев»; an initial may also stand for the accepted first name: «Л. Толстой»), a kind word
   naming what the answer is («гора Эверест», «река Волга», «роман „Война и мир“», «король
   Лир»), «год»/«век» beside a number («в 1945 году» for «1945»).  The accepted variant's own
   kind word may be left out beside a proper name («Эверест» for «гора Эверест», not «Красная»
   for «Красная площадь»).  Extra words that **conflict** refuse: another first name than the
   accepted one («Алексей Толстой» for «Лев Толстой»), another surname («Пушкин Лермонтов»),
   another number, another qualifier («Западная Двина» for «Восточная Двина»), another kind
   («море Байкал» for «озеро Байкал»).  Any other extra word is refused too, since the judge
   cannot know it is true («Кот Бегемот» for «Бегемот»), and so is a missing word («Толстой» for
   «Лев Толстой»: list «Толстой» in the зачёт if the surname suffices).
3. **Typos are forgiven only when the word is not another word**: a word may be off by
   0 edits up to 4 letters, 1 up to 8, 2 up to 14, then 15 % (insert, delete, replace, swap),
   unless the dictionary knows the typed word (other than as a short adjective or participle):
   «Ирландия» is not «Исландия», «Нигер» not «Нигерия».  A few proper names the dictionary lacks
   count as known (``judging.words.EXTRA_KNOWN_WORDS``: «Бразилиа» is a capital, not a misspelt
   «Бразилия»).  A word cut short by two letters or more is unfinished, not misspelt
   («Менделе»).  Answers that differ only in spacing match («Лосанджелес»).
4. **Numbers**: digits, words in any case form, ordinals and Roman numerals are the same number
   («девять» = «9», «сорок два» = «42», «второй» = «2-й» = «II», «тысяча девятьсот сорок
   пятом» = «1945»); a different number is always wrong («Генрих VII» for «Генрих VIII»).
5. **Hedges and denials never count**: «X или Y», «то ли X, то ли Y», «X, Y», «X и Y», «X/Y»
   where another candidate is not true detail; «не X», «не знаю».
6. **Зачёт / незачёт**: every accepted variant is judged by the same rules (the author's answer
   first, then the зачёт list); a незачёт variant that the answer matches at least as fully as
   its best accepted variant refuses it (so «Лев Николаевич Толстой» is refused by the незачёт
   «Лев Толстой» even when «Толстой» is accepted, while «Алексей Толстой» passes a незачёт
   «Толстой» when «Алексей Толстой» is accepted).
7. **Every verdict has a reason** (:class:`Reason`): accepted as ``exact``, ``zachet`` (equal to
   a зачёт variant), ``number``, ``word_form``, ``fuller`` or ``typo``; refused as ``empty``,
   ``nezachet``, ``negation``, ``hedge``, ``conflict``, ``other_word``, ``extra``,
   ``incomplete`` or ``wrong``.  Several accepting variants: the strictest reason wins (then the
   first listed); several refusing: the most specific reason is reported.

Known limits, on purpose (the known misses of ``judge_cases.txt``): the judge knows words, not
the world, so an extra first name beside a bare surname is trusted («Василий Пушкин» for
«Пушкин»), an extra refinement or synonym is refused («Наполеон Бонапарт» for «Наполеон»,
«Иван IV» for «Иван Грозный», «Париж, Франция»), a regnal «I» is another number («Наполеон I»),
«1001 ночь» is not «Тысяча и одна ночь», a typo that makes another word is refused («Шерлок
Холм»), a missing first name refuses («Гагарин» for «Юрий Гагарин»), any denial refuses («Не
Пушкин, а Лермонтов»), and lemmas merge what a reader tells apart («Толстая» for «Толстой»,
«День» for «На дне»).  List such variants in the зачёт or незачёт.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.game.judging.align import Outcome, compare
from app.game.judging.morph import analyzer
from app.game.judging.pairing import typo_budget
from app.game.judging.reasons import LENIENCY, SPECIFICITY, Reason
from app.game.judging.text import normalize
from app.game.judging.units import analyse

__all__ = [
    "Reason",
    "Verdict",
    "is_correct",
    "judge",
    "load_dictionaries",
    "normalize",
    "typo_budget",
]


@dataclass(frozen=True, slots=True)
class Verdict:
    """Outcome of judging one answer.

    ``matched`` is the variant (as listed, not normalised) that decided: the accepted variant
    of a correct verdict, the незачёт variant of a ``nezachet`` refusal, otherwise ``None``.
    """

    correct: bool
    reason: Reason
    matched: str | None = None


def _variants(variants: Sequence[str]) -> Sequence[str]:
    return (variants,) if isinstance(variants, str) else variants  # a bare string is one variant


def judge(given: str, accepted: Sequence[str], rejected: Sequence[str] = ()) -> Verdict:
    """Judge ``given`` against the accepted variants (the author's answer first, then the
    зачёт list) and the незачёт variants ``rejected``."""
    answer = analyse(given)
    if not answer.units and not answer.overlong:
        return Verdict(correct=False, reason=Reason.EMPTY)

    best: tuple[Reason, Outcome, str] | None = None
    refusal = Reason.WRONG
    for index, variant in enumerate(_variants(accepted)):
        outcome = compare(answer, analyse(variant))
        if outcome is None:
            continue
        reason = outcome.reason
        if reason is Reason.EXACT and index > 0:
            reason = Reason.ZACHET
        if reason.accepted:
            if best is None or LENIENCY[reason] < LENIENCY[best[0]]:
                best = (reason, outcome, variant)
        elif SPECIFICITY[reason] < SPECIFICITY[refusal]:
            refusal = reason

    for variant in _variants(rejected):
        outcome = compare(answer, analyse(variant))
        if outcome is None or not outcome.reason.accepted:
            continue
        if best is None or outcome.paired >= best[1].paired:
            return Verdict(correct=False, reason=Reason.NEZACHET, matched=variant)

    if best is None:
        return Verdict(correct=False, reason=refusal)
    return Verdict(correct=True, reason=best[0], matched=best[2])


def is_correct(given: str, accepted: Sequence[str], rejected: Sequence[str] = ()) -> bool:
    """True when :func:`judge` accepts ``given``."""
    return judge(given, accepted, rejected).correct


def load_dictionaries() -> None:
    """Load the morphology dictionaries now (~0.15 s) rather than on the first verdict, which
    would otherwise pay for it inside a game's transaction."""
    analyzer()
