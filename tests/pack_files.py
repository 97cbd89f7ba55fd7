"""Pack files built in code for the tests: a zip of a pack file and its pictures."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping


def make_zip(members: Mapping[str, bytes | str], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip holding ``members`` (name → bytes, or text written as UTF-8), in that order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()
