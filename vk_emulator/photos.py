"""Photos for messages, kept the way VK's three steps need them.

1. `photos.getMessagesUploadServer` opens an upload: a one-use token in the upload URL.
2. The multipart POST to that URL stores the file and answers `{"server", "photo", "hash"}`;
   `photo` is a JSON string naming the upload (`"[]"` when the file is not a JPG/PNG/GIF or is
   too big) and `hash` is an HMAC over server and photo, so only that answer can be saved.
3. `photos.saveMessagesPhoto` checks the hash (121), turns the upload into a saved photo with
   an `access_key` (or fails with 129) and from then on `messages.send` accepts
   `photo{owner_id}_{id}_{access_key}` as an attachment.

Free of aiohttp (the routes are in uploads.py) and of World (which owns one store and drops it
on reset). File bytes outlive `forget()`, so old messages still show their pictures while their
attachment strings are refused, as when VK stops accepting an old attachment.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import struct
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from vk_emulator.errors import ApiError

JSON = dict[str, Any]

MAX_PHOTO_BYTES = 50 * 1024 * 1024
MAX_ATTACHMENTS = 10
# Messages photos live in VK's system album -64.
MESSAGES_ALBUM_ID = -64
# Open uploads and uploaded-but-unsaved files kept; older ones are dropped (VK expires them).
MAX_PENDING = 1000
# VK's size types with their longest side. Every photo has s, m and x (never larger than the
# original); y, z and w only when the original is larger than the size before them. The
# emulator serves the original file for each.
SIZE_TYPES = (("s", 75), ("m", 130), ("x", 604), ("y", 807), ("z", 1080), ("w", 2560))
ALWAYS_SIZES = 3
ATTACHMENT = re.compile(r"photo(-?\d+)_(\d+)_([0-9A-Za-z]+)")


@dataclass(frozen=True)
class ImageInfo:
    ext: str
    content_type: str
    width: int
    height: int


def sniff(data: bytes) -> ImageInfo | None:
    """The format (by magic bytes) and the size of a JPG, PNG or GIF; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return _info("png", "image/png", width, height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return _info("gif", "image/gif", width, height)
    if data.startswith(b"\xff\xd8\xff"):
        size = _jpeg_size(data)
        return _info("jpg", "image/jpeg", *size) if size else None
    return None


def _info(ext: str, content_type: str, width: int, height: int) -> ImageInfo | None:
    return ImageInfo(ext, content_type, width, height) if width > 0 and height > 0 else None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Walks the JPEG segments to the first start-of-frame, which holds height and width."""
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # segments without a length
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            if pos + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return width, height
        pos += 2 + length
    return None


@dataclass(frozen=True)
class Blob:
    """An uploaded file, served at `/photo/{key}.{ext}`."""

    key: str
    data: bytes
    info: ImageInfo


@dataclass(frozen=True)
class Photo:
    id: int
    owner_id: int
    access_key: str
    date: int
    url: str
    width: int
    height: int

    @property
    def attachment(self) -> str:
        return f"photo{self.owner_id}_{self.id}_{self.access_key}"

    def to_vk(self) -> JSON:
        """The photo object of saveMessagesPhoto and of a message's attachments."""
        return {
            "id": self.id,
            "album_id": MESSAGES_ALBUM_ID,
            "owner_id": self.owner_id,
            "access_key": self.access_key,
            "date": self.date,
            "text": "",
            "has_tags": False,
            "sizes": self.sizes(),
        }

    def sizes(self) -> list[JSON]:
        longest = max(self.width, self.height)
        sizes: list[JSON] = []
        for index, (kind, limit) in enumerate(SIZE_TYPES):
            if index >= ALWAYS_SIZES and longest <= SIZE_TYPES[index - 1][1]:
                break
            scale = min(1.0, limit / longest)
            width, height = max(1, round(self.width * scale)), max(1, round(self.height * scale))
            sizes.append({"type": kind, "url": self.url, "width": width, "height": height})
        return sizes


class PhotoStore:
    def __init__(self, owner_id: int) -> None:
        self.owner_id = owner_id
        self.max_bytes = MAX_PHOTO_BYTES
        self.server = secrets.randbelow(900_000) + 100_000
        self._secret = secrets.token_bytes(16)
        self._tokens: OrderedDict[str, int] = OrderedDict()  # upload token -> peer_id
        self._uploads: OrderedDict[str, str] = OrderedDict()  # upload id -> blob key
        self.blobs: dict[str, Blob] = {}
        self.saved: dict[tuple[int, int], Photo] = {}
        self._next_id = 1

    def open_upload(self, peer_id: int) -> str:
        token = secrets.token_urlsafe(16)
        _put(self._tokens, token, peer_id)
        return token

    def take_token(self, token: str) -> bool:
        """Uses up an upload token; False if it is unknown or was used already."""
        return self._tokens.pop(token, None) is not None

    def failed_answer(self) -> JSON:
        return self._answer("[]")

    def receive(self, data: bytes) -> JSON:
        """Stores an uploaded file; the upload server's answer (`"[]"` for a non-image)."""
        info = sniff(data) if len(data) <= self.max_bytes else None
        if info is None:
            return self.failed_answer()
        blob = Blob(secrets.token_urlsafe(12), data, info)
        self.blobs[blob.key] = blob
        upload_id = secrets.token_hex(8)
        _put(self._uploads, upload_id, blob.key)
        photo = json.dumps([{"photo": upload_id, "sizes": [], "latitude": 0, "longitude": 0}])
        return self._answer(photo)

    def save(self, photo: str, server: str, hash_: str, base_url: str, now: int) -> Photo:
        """saveMessagesPhoto: 121 for a hash that is not this answer's, 129 for a failed,
        unknown or already saved upload."""
        if not hmac.compare_digest(hash_, self._sign(server, photo)):
            raise ApiError(121)
        blob_key = self._uploads.pop(_upload_id(photo) or "", None)
        if blob_key is None:
            raise ApiError(129)
        blob = self.blobs[blob_key]
        saved = Photo(
            id=self._next_id,
            owner_id=self.owner_id,
            access_key=secrets.token_hex(9),
            date=now,
            url=f"{base_url}/photo/{blob.key}.{blob.info.ext}",
            width=blob.info.width,
            height=blob.info.height,
        )
        self._next_id += 1
        self.saved[(saved.owner_id, saved.id)] = saved
        return saved

    def attachments(self, raw: str) -> list[JSON]:
        """messages.send's `attachment`: the VK attachment objects, or error 100."""
        items = [item.strip() for item in raw.split(",") if item.strip()]
        if len(items) > MAX_ATTACHMENTS:
            raise ApiError(100, f"attachment allows at most {MAX_ATTACHMENTS} items")
        found: list[JSON] = []
        for item in items:
            match = ATTACHMENT.fullmatch(item)
            saved = self.saved.get((int(match[1]), int(match[2]))) if match else None
            if match is None or saved is None or saved.access_key != match[3]:
                raise ApiError(100, f"attachment is invalid: {item}")
            found.append({"type": "photo", "photo": saved.to_vk()})
        return found

    def forget(self) -> int:
        """Drops every saved photo and pending upload; returns how many photos were saved."""
        count = len(self.saved)
        self.saved.clear()
        self._uploads.clear()
        self._tokens.clear()
        return count

    def to_control(self) -> list[JSON]:
        return [dict(p.to_vk(), attachment=p.attachment) for p in self.saved.values()]

    def _answer(self, photo: str) -> JSON:
        server = str(self.server)
        return {"server": self.server, "photo": photo, "hash": self._sign(server, photo)}

    def _sign(self, server: str, photo: str) -> str:
        message = f"{server}\n{photo}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()[:32]


def _put(table: OrderedDict[str, Any], key: str, value: Any) -> None:
    table[key] = value
    while len(table) > MAX_PENDING:
        table.popitem(last=False)


def _upload_id(photo: str) -> str | None:
    try:
        items = json.loads(photo)
    except ValueError:
        return None
    if isinstance(items, list) and len(items) == 1 and isinstance(items[0], dict):
        upload_id = items[0].get("photo")
        return upload_id if isinstance(upload_id, str) else None
    return None
