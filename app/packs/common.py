"""What the three formats share: decoding, inline markers, list splitting, the question builder.

Each format's parser fills :class:`RawQuestion` builders with raw field values (lines as the
pack has them) and hands them to :func:`build_pack`, which applies the same rules to all three:
handouts and pictures are lifted out of the question text, зачёт/незачёт are split into
variants, the limits are checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.packs.limits import MAX_MESSAGE_CHARS, MAX_PICTURE_NAME_CHARS
from app.packs.model import Handout, Pack, PackError, PackQuestion, Tour

# --- decoding ---------------------------------------------------------------------------------

_CP1251_LOWER = range(0xE0, 0x100)  # а..я in cp1251
_KOI8_LOWER = range(0xC0, 0xE0)  # ю..ъ in KOI8-R


def decode(data: bytes) -> str:
    """The text of a pack file: UTF-8 (BOM or not), UTF-16 with a BOM, else cp1251 or KOI8-R.

    The two 8-bit encodings are told apart by where the letters fall: Russian prose is mostly
    lowercase, and lowercase Cyrillic is 0xE0-0xFF in cp1251 but 0xC0-0xDF in KOI8-R.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    cp1251 = sum(1 for b in data if b in _CP1251_LOWER)
    koi8 = sum(1 for b in data if b in _KOI8_LOWER)
    encoding = "koi8-r" if koi8 > cp1251 else "cp1251"
    return data.decode(encoding, errors="replace")


# --- text -------------------------------------------------------------------------------------


def join_lines(lines: list[str]) -> str:
    """A field's lines as one text, line breaks kept, each line stripped, blank lines dropped.

    The old exports wrap paragraphs: a paragraph's first line is indented, the lines that
    continue it are not. When a field's first line is indented and some other line is not,
    an unindented line continues the line before it (joined with a space) unless a blank line
    separates them; otherwise every line stays a line.
    """
    rows = [line.rstrip() for line in lines]
    nonblank = [line for line in rows if line]
    if not nonblank:
        return ""
    indented = [line[:1].isspace() for line in nonblank]
    wrapped = indented[0] and not all(indented)
    out: list[str] = []
    brk = True
    for line in rows:
        if not line:
            brk = True
            continue
        if wrapped and not brk and not line[:1].isspace():
            out[-1] = f"{out[-1]} {line.strip()}"
        else:
            out.append(line.strip())
        brk = False
    return "\n".join(out)


def tidy(text: str) -> str:
    """Runs of spaces collapsed, each line stripped, blank lines dropped."""
    lines = (re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


_PICTURE = re.compile(r"[ \t]*\((?:pic:|img(?=\s))\s*([^()]*?)\s*\)", re.IGNORECASE)
_SAFE_NAME = re.compile(r"[\w.\- ]+(?:/[\w.\- ]+)*")


def take_pictures(text: str) -> tuple[str, list[str]]:
    """The text without its ``(pic: FILE)`` / ``(img [w=.. h=..] FILE)`` markers, and the names."""
    names = [m.group(1).split()[-1] if m.group(1).split() else "" for m in _PICTURE.finditer(text)]
    return _PICTURE.sub("", text), names


_HANDOUT_START = re.compile(r"\[\s*Раздаточный\s+материал\s*:?", re.IGNORECASE)


def take_handouts(text: str) -> tuple[str, list[str]] | None:
    """The text without its ``[Раздаточный материал: …]`` blocks, and their contents.

    Brackets inside a handout nest. None when a block is never closed.
    """
    found: list[str] = []
    out: list[str] = []
    pos = 0
    while (m := _HANDOUT_START.search(text, pos)) is not None:
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"[": 1, "]": -1}.get(text[i], 0)
            i += 1
        if depth:
            return None
        out.append(text[pos : m.start()])
        found.append(text[m.end() : i - 1])
        pos = i
    out.append(text[pos:])
    return "".join(out), found


