"""The 4s format (chgksuite's): a marker, a space, the content.

Rules:
- A line that starts with a marker followed by whitespace (or ending there) starts a field;
  the lines that follow without a marker continue it. ``- item`` lines are list items of the
  current field (kept with their bullet, so sources split on them).
- ``###`` title, ``###LJ`` (ignored), ``#DATE``, ``#EDITOR``, ``#`` info (the pack's, wherever
  it stands), ``##`` a tour, ``№`` the next question's number, ``№№`` resets the counter,
  ``?`` a question, ``!`` its answer, ``=`` зачёт, ``!=`` незачёт, ``/`` comment, ``^``
  sources, ``@`` authors, ``>`` a handout (of the question it follows, or of the next one
  when it comes before the ``?``). Repeated ``=``, ``!=``, ``^``, ``@``, ``>`` add up.
- Numbering: ``№ N`` numbers that question only; the others take a counter that starts at 1
  and counts only them (``№ 0`` for a warm-up does not shift it); ``№№ N`` sets the counter so
  the next unnumbered question is N. A ``№`` that is not a number is ignored.
- Inline: ``(img [w=.. h=..] FILE)`` pictures and ``[Раздаточный материал: …]``; markup is
  stripped (see :func:`app.packs.common.strip_markup`).
"""

from __future__ import annotations

import re

from app.packs.common import (
    RawPack,
    RawQuestion,
    RawTour,
    build_pack,
    decode,
    join_lines,
    strip_markup,
)
from app.packs.model import Pack, PackError

_MARKER = re.compile(r"^(###LJ|###|##|#EDITOR|#DATE|#|№№|№|!=|!|=|\?|/|\^|@|>)(?:[ \t]+|$)(.*)$")
_ITEM = re.compile(r"^-(?:[ \t]+|$)")

__all__ = ["parse_4s", "strip_markup"]


# The markers of the pack's own fields, and the field each fills (RawPack.add).
_PACK_FIELDS = {"##": "tour", "###": "title", "#DATE": "date", "#EDITOR": "editors", "#": "info"}

# The markers of a question's own fields, and the field each fills (RawQuestion.add).
_FIELDS = {
    "!": "answer",
    "=": "accepted",
    "!=": "rejected",
    "/": "comment",
    "^": "sources",
    "@": "authors",
}


def parse_4s(data: bytes | str, file: str) -> Pack:
    text = decode(data) if isinstance(data, bytes) else data
    fields: list[tuple[str, int, list[str]]] = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        m = _MARKER.match(line)
        if m:
            fields.append((m.group(1), lineno, [m.group(2)]))
        elif not line.strip():
            if fields:
                fields[-1][2].append("")
        elif not fields:
            raise PackError(file, "text before the first marker", lineno)
        elif _ITEM.match(line):
            fields[-1][2].append("- " + _ITEM.sub("", line).strip())
        else:
            fields[-1][2].append(line)

    pack = RawPack()
    tours = pack.tours
    question: RawQuestion | None = None
    pending: int | None = None
    counter = 0
    handouts: list[str] = []  # ">" before its question's "?"
    for marker, lineno, lines in fields:
        value = join_lines(lines)
        if marker == "?":
            if pending is None:
                counter += 1
            if not tours:
                tours.append(RawTour(None))
            question = RawQuestion(
                line=lineno, number=counter if pending is None else pending, text=value, strip=True
            )
            question.handout.extend(handouts)
            tours[-1].questions.append(question)
            pending, handouts = None, []
        elif marker in {"№", "№№"}:
            digits = value.strip()
            if digits.isdigit():
                if marker == "№":
                    pending = int(digits)
                else:
                    counter = int(digits) - 1
            question = None
        elif marker in _PACK_FIELDS:
            pack.add(_PACK_FIELDS[marker], value)
            if marker == "##":
                question = None
        elif marker == "###LJ":
            continue
        elif marker == ">" and question is None:
            handouts.append(value)
        elif question is None:
            raise PackError(file, f"'{marker}' outside a question", lineno)
        elif marker in _FIELDS:
            label = "'!' (answer)" if marker == "!" else f"'{marker}'"
            question.add(_FIELDS[marker], value, label=label, file=file, line=lineno)
        else:  # ">"
            question.handout.append(value)
    if handouts:
        raise PackError(file, "a '>' handout with no question after it")
    return build_pack(
        file,
        title=pack.title,
        editors=pack.editors,
        date=pack.date,
        info=pack.info,
        tours=tours,
        strip=True,
    )
