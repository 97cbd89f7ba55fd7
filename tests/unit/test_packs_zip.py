"""Loading: format detection and zips of a pack and its pictures (app/packs/loader.py)."""

from __future__ import annotations

import zipfile

import pytest

from app.packs import Handout, PackError, load
from app.packs.limits import MAX_PICTURE_BYTES, MAX_ZIP_MEMBERS, MAX_ZIP_TOTAL_BYTES
from app.packs.loader import picture_type, sniff
from tests.pack_files import make_zip

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
GIF = b"GIF89a" + b"\x00" * 32
WEBP = b"RIFF\x20\x00\x00\x00WEBPVP8 " + b"\x00" * 32

TXT = "Чемпионат:\nT\n\nВопрос 1:\n(pic: a.png) Что это?\n\nОтвет:\nО\n"
FOURS = "### T\n? (img b.jpg) Что это?\n! О\n? Без картинки\n! О\n"


def zip_error(data: bytes, fmt: str | None = None) -> PackError:
    with pytest.raises(PackError) as info:
        load(data, "pack.zip", fmt)
    return info.value


def test_zip_with_txt_and_picture() -> None:
    loaded = load(
        make_zip({"pack.txt": TXT.encode("cp1251"), "a.png": PNG, "extra.bin": b"x"}), "p.zip"
    )
    assert loaded.pack.questions[0].handout == Handout(image="a.png")
    assert loaded.images == {"a.png": PNG}  # the unnamed file is not read


def test_zip_with_4s_in_a_folder_and_pictures_beside() -> None:
    data = make_zip({"pack/": b"", "pack/p.4s": FOURS.encode(), "pack/img/b.jpg": JPEG})
    loaded = load(data, "upload.zip")
    assert loaded.images == {"b.jpg": JPEG}  # found by its base name
    assert loaded.pack.images == ("b.jpg",)


def test_zip_detected_by_content_and_forced_inner_format() -> None:
    data = make_zip({"pack.dat": FOURS.encode(), "b.jpg": JPEG})
    with pytest.raises(PackError, match="exactly one"):
        load(data, "upload")
    loaded = load(make_zip({"pack.4s": FOURS.encode(), "b.jpg": JPEG}), "upload", "4s")
    assert loaded.images == {"b.jpg": JPEG}


@pytest.mark.parametrize(
    ("blob", "kind"), [(PNG, "image/png"), (JPEG, "image/jpeg"), (GIF, "image/gif")]
)
def test_picture_types(blob: bytes, kind: str) -> None:
    assert picture_type(blob) == kind
    loaded = load(make_zip({"p.4s": FOURS.encode(), "b.jpg": blob}), "p.zip")
    assert loaded.images["b.jpg"] == blob


def test_a_webp_picture_is_refused_as_vk_would_refuse_it() -> None:
    assert picture_type(WEBP) is None
    with pytest.raises(PackError, match="not a PNG, JPEG or GIF image"):
        load(make_zip({"p.4s": FOURS.encode(), "b.jpg": WEBP}), "p.zip")


def test_macos_junk_and_dotfiles_are_skipped() -> None:
    data = make_zip(
        {"p.4s": FOURS.encode(), "__MACOSX/._p.4s": b"junk", ".DS_Store": b"x", "b.jpg": JPEG}
    )
    assert load(data, "p.zip").images == {"b.jpg": JPEG}


def test_non_zip_loads_have_no_images() -> None:
    assert load(TXT.encode(), "p.txt").images == {}


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        (TXT.encode(), "txt"),
        (FOURS.encode(), "4s"),
        (b"<?xml version='1.0'?><tournament/>", "xml"),
        (b"\xef\xbb\xbf<tournament/>", "xml"),
        (b"PK\x03\x04rest", "zip"),
        (b"just some words", None),
    ],
)
def test_sniff(data: bytes, fmt: str | None) -> None:
    assert sniff(data) == fmt


@pytest.mark.parametrize(("text", "title"), [(TXT, "T"), (FOURS, "T")])
def test_format_sniffed_without_extension(text: str, title: str) -> None:
    assert load(text.encode(), "upload").pack.title == title


def test_format_forced_over_extension() -> None:
    assert load(FOURS.encode(), "pack.txt", "4s").pack.questions[0].text == "Что это?"


@pytest.mark.parametrize(
    ("data", "name", "fmt", "problem"),
    [
        (b"just some words", "upload", None, "unknown format"),
        (b"just some words", "upload.doc", None, "unknown format"),
        (FOURS.encode(), "p.4s", "docx", "unknown format 'docx'"),
    ],
)
def test_unknown_format(data: bytes, name: str, fmt: str | None, problem: str) -> None:
    with pytest.raises(PackError, match=problem):
        load(data, name, fmt)