# --- 4s inline markup ----------------------------------------------------------------------

_INLINE = (
    (re.compile(r"\(PAGEBREAK\)", re.IGNORECASE), ""),
    (re.compile(r"\(hidden-comment[^()]*\)", re.IGNORECASE), ""),
    (re.compile(r"\(screen\s+[^()|]*\|([^()]*)\)", re.IGNORECASE), r"\1"),  # the screen version
    (re.compile(r"4SCOUNTER\d*"), ""),
    # ___underline___, __bold__, _italic_: the words stay, the underscores go
    (re.compile(r"(?<![\w\\])(_{1,3})(?=[^\s_])(.+?)(?<=[^\s_\\])\1(?!\w)", re.DOTALL), r"\2"),
    (re.compile(r"(?<![\w\\])~(?=\S)(.+?)(?<=[^\s\\])~(?!\w)", re.DOTALL), r"\1"),
    # a stress mark: `о → о́ (the combining acute accent)
    (re.compile(r"`([аеёиоуыэюяaeiouyАЕЁИОУЫЭЮЯAEIOUY])"), "\\1\u0301"),
    (re.compile(r"\\([_~`\\\[\]()])"), r"\1"),  # escapes
)


def strip_markup(text: str) -> str:
    """4s inline markup removed: ``(PAGEBREAK)``, ``(hidden-comment …)``, ``4SCOUNTER``,
    ``(screen print|screen)`` → the screen version, ``_italic_``, ``__bold__``,
    ``___underline___``, ``~strike~`` → their words, a backtick stress mark → an accent."""
    for pattern, repl in _INLINE:
        text = pattern.sub(repl, text)
    return text


# --- lists ------------------------------------------------------------------------------------

_OPEN = '([{«"“„'
_CLOSE = {")": "(", "]": "[", "}": "{", "»": "«", "”": "“", "“": "„"}


def split_top(text: str, seps: str) -> list[str]:
    """``text`` split on any of ``seps`` outside brackets and quotes."""
    parts: list[str] = []
    depth = 0
    quote = False
    start = 0
    for i, ch in enumerate(text):
        if ch == '"':
            quote = not quote
        elif ch in _OPEN:
            depth += 1
        elif ch in _CLOSE and depth:
            depth -= 1
        elif ch in seps and not depth and not quote:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _strip_entry(entry: str) -> str:
    entry = re.sub(r"^\s*(?:[-–—•]|\d+[.)])\s+", "", entry.strip())  # a list bullet or number
    entry = entry.strip()
    if entry.endswith(".") and not entry.endswith(".."):
        entry = entry[:-1].rstrip()
    return entry


def split_variants(text: str) -> tuple[str, ...]:
    """Зачёт / незачёт entries: one per line; within a line split on ``;`` when the line has
    one (outside brackets and quotes), else on ``,``; a trailing period dropped."""
    out: list[str] = []
    for line in text.splitlines():
        seps = ";" if len(split_top(line, ";")) > 1 else ","
        out.extend(_strip_entry(part) for part in split_top(line, seps))
    return tuple(dict.fromkeys(e for e in out if e))


def split_names(text: str) -> tuple[str, ...]:
    """Authors or editors: split on ``,`` and ``;`` outside brackets, and on lines."""
    out = [_strip_entry(p) for line in text.splitlines() for p in split_top(line, ",;")]
    return tuple(dict.fromkeys(e for e in out if e))


_NUMBERED = re.compile(r"^\s*(?:\d+[.)]|[-–—•])\s+")


def split_sources(text: str) -> tuple[str, ...]:
    """Sources: a numbered (``1. …``) or bulleted (``- …``) list gives one entry per item, an
    unnumbered line continuing the item before it; without a list, one entry per line."""
    lines = [line for line in text.splitlines() if line.strip()]
    if not any(_NUMBERED.match(line) for line in lines):
        return tuple(line.strip() for line in lines)
    items: list[str] = []
    for line in lines:
        if _NUMBERED.match(line) or not items:
            items.append(_NUMBERED.sub("", line).strip())
        else:
            items[-1] = f"{items[-1]} {line.strip()}"
    return tuple(item for item in items if item)


