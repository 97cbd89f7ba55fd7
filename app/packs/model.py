"""The parsed pack: plain frozen dataclasses, no IO, no database."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Handout:
    """What the players are shown besides the question: a text, a picture, or both."""

    text: str | None = None  # a text handout («Раздаточный материал»)
    image: str | None = None  # the picture's file name as the pack names it (pic:/img)


@dataclass(frozen=True)
class PackQuestion:
    tour: int  # 1-based index of its tour in the pack
    number: int  # its number as the pack gives it (else its 1-based position in the pack)
    text: str  # the question, handout markers removed, markup stripped
    answer: str
    accepted: tuple[str, ...] = ()  # Зачёт entries
    rejected: tuple[str, ...] = ()  # Незачёт entries
    comment: str | None = None
    sources: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    handout: Handout | None = None


@dataclass(frozen=True)
class Tour:
    number: int  # 1-based
    title: str | None
    questions: tuple[PackQuestion, ...]


@dataclass(frozen=True)
class Pack:
    title: str
    editors: tuple[str, ...] = ()
    date: str | None = None  # as written in the pack
    info: str | None = None
    tours: tuple[Tour, ...] = ()

    @property
    def questions(self) -> tuple[PackQuestion, ...]:
        """Every question of every tour, in the pack's order."""
        return tuple(q for tour in self.tours for q in tour.questions)

    @property
    def images(self) -> tuple[str, ...]:
        """Every picture name the questions reference, in order, without duplicates."""
        names = (q.handout.image for q in self.questions if q.handout and q.handout.image)
        return tuple(dict.fromkeys(names))


class PackError(ValueError):
    """A pack that cannot be imported: str() is one line 'FILE:LINE: problem' (LINE omitted
    when unknown)."""

    def __init__(self, file: str, problem: str, line: int | None = None) -> None:
        self.file = file
        self.line = line
        self.problem = " ".join(problem.split())  # one line, whatever the problem quotes
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.problem}"
