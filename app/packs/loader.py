"""One uploaded file to a :class:`Loaded` pack: the format chosen, a zip unpacked safely."""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field

from app.packs.common import decode
from app.packs.fours import parse_4s
from app.packs.limits import (
    MAX_PACK_FILE_BYTES,
    MAX_PICTURE_BYTES,
    MAX_ZIP_BYTES,
    MAX_ZIP_MEMBERS,
    MAX_ZIP_TOTAL_BYTES,
    MB,
)
from app.packs.model import Pack, PackError
from app.packs.txt import parse_txt
from app.packs.xmlpack import parse_xml

FORMATS = ("txt", "4s", "xml")

_PARSERS: dict[str, Callable[[bytes, str], Pack]] = {
    "txt": parse_txt,
    "4s": parse_4s,
    "xml": parse_xml,
}


@dataclass(frozen=True)
class Loaded:
    pack: Pack
    images: dict[str, bytes] = field(default_factory=dict)  # name -> bytes (from a zip only)


def _extension(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1].lower()
    return base.rsplit(".", 1)[-1] if "." in base else ""


_4S_LINE = re.compile(r"^(?:###|##|#EDITOR|#DATE|№|\?)[ \t]", re.MULTILINE)
_TXT_LINE = re.compile(r"^(?:Чемпионат|Вопрос(?:[ \t]+\d+)?)[ \t]*:", re.MULTILINE | re.IGNORECASE)


def sniff(data: bytes) -> str | None:
    """The format the content looks like ("zip", "xml", "4s", "txt"), or None."""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return "zip"
    head = decode(data[:65536]).lstrip("\ufeff \t\r\n")
    if head.startswith(("<?xml", "<tournament")):
        return "xml"
    if _TXT_LINE.search(head):
        return "txt"
    if _4S_LINE.search(head):
        return "4s"
    return None


def _format(data: bytes, filename: str, fmt: str | None) -> str:
    if fmt is not None:
        if fmt not in FORMATS:
            raise PackError(filename, f"unknown format {fmt!r} (one of: {', '.join(FORMATS)})")
        return fmt
    ext = _extension(filename)
    if ext in FORMATS:
        return ext
    sniffed = sniff(data)
    if sniffed is None or sniffed == "zip":
        raise PackError(filename, "unknown format: not a .txt, .4s, .xml or .zip pack")
    return sniffed


def _parse(data: bytes, filename: str, fmt: str | None) -> Pack:
    if len(data) > MAX_PACK_FILE_BYTES:
        limit = MAX_PACK_FILE_BYTES // MB
        raise PackError(filename, f"the file is {len(data)} bytes, over the {limit} MB limit")
    if not data.strip():
        raise PackError(filename, "the file is empty")
    return _PARSERS[_format(data, filename, fmt)](data, filename)


def load(data: bytes, filename: str, fmt: str | None = None) -> Loaded:
    """Parse one file: .txt (the question database's text export), .4s, .xml, or .zip holding
    one pack file plus the pictures it names. ``fmt`` forces the format ("txt", "4s", "xml");
    otherwise by the extension, then by content sniffing. Raises PackError."""
    is_zip = _extension(filename) == "zip" or (
        _extension(filename) not in FORMATS and sniff(data[:8]) == "zip"
    )
    if is_zip:
        return _load_zip(data, filename, fmt)
    return Loaded(pack=_parse(data, filename, fmt), images={})


# --- zip --------------------------------------------------------------------------------------

