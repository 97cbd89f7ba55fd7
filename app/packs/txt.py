"""The question database's text export (db.chgk.info): ``Label:`` lines and their values.

Rules:
- A known label starts a line (no indentation) and ends with a colon; its value is the rest of
  that line, if any, and the following lines up to the next label. Blank lines inside a value
  separate paragraphs (the export ends a field with one; a text after it that is no label
  belongs to the field before).
- Known labels (any case of ё/е): Чемпионат (also Турнир), URL, Дата, Тур, Редактор(ы), Инфо,
  Вопрос [N], Ответ, Зачет, Незачет, Комментарий, Источник(и), Автор(ы), and the bookkeeping
  Вид, Копирайт, Рейтинг, Обработан, Сложность, Тема (ignored). Any other ``Word:`` alone on
  a line after a blank line is an unknown label: its field is ignored.
- Questions before the first ``Тур:`` form an untitled first tour. Редактор/Инфо anywhere
  belong to the pack.
"""

from __future__ import annotations

import re

from app.packs.common import RawPack, RawQuestion, RawTour, build_pack, decode, join_lines
from app.packs.model import Pack, PackError

_LABEL = re.compile(
    r"^(?P<label>Чемпионат|Турнир|URL|Дата|Тур|Редакторы?|Инфо|Вопрос(?:[ \t]+(?P<num>[^:\n]*?))?"
    r"|Ответ|Зач[её]т|Незач[её]т|Комментарий|Источники?|Авторы?"
    r"|Вид|Копирайт|Рейтинг|Обработан|Сложность|Тема)[ \t]*:(?P<rest>.*)$",
    re.IGNORECASE,
)
_UNKNOWN = re.compile(r"^[^\W\d_][\w .\-]{0,40}:\s*$")


# The labels of the pack's own fields, and the field each fills (RawPack.add).
_PACK_FIELDS = {
    "тур": "tour",
    "чемпионат": "title",
    "дата": "date",
    "редактор": "editors",
    "инфо": "info",
}

# The labels of a question's own fields, and the field each fills (RawQuestion.add).
_FIELDS = {
    "ответ": "answer",
    "зачет": "accepted",
    "незачет": "rejected",
    "комментарий": "comment",
    "источник": "sources",
    "автор": "authors",
}


def _kind(label: str) -> str:
    label = label.lower().replace("ё", "е")
    for prefix in ("вопрос", "редактор", "источник", "автор", "турнир"):
        if label.startswith(prefix):
            return "чемпионат" if prefix == "турнир" else prefix
    return label


def parse_txt(data: bytes | str, file: str) -> Pack:
    text = decode(data) if isinstance(data, bytes) else data
    pack = RawPack()
    tours = pack.tours
    question: RawQuestion | None = None

    fields: list[tuple[str, str | None, int, list[str]]] = []  # kind, number, line, lines
    after_blank = True
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            after_blank = True
            if fields:
                fields[-1][3].append("")
            continue
        m = _LABEL.match(line)
        if m:
            rest = m.group("rest")
            fields.append((_kind(m.group("label")), m.group("num"), lineno, [rest] if rest else []))
        elif after_blank and _UNKNOWN.match(line):
            fields.append(("?", None, lineno, []))
        elif not fields:
            raise PackError(file, "text outside any field (a 'Label:' line was expected)", lineno)
        else:
            fields[-1][3].append(line)
        after_blank = False

    for kind, num, lineno, lines in fields:
        value = join_lines(lines)
        if kind == "вопрос":
            number = None
            if num is not None and num.strip():
                if not num.strip().isdigit():
                    raise PackError(
                        file, f"question number {num.strip()!r} is not a number", lineno
                    )
                number = int(num)
            if not tours:
                tours.append(RawTour(None))
            question = RawQuestion(line=lineno, number=number, text=value)
            tours[-1].questions.append(question)
        elif kind in _PACK_FIELDS:
            pack.add(_PACK_FIELDS[kind], value)
            if kind == "тур":
                question = None
        elif kind in {"ответ", "зачет", "незачет", "комментарий", "источник", "автор"}:
            if question is None:
                if kind in {"источник", "автор", "комментарий"}:
                    continue  # a tour's or the pack's own: not a question's
                raise PackError(file, f"'{kind.capitalize()}:' before any question", lineno)
            label = f"'{kind.capitalize()}:'"
            question.add(_FIELDS[kind], value, label=label, file=file, line=lineno)
    return build_pack(
        file, title=pack.title, editors=pack.editors, date=pack.date, info=pack.info, tours=tours
    )
