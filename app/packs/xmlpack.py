"""The question database's XML: ``<tournament>`` with ``tour`` and ``question`` elements.

Parsed with defusedxml: a DTD's entities (the "billion laughs" bomb) and external references
are refused, never expanded.

Rules:
- The root must be ``<tournament>``: its ``Title``, ``Editors``, ``PlayedAt``, ``Info`` are
  the pack's.
- Every ``<question>`` anywhere in the document is read, in document order. Its tour is the
  nearest enclosing ``<tour>`` (or nested ``<tournament>``); else the ``<tour>`` whose ``Id``
  is the question's ``ParentId``/``tourId``; else its ``tourTitle``; else one untitled tour.
  Tours come in the order of their first question.
- A database tour export (the root holds the questions; each carries ``tournamentTitle``
  different from the root's ``Title``) is a pack named by ``tournamentTitle`` with one tour
  named by the root's ``Title``.
- ``Number`` is the question's number when it is an integer (else its position in the pack);
  ``PassCriteria`` is the зачёт, ``Comments`` the comment; a value's lines follow the text
  export's rules.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from app.packs.common import RawQuestion, RawTour, build_pack, join_lines
from app.packs.model import Pack, PackError


class _Builder(TreeBuilder):
    """A tree builder that remembers the line each element starts on."""

    def __init__(self) -> None:
        super().__init__()
        self.parser: Any = None
        self.lines: dict[int, int] = {}

    def start(self, tag: Any, attrs: Any) -> Element:
        element = super().start(tag, attrs)
        if self.parser is not None:
            self.lines[id(element)] = int(self.parser.parser.CurrentLineNumber)
        return element


def _value(element: Element, name: str) -> str | None:
    child = element.find(name)
    if child is None or child.text is None:
        return None
    return join_lines(child.text.splitlines()) or None


def _parse_tree(data: bytes, file: str) -> tuple[Element, dict[int, int]]:
    builder = _Builder()
    try:
        parser = DefusedXMLParser(target=builder, forbid_dtd=False)
        builder.parser = parser
        parser.feed(data)
        root = parser.close()
    except DefusedXmlException as exc:
        problem = (
            f"XML refused: {type(exc).__name__} (entities and external references are not allowed)"
        )
        raise PackError(file, problem) from None
    except ParseError as exc:
        line = exc.position[0] if exc.position else None
        raise PackError(
            file, f"malformed XML: {exc.msg if hasattr(exc, 'msg') else exc}", line
        ) from None
    if not isinstance(root, Element):
        raise PackError(file, "malformed XML: no root element")
    return root, builder.lines


def parse_xml(data: bytes, file: str) -> Pack:
    root, lines = _parse_tree(data, file)
    if root.tag != "tournament":
        raise PackError(file, f"the root element is <{root.tag}>, expected <tournament>", 1)
    parents = {id(child): parent for parent in root.iter() for child in parent}
    tour_by_id = {}
    for tour in root.iter("tour"):
        if (tour_id := _value(tour, "Id")) is not None:
            tour_by_id[tour_id] = tour

    title = _value(root, "Title")
    tours: dict[object, RawTour] = {}
    direct_titles: set[str | None] = set()
    for position, element in enumerate(root.iter("question"), start=1):
        parent = parents.get(id(element))
        key: object = None
        tour_title: str | None = None
        node = parent
        while node is not None and node is not root:
            if node.tag in {"tour", "tournament"}:
                key, tour_title = id(node), _value(node, "Title")
                break
            node = parents.get(id(node))
        if key is None:
            for ref in (_value(element, "ParentId"), _value(element, "tourId")):
                if ref is not None and ref in tour_by_id:
                    key, tour_title = ref, _value(tour_by_id[ref], "Title")
                    break
        if key is None and (named := _value(element, "tourTitle")) is not None:
            key, tour_title = ("title", named), named
        if parent is root:
            direct_titles.add(_value(element, "tournamentTitle"))
        number_text = (_value(element, "Number") or "").strip()
        raw = RawQuestion(
            line=lines.get(id(element)),
            number=int(number_text) if number_text.isdigit() else None,
            text=_value(element, "Question") or "",
            answer=_value(element, "Answer"),
            accepted=[v for v in [_value(element, "PassCriteria")] if v],
            comment=_value(element, "Comments"),
            sources=[v for v in [_value(element, "Sources")] if v],
            authors=[v for v in [_value(element, "Authors")] if v],
        )
        if raw.number is None:
            raw.number = position
        tours.setdefault(key, RawTour(tour_title)).questions.append(raw)

    if len(direct_titles) == 1 and len(tours) == 1 and not tour_by_id:
        (outer,) = direct_titles
        (only,) = tours.values()
        if outer and outer != title:  # a database tour export
            only.title, title = title, outer
    return build_pack(
        file,
        title=title,
        editors=[v for v in [_value(root, "Editors")] if v],
        date=_value(root, "PlayedAt"),
        info=[v for v in [_value(root, "Info")] if v],
        tours=list(tours.values()),
    )