_ZACHET = re.compile(r"(?:^|(?<=[\s.;,]))(не\s?)?зач[её]т\s*:", re.IGNORECASE)


def split_judging(text: str) -> tuple[str, list[str], list[str]]:
    """``Ответ``/``Зачёт`` values that carry ``Зачёт: …`` or ``Незачёт: …`` inside (some tools
    write them so): the part before, the accepted parts and the rejected parts."""
    pieces = _ZACHET.split(text)
    head = pieces[0]
    accepted: list[str] = []
    rejected: list[str] = []
    for i in range(1, len(pieces) - 1, 2):
        (rejected if pieces[i] is not None else accepted).append(pieces[i + 1])
    return head, accepted, rejected


# --- the builder ------------------------------------------------------------------------------


@dataclass
class RawQuestion:
    """One question as a parser read it: raw values, before any rule is applied."""

    line: int | None  # where it starts, for errors
    number: int | None  # as the pack gives it
    text: str = ""
    answer: str | None = None
    accepted: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    comment: str | None = None
    sources: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    handout: list[str] = field(default_factory=list)  # separate handout fields (4s ``>``)
    strip: bool = False  # apply the 4s inline markup rules

    def add(self, field_name: str, value: str, *, label: str, file: str, line: int) -> None:
        """One field as a format names it: ``answer`` (once), ``accepted``, ``rejected``,
        ``comment`` (lines joined), ``sources`` or ``authors``; ``label`` is how the format
        writes it, for the error."""
        if field_name == "answer":
            if self.answer is not None:
                raise PackError(file, f"a second {label} for the same question", line)
            self.answer = value
        elif field_name == "comment":
            self.comment = f"{self.comment}\n{value}" if self.comment else value
        else:
            getattr(self, field_name).append(value)


@dataclass
class RawTour:
    title: str | None
    questions: list[RawQuestion] = field(default_factory=list)


@dataclass
class RawPack:
    """The pack's own fields as a line-based format (text export, 4s) reads them."""

    title: str | None = None
    date: str | None = None
    editors: list[str] = field(default_factory=list)
    info: list[str] = field(default_factory=list)
    tours: list[RawTour] = field(default_factory=list)

    def add(self, field_name: str, value: str) -> None:
        """``title`` and ``date``: the first one counts; ``editors``, ``info``: each adds;
        ``tour``: a new tour starts."""
        if field_name == "tour":
            self.tours.append(RawTour(value or None))
        elif field_name in ("title", "date"):
            setattr(self, field_name, getattr(self, field_name) or value)
        else:
            getattr(self, field_name).append(value)


def _check_picture(file: str, where: str, name: str, line: int | None) -> str:
    if (
        not name
        or len(name) > MAX_PICTURE_NAME_CHARS
        or not _SAFE_NAME.fullmatch(name)
        or any(part in {".", ".."} for part in name.split("/"))
    ):
        raise PackError(file, f"{where}: bad picture name {name!r}", line)
    return name


def _text(raw: str, strip: bool) -> str:
    if strip:
        raw = strip_markup(raw)
    return tidy(raw)