BAD_ZIPS: list[tuple[str, dict[str, bytes], str]] = [
    ("no pack file", {"b.jpg": JPEG}, "exactly one .txt, .4s or .xml pack file (found: none)"),
    (
        "two pack files",
        {"a.4s": FOURS.encode(), "b.txt": TXT.encode(), "b.jpg": JPEG},
        "a.4s, b.txt",
    ),
    ("missing picture", {"p.4s": FOURS.encode()}, "the picture 'b.jpg' is not in the zip"),
    (
        "not a picture",
        {"p.4s": FOURS.encode(), "b.jpg": b"MZ\x90\x00 an exe"},
        "'b.jpg' is not a PNG",
    ),
    ("svg", {"p.4s": FOURS.encode(), "b.jpg": b"<svg xmlns='x'/>"}, "is not a PNG"),
    ("parent dir", {"../p.4s": FOURS.encode(), "b.jpg": JPEG}, "unsafe member name '../p.4s'"),
    ("absolute", {"/etc/p.4s": FOURS.encode()}, "unsafe member name '/etc/p.4s'"),
    ("nested parent", {"a/../../b.jpg": JPEG, "p.4s": FOURS.encode()}, "unsafe member name"),
    ("windows drive", {"C:\\p.4s": FOURS.encode()}, "unsafe member name"),
    (
        "ambiguous picture",
        {"p.4s": FOURS.encode(), "x/b.jpg": JPEG, "y/b.jpg": JPEG},
        "not in the zip",
    ),
]


@pytest.mark.parametrize(("case", "members", "problem"), BAD_ZIPS, ids=[b[0] for b in BAD_ZIPS])
def test_bad_zip(case: str, members: dict[str, bytes], problem: str) -> None:
    exc = zip_error(make_zip(members))
    assert problem in exc.problem
    assert exc.file == "pack.zip"


def test_error_inside_the_zip_names_the_inner_file_and_line() -> None:
    exc = zip_error(make_zip({"dir/p.4s": b"### T\n? Q\n"}))
    assert str(exc) == "pack.zip/dir/p.4s:2: question 1: no answer"


def test_not_a_zip() -> None:
    assert "not a readable zip" in zip_error(b"PK\x03\x04 truncated garbage").problem


def test_truncated_zip() -> None:
    data = make_zip({"p.4s": FOURS.encode(), "b.jpg": JPEG * 100})
    assert "zip" in zip_error(data[: len(data) // 2]).problem


def test_corrupt_member() -> None:
    data = bytearray(make_zip({"p.4s": FOURS.encode() * 50}))
    data[60:70] = b"\x00" * 10  # inside the compressed stream
    exc = zip_error(bytes(data))
    assert exc.file.startswith("pack.zip")


def test_too_many_members() -> None:
    members = {f"f{i}.png": b"" for i in range(MAX_ZIP_MEMBERS)}
    members["p.4s"] = FOURS.encode()
    assert f"over the limit of {MAX_ZIP_MEMBERS}" in zip_error(make_zip(members)).problem


def test_picture_bomb_rejected_on_its_header() -> None:
    bomb = PNG + b"\x00" * MAX_PICTURE_BYTES  # compresses to some 20 KB
    data = make_zip({"p.4s": FOURS.encode(), "b.jpg": bomb})
    assert len(data) < 1_000_000
    assert "over" in zip_error(data).problem


def test_total_size_bomb() -> None:
    chunk = b"\x00" * (MAX_ZIP_TOTAL_BYTES // 3 + 1)
    members = {f"junk{i}.bin": chunk for i in range(3)}
    members["p.4s"] = FOURS.encode()
    assert "unpacks to" in zip_error(make_zip(members)).problem


def test_lying_header_is_capped_on_read() -> None:
    """A member whose header claims a small size but inflates to more: refused, never read
    past the claim (zipfile stops at the claimed size and the CRC fails; our read is capped
    at the limit whatever the header says)."""
    bomb = JPEG + b"\x00" * (MAX_PICTURE_BYTES + 10)
    data = bytearray(make_zip({"p.4s": FOURS.encode(), "b.jpg": bomb}))
    true_size = len(bomb).to_bytes(4, "little")
    small = (1000).to_bytes(4, "little")
    # patch the uncompressed size in the local header and the central directory
    patched = bytes(data).replace(true_size, small)
    assert patched != bytes(data)
    exc = zip_error(patched)
    assert "b.jpg" in exc.problem


def test_zip_over_the_upload_limit() -> None:
    with pytest.raises(PackError, match="over the 50 MB limit"):
        load(b"PK\x03\x04" + b"\x00" * (50 * 1024 * 1024), "huge.zip")


def test_encrypted_member() -> None:
    data = bytearray(make_zip({"p.4s": FOURS.encode(), "b.jpg": JPEG}, zipfile.ZIP_STORED))
    # set the "encrypted" flag bit on every header
    for sig, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (at := data.find(sig, start)) != -1:
            data[at + offset] |= 0x1
            start = at + 4
    assert "encrypted" in zip_error(bytes(data)).problem
