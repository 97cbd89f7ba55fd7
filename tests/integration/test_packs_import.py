"""`python -m app.packs import`: a real process against the test database, good and bad files."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.emulator.images import png
from tests.helpers import REPO_ROOT
from tests.pack_files import make_zip

PACK_4S = """### Тестовый турнир
#EDITOR Иван Редакторов
#DATE 2026-11-30

## Тур 1

№ 1
? Какой город — столица Франции?
! Париж
= Paris
!= Лион
/ Город на Сене.
^ Энциклопедия
@ Анна Авторова

№ 2
? (img square.png) Что изображено на картинке?
! Квадрат
"""


async def run_cli(database_url: str, *paths: Path) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.packs",
        "import",
        *(str(p) for p in paths),
        cwd=REPO_ROOT,
        env={"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    return proc.returncode or 0, out.decode(), err.decode()


async def counts(db: AsyncEngine) -> tuple[int, int, int]:
    async with db.connect() as conn:
        packs = await conn.scalar(text("SELECT count(*) FROM packs"))
        questions = await conn.scalar(
            text("SELECT count(*) FROM questions WHERE pack_id IS NOT NULL")
        )
        images = await conn.scalar(text("SELECT count(*) FROM question_images"))
    return int(packs or 0), int(questions or 0), int(images or 0)


async def test_a_zip_pack_with_a_picture_is_imported_once(
    db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "tournament.zip"
    path.write_bytes(make_zip({"pack.4s": PACK_4S, "square.png": png(1, 1)}))
    code, out, err = await run_cli(database_url, path)
    assert code == 0, err
    assert "«Тестовый турнир»: 1 tours, 2 questions, 1 pictures" in out
    assert await counts(db) == (1, 2, 1)
    async with db.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT number, answer, alternatives, rejected, authors, sources "
                    "FROM questions WHERE pack_id IS NOT NULL ORDER BY tour, number"
                )
            )
        ).all()
    assert rows[0] == (1, "Париж", ["Paris"], ["Лион"], ["Анна Авторова"], ["Энциклопедия"])
    assert rows[1][:2] == (2, "Квадрат")

    code, _, err = await run_cli(database_url, path)  # the same file again: refused, not doubled
    assert code == 2
    assert "already imported as pack #" in err
    assert await counts(db) == (1, 2, 1)


async def test_a_bad_file_is_named_with_its_problem_and_nothing_is_imported(
    db: AsyncEngine, database_url: str, tmp_path: Path
) -> None:
    missing_picture = tmp_path / "broken.zip"
    missing_picture.write_bytes(make_zip({"pack.4s": PACK_4S}))
    unknown = tmp_path / "notes.docx"
    unknown.write_bytes(b"\x00\x01 not a pack")
    code, out, err = await run_cli(database_url, missing_picture, unknown)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 2, err
    assert "broken.zip" in lines[0]
    assert "square.png" in lines[0]
    assert "notes.docx" in lines[1]
    assert out == ""
    assert await counts(db) == (0, 0, 0)