def finish_question(file: str, raw: RawQuestion, tour: int, position: int) -> PackQuestion:
    number = raw.number if raw.number is not None else position
    where = f"question {number}"
    line = raw.line
    lifted = take_handouts(raw.text)
    if lifted is None:
        raise PackError(file, f"{where}: '[Раздаточный материал' is never closed", line)
    text, handout_texts = lifted
    handout_texts = raw.handout + handout_texts
    images: list[str] = []
    text, names = take_pictures(text)
    images += names
    handout_parts: list[str] = []
    for part in handout_texts:
        part, names = take_pictures(part)
        images += names
        if (cleaned := _text(part, raw.strip)) != "":
            handout_parts.append(cleaned)
    images = list(dict.fromkeys(_check_picture(file, where, n, line) for n in images))
    if len(images) > 1:
        raise PackError(file, f"{where}: more than one picture ({', '.join(images)})", line)
    handout = None
    if handout_parts or images:
        handout = Handout(
            text="\n".join(handout_parts) or None, image=images[0] if images else None
        )
    text = _text(text, raw.strip)
    if not text and handout is None:
        raise PackError(file, f"{where}: the question has no text", line)

    if raw.answer is None:
        raise PackError(file, f"{where}: no answer", line)
    answer_raw, accepted_raw, rejected_raw = split_judging(raw.answer)
    for value in raw.accepted:
        head, more_accepted, more_rejected = split_judging(value)
        accepted_raw += [head, *more_accepted]
        rejected_raw += more_rejected
    rejected_raw += raw.rejected
    answer = _text(take_pictures(answer_raw)[0], raw.strip)
    if answer.endswith(".") and not answer.endswith(".."):
        answer = answer[:-1].rstrip()
    if not answer:
        raise PackError(file, f"{where}: the answer is empty", line)
    accepted = tuple(
        v for part in accepted_raw for v in split_variants(_text(part, raw.strip)) if v != answer
    )
    rejected = tuple(v for part in rejected_raw for v in split_variants(_text(part, raw.strip)))
    comment = None
    if raw.comment is not None:
        comment = _text(take_pictures(raw.comment)[0], raw.strip) or None
    sources = tuple(s for part in raw.sources for s in split_sources(_text(part, raw.strip)))
    authors = tuple(a for part in raw.authors for a in split_names(_text(part, raw.strip)))

    shown = len(text) + (len(handout.text) + 1 if handout and handout.text else 0)
    for name, size in (("text", shown), ("answer", len(answer)), ("comment", len(comment or ""))):
        if size > MAX_MESSAGE_CHARS:
            problem = f"{where}: the {name} is {size} characters, over VK's {MAX_MESSAGE_CHARS}"
            raise PackError(file, problem, line)
    return PackQuestion(
        tour=tour,
        number=number,
        text=text,
        answer=answer,
        accepted=tuple(dict.fromkeys(accepted)),
        rejected=rejected,
        comment=comment,
        sources=sources,
        authors=tuple(dict.fromkeys(authors)),
        handout=handout,
    )


def build_pack(
    file: str,
    *,
    title: str | None,
    editors: list[str],
    date: str | None,
    info: list[str],
    tours: list[RawTour],
    strip: bool = False,
) -> Pack:
    """The pack: empty tours dropped, tours numbered from 1, questions without a number
    numbered by their position in the pack. PackError when nothing is left to play."""
    built: list[Tour] = []
    position = 0
    for raw_tour in tours:
        if not raw_tour.questions:
            continue
        questions = []
        for raw in raw_tour.questions:
            position += 1
            questions.append(finish_question(file, raw, len(built) + 1, position))
        tour_title = _text(raw_tour.title, strip) if raw_tour.title else None
        built.append(
            Tour(number=len(built) + 1, title=tour_title or None, questions=tuple(questions))
        )
    if not built:
        raise PackError(file, "the pack has no questions")
    pack_title = _text(title, strip).replace("\n", " ") if title else ""
    if not pack_title:
        pack_title = re.sub(r"\.[^.]*$", "", file.rsplit("/", 1)[-1]) or file
    names = tuple(n for part in editors for n in split_names(_text(part, strip)))
    info_text = "\n".join(t for part in info if (t := _text(part, strip)))
    date_text = _text(date, strip).replace("\n", " ") if date else ""
    return Pack(
        title=pack_title,
        editors=tuple(dict.fromkeys(names)),
        date=date_text or None,
        info=info_text or None,
        tours=tuple(built),
    )
