"""Dockerfile and .dockerignore: the rules hadolint does not know."""

from __future__ import annotations

import fnmatch
import json
import re

from tests.static.files import DOCKERIGNORE, dockerfile_instructions, setup_cfg, stages


def arguments(stage: list[tuple[str, str]], instruction: str) -> list[str]:
    return [args for name, args in stage if name == instruction]


def test_multi_stage_on_one_python_base() -> None:
    builder, runtime = stages()
    assert builder[0] == ("FROM", "${PYTHON_IMAGE} AS builder")
    assert runtime[0] == ("FROM", "${PYTHON_IMAGE} AS runtime")
    default = [args for name, args in dockerfile_instructions() if name == "ARG"]
    assert default == ["PYTHON_IMAGE=python:3.11-slim"]


def test_the_base_python_is_the_one_setup_cfg_requires() -> None:
    requires = setup_cfg()["options"]["python_requires"]
    assert requires == ">=3.11,<3.12", "update PYTHON_IMAGE in the Dockerfile with it"


def test_dependencies_are_installed_before_the_source_is_copied() -> None:
    builder = stages()[0]
    copies = [args for name, args in builder if name == "COPY"]
    runs = [args for name, args in builder if name == "RUN"]
    assert copies[0] == "setup.cfg ./", "the dependency layer must depend on setup.cfg only"
    install_deps = next(i for i, (_, args) in enumerate(builder) if "--requirement" in args)
    copy_all = builder.index(("COPY", ". ."))
    assert install_deps < copy_all
    assert any("pip install --no-deps ." in args for args in runs)


def test_the_runtime_stage_is_lean_and_not_root() -> None:
    runtime = stages()[-1]
    text = "\n".join(args for _, args in runtime)
    assert not re.search(r"\b(apt-get|apk|gcc|build-essential|pip install)\b", text)
    assert arguments(runtime, "COPY") == [
        "--from=builder /opt/venv /opt/venv",
        "alembic.ini ./",
        "alembic ./alembic",
    ]
    users = arguments(runtime, "USER")
    assert users, "the runtime stage must switch to a non-root user"
    assert users[-1].split(":")[0] not in {"root", "0"}
    # Nothing may run as root after the switch.
    assert [name for name, _ in runtime][-3:] == ["USER", "EXPOSE", "CMD"]


def test_the_default_command_is_the_bot() -> None:
    cmd = arguments(stages()[-1], "CMD")
    assert [json.loads(args) for args in cmd] == [["python", "-m", "app"]]
    assert not arguments(stages()[-1], "ENTRYPOINT"), "`docker run IMAGE python -m poller`"


def test_dockerignore_keeps_secrets_and_junk_out() -> None:
    patterns = ignore_patterns()
    for required in [
        ".env",
        ".env.*",
        ".git",
        ".venv",
        "**/__pycache__",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        ".hypothesis",
    ]:
        assert required in patterns, required


def test_dockerignore_keeps_what_the_build_needs() -> None:
    packages = setup_cfg()["options.packages.find"]["include"].split()
    needed = ["setup.cfg", "pyproject.toml", "README.md", "alembic.ini", "alembic/env.py"]
    needed += [f"{name}/__init__.py" for name in packages if "." not in name]
    patterns = ignore_patterns()
    for path in needed:
        assert not any(ignored(path, pattern) for pattern in patterns), path


def ignore_patterns() -> list[str]:
    lines = DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def ignored(path: str, pattern: str) -> bool:
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    if pattern.startswith("**/"):
        return any(fnmatch.fnmatch(part, pattern[3:]) for part in parts)
    return any(fnmatch.fnmatch(prefix, pattern) for prefix in prefixes)