# The picture formats VK takes for messages (photos.getMessagesUploadServer), by magic bytes.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def picture_type(data: bytes) -> str | None:
    """The MIME type of a PNG, JPEG or GIF by its magic bytes; None for anything else (WebP
    included: VK refuses it as a message photo, so the pack could not show it)."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    return None


def _safe_member(archive: str, name: str) -> str:
    clean = name.replace("\\", "/")
    if (
        clean.startswith("/")
        or re.match(r"^[A-Za-z]:", clean)
        or ".." in clean.split("/")
        or "\x00" in clean
    ):
        raise PackError(archive, f"unsafe member name {name!r} in the zip")
    return posixpath.normpath(clean)


def _read(archive: str, zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    """A member's bytes, never more than ``limit`` whatever its header claims."""
    if info.file_size > limit:
        raise PackError(archive, f"{info.filename} is {info.file_size} bytes, over {limit}")
    try:
        with zf.open(info) as stream:
            data = stream.read(limit + 1)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError) as exc:
        raise PackError(archive, f"cannot read {info.filename}: {exc}") from None
    if len(data) > limit:
        raise PackError(archive, f"{info.filename} unpacks to more than {limit} bytes")
    return data


def _load_zip(data: bytes, archive: str, fmt: str | None) -> Loaded:
    if len(data) > MAX_ZIP_BYTES:
        limit = MAX_ZIP_BYTES // MB
        raise PackError(archive, f"the zip is {len(data)} bytes, over the {limit} MB limit")
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise PackError(archive, f"not a readable zip: {exc}") from None
    with zf:
        if len(infos) > MAX_ZIP_MEMBERS:
            problem = f"the zip has {len(infos)} members, over the limit of {MAX_ZIP_MEMBERS}"
            raise PackError(archive, problem)
        members: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            name = _safe_member(archive, info.filename)
            if (
                info.is_dir()
                or name.split("/")[0] == "__MACOSX"
                or name.rsplit("/", 1)[-1][:1] == "."
            ):
                continue
            if info.flag_bits & 0x1:
                raise PackError(archive, f"{info.filename} is encrypted")
            if name in members:
                raise PackError(archive, f"{info.filename} appears twice in the zip")
            members[name] = info
        total_claimed = sum(info.file_size for info in members.values())
        if total_claimed > MAX_ZIP_TOTAL_BYTES:
            limit = MAX_ZIP_TOTAL_BYTES // MB
            raise PackError(archive, f"the zip unpacks to {total_claimed} bytes, over {limit} MB")

        pack_names = [n for n in members if _extension(n) in FORMATS]
        if len(pack_names) != 1:
            found = ", ".join(sorted(pack_names)) or "none"
            problem = f"a zip must hold exactly one .txt, .4s or .xml pack file (found: {found})"
            raise PackError(archive, problem)
        (pack_name,) = pack_names
        where = f"{archive}/{pack_name}"
        pack_bytes = _read(where, zf, members[pack_name], MAX_PACK_FILE_BYTES)
        pack = _parse(pack_bytes, where, fmt)

        by_base: dict[str, list[str]] = {}
        for name in members:
            by_base.setdefault(name.rsplit("/", 1)[-1], []).append(name)
        base_dir = posixpath.dirname(pack_name)
        images: dict[str, bytes] = {}
        total = len(pack_bytes)
        for picture in pack.images:
            candidates = [posixpath.normpath(posixpath.join(base_dir, picture)), picture]
            found_name = next((c for c in candidates if c in members), None)
            if found_name is None and len(by_base.get(picture.rsplit("/", 1)[-1], [])) == 1:
                found_name = by_base[picture.rsplit("/", 1)[-1]][0]
            if found_name is None:
                raise PackError(archive, f"the picture {picture!r} is not in the zip")
            blob = _read(archive, zf, members[found_name], MAX_PICTURE_BYTES)
            total += len(blob)
            if total > MAX_ZIP_TOTAL_BYTES:
                raise PackError(
                    archive, f"the zip unpacks to more than {MAX_ZIP_TOTAL_BYTES} bytes"
                )
            if picture_type(blob) is None:
                problem = (
                    f"the picture {picture!r} is not a PNG, JPEG or GIF image (VK shows only these)"
                )
                raise PackError(archive, problem)
            images[picture] = blob
    return Loaded(pack=pack, images=images)
