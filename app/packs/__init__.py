"""ЧГК question packs: a pack file (or a zip of it and its pictures) to plain frozen dataclasses.

Pure parsing, no IO beyond the bytes handed in: :func:`load` takes one uploaded file and
returns a :class:`Loaded` pack or raises :class:`PackError` (one line, ``FILE:LINE: problem``).
Storing, the CLI and the admin API build on it.

Formats (each module's docstring has its exact rules):
- ``txt``: the question database's text export (db.chgk.info), :mod:`app.packs.txt`;
- ``4s``: chgksuite's source format, :mod:`app.packs.fours`;
- ``xml``: the question database's XML, :mod:`app.packs.xmlpack` (through defusedxml);
- a ``zip`` holding exactly one of those plus the pictures it names, :mod:`app.packs.loader`.
Rules shared by all three (handouts, зачёт/незачёт variants, sources, authors, limits) live in
:mod:`app.packs.common`; every limit is in :mod:`app.packs.limits`.

Why a focused parser and not chgksuite (PyPI, the reference implementation of 4s): chgksuite
is a whole editing suite. It pulls a browser driver (for uploading to the database and
LiveJournal), python-docx/openpyxl/pptx-style office libraries and more, none of which the bot
needs, into a service image that has to stay small; it parses into untyped dicts and lists
tuned for typesetting, not into the typed, validated questions the game plays; and it has no
notion of our safety limits (zip bombs, entity bombs, VK's message size). The three formats
are line-oriented or plain XML; the part we need is a few hundred lines we can type-check and
test case by case, with defusedxml (small, pure Python, no dependencies) as the only addition.
"""

from __future__ import annotations

from app.packs.loader import FORMATS, Loaded, load
from app.packs.model import Handout, Pack, PackError, PackQuestion, Tour

__all__ = ["FORMATS", "Handout", "Loaded", "Pack", "PackError", "PackQuestion", "Tour", "load"]
