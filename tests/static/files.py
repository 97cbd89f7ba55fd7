"""The deployment files, parsed once for the static tests."""

from __future__ import annotations

import configparser
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from tests.helpers import REPO_ROOT

COMPOSE = REPO_ROOT / "docker-compose.yml"
DOCKERFILE = REPO_ROOT / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"
ENV_EXAMPLE = REPO_ROOT / ".env.example"
OPERATIONS = REPO_ROOT / "docs" / "operations.md"  # the deployment guide
WORKFLOWS = REPO_ROOT / ".github" / "workflows"

# The app services' image; CD's deploy job rewrites exactly these defaults (cd.yml).
IMAGE_DEFAULT = "${ZNATOKI_IMAGE:-ghcr.io/znatoki/znatoki}"
TAG_DEFAULT = "${ZNATOKI_TAG:-latest}"
IMAGE = f"{IMAGE_DEFAULT}:{TAG_DEFAULT}"


def load_yaml(path: Path) -> Any:
    # PyYAML reads YAML 1.1, where a bare `on` key is the boolean True: workflows() fixes it.
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@cache
def compose() -> dict[str, Any]:
    data = load_yaml(COMPOSE)
    assert isinstance(data, dict)
    return data


def services() -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = compose()["services"]
    return result


@cache
def workflow(name: str) -> dict[str, Any]:
    data = load_yaml(WORKFLOWS / name)
    assert isinstance(data, dict)
    if True in data:
        data["on"] = data.pop(True)
    return data


def workflow_names() -> list[str]:
    return sorted(path.name for path in WORKFLOWS.glob("*.yml"))


@cache
def env_example() -> dict[str, str]:
    """The variables .env.example documents (active or commented out), with their values."""
    found = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$", line.strip())
        if match:
            found[match[1]] = match[2]
    return found


def operations_section(title: str) -> str:
    text = OPERATIONS.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"docs/operations.md has no '## {title}' section"
    return match[1]


@cache
def setup_cfg() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(REPO_ROOT / "setup.cfg", encoding="utf-8")
    return parser


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    joined: list[str] = []
    pending = ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        joined.append(pending + line)
        pending = ""
    pairs = []
    for line in joined:
        instruction, _, arguments = line.partition(" ")
        pairs.append((instruction.upper(), arguments.strip()))
    return pairs


def stages() -> list[list[tuple[str, str]]]:
    """The Dockerfile's stages, each starting with its FROM."""
    result: list[list[tuple[str, str]]] = []
    for pair in dockerfile_instructions():
        if pair[0] == "FROM":
            result.append([])
        if result:
            result[-1].append(pair)
    return result
