"""``python -m app.packs import PATH [PATH …]``: import question packs into the base.

Each PATH is a ``.txt`` (the question database's text export), ``.4s``, ``.xml`` or a ``.zip``
holding one of those and the pictures it names; the format is detected (``--format`` forces
it). One line per imported pack (title, tours, questions, pictures). A file that cannot be
imported gets one line naming the file, the line and the problem, and nothing of it is
written; the exit code is then 2 (the other files are still imported). DATABASE_URL as for
the services.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from app.db.engine import create_engine, create_sessionmaker
from app.packs import FORMATS, PackError, load
from app.packs.store import DuplicatePack, digest_of, import_pack
from app.settings import ConfigError, Settings, fail

MAX_FILE = 60 * 1024 * 1024  # read no more than this of a path (the parser's own caps are lower)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m app.packs", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    imports = commands.add_parser("import", help="import pack files")
    imports.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    imports.add_argument("--format", choices=FORMATS, help="force the format of every PATH")
    return parser.parse_args(argv)


async def import_files(settings: Settings, paths: list[Path], fmt: str | None) -> int:
    engine = create_engine(settings.dsn, pool_size=1)
    failed = False
    try:
        sessionmaker = create_sessionmaker(engine)
        for path in paths:
            try:
                with path.open("rb") as file:
                    data = file.read(MAX_FILE + 1)
                if len(data) > MAX_FILE:
                    raise PackError(path.name, f"larger than {MAX_FILE // 2**20} MB")
                loaded = load(data, path.name, fmt)
                async with sessionmaker.begin() as session:
                    imported = await import_pack(session, loaded, digest_of(data))
            except (PackError, DuplicatePack) as exc:
                where = "" if isinstance(exc, PackError) else f"{path}: "
                print(f"{where}{exc}", file=sys.stderr)
                failed = True
                continue
            except OSError as exc:
                print(f"{path}: cannot read: {exc.strerror or exc}", file=sys.stderr)
                failed = True
                continue
            print(f"{path}: {imported.describe()}")
    finally:
        await engine.dispose()
    return 2 if failed else 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        settings = Settings.load("DATABASE_URL")
    except ConfigError as error:
        fail(error)
        return 2
    return asyncio.run(import_files(settings, list(args.paths), args.format))


if __name__ == "__main__":
    raise SystemExit(main())
