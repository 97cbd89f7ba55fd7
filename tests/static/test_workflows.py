"""GitHub workflows: CI and CD wired as documented, and every run: script through shellcheck.

The workflow JSON schema (scripts/check-static.sh) says the files are well-formed; actionlint
is not installable from PyPI alone, so its most useful part, shellcheck on the run: scripts,
is done here.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.static.files import IMAGE_DEFAULT, TAG_DEFAULT, workflow, workflow_names

SHELLCHECK = shutil.which("shellcheck") or str(Path(sys.executable).parent / "shellcheck")
EXPRESSION = re.compile(r"\$\{\{.*?\}\}", re.S)


def steps(name: str, job: str) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = workflow(name)["jobs"][job]["steps"]
    return result


def uses(name: str, job: str) -> list[str]:
    return [step["uses"] for step in steps(name, job) if "uses" in step]


def runs(name: str, job: str) -> str:
    return "\n".join(step.get("run", "") for step in steps(name, job))


def run_scripts() -> list[tuple[str, str, int, str]]:
    found = []
    for name in workflow_names():
        data = workflow(name)
        default_shell = data.get("defaults", {}).get("run", {}).get("shell", "bash")
        for job_id, job in data["jobs"].items():
            for index, step in enumerate(job.get("steps", [])):
                if "run" in step:
                    shell = step.get("shell", default_shell)
                    found.append((name, job_id, index, shell))
    return found


@pytest.mark.parametrize(("name", "job", "index", "shell"), run_scripts())
def test_run_scripts_pass_shellcheck(name: str, job: str, index: int, shell: str) -> None:
    # `remote {0}` (cd.yml) runs the script with bash on the server.
    assert shell in {"bash", "remote {0}"}, f"{name} {job}: check scripts for shell {shell!r}"
    script = steps(name, job)[index]["run"]
    # As actionlint does: an expression becomes a plain word of the same length.
    script = EXPRESSION.sub(lambda m: "_" * len(m[0]), script)
    result = subprocess.run(
        [SHELLCHECK, "--shell=bash", "--format=gcc", "-"],
        input=script,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, f"{name} {job} step {index}:\n{result.stdout}{result.stderr}"


@pytest.mark.parametrize("name", workflow_names())
def test_actions_are_pinned_to_a_release(name: str) -> None:
    for job in workflow(name)["jobs"]:
        for action in uses(name, job):
            assert re.search(r"@(v\d+(\.\d+)*|[0-9a-f]{40})$", action), action


@pytest.mark.parametrize("name", workflow_names())
def test_the_default_token_is_read_only(name: str) -> None:
    assert workflow(name)["permissions"] == {"contents": "read"}


def test_ci_runs_on_push_and_pull_request() -> None:
    assert set(workflow("ci.yml")["on"]) == {"push", "pull_request"}


def test_ci_lints_separately_and_runs_make_test_with_real_services() -> None:
    jobs = workflow("ci.yml")["jobs"]
    assert "make lint typecheck static" in runs("ci.yml", "lint")
    assert "make test" in runs("ci.yml", "test")
    assert set(jobs["test"]["services"]) == {"postgres", "rabbitmq"}
    for job in ["lint", "test"]:
        setup = next(
            s for s in steps("ci.yml", job) if s.get("uses", "").startswith("actions/setup-python@")
        )
        assert setup["with"]["python-version"] == "3.11"
        assert setup["with"]["cache"] == "pip"


def test_ci_builds_the_image_and_runs_the_stack() -> None:
    assert any(a.startswith("docker/build-push-action@") for a in uses("ci.yml", "image"))
    script = runs("ci.yml", "image")
    assert "docker compose up -d --no-build --scale bot=2" in script
    assert "/api/health" in script


def test_cd_follows_a_successful_ci_run_on_main() -> None:
    cd = workflow("cd.yml")
    trigger = cd["on"]["workflow_run"]
    assert trigger["workflows"] == [workflow("ci.yml")["name"]]
    assert trigger["types"] == ["completed"]
    assert trigger["branches"] == ["main"]
    condition = cd["jobs"]["image"]["if"]
    for clause in [
        "github.event.workflow_run.conclusion == 'success'",
        "github.event.workflow_run.event == 'push'",
        "github.event.workflow_run.head_repository.full_name == github.repository",
    ]:
        assert clause in condition
    checkout = steps("cd.yml", "image")[0]
    assert checkout["with"]["ref"] == "${{ github.event.workflow_run.head_sha }}"
    assert cd["concurrency"]["cancel-in-progress"] is False


def test_cd_pushes_sha_and_latest_to_ghcr() -> None:
    job = workflow("cd.yml")["jobs"]["image"]
    assert job["permissions"] == {"contents": "read", "packages": "write"}
    login = next(s for s in job["steps"] if s.get("uses", "").startswith("docker/login-action@"))
    assert login["with"]["registry"] == "ghcr.io"
    assert login["with"]["password"] == "${{ secrets.GITHUB_TOKEN }}"
    build = next(
        s for s in job["steps"] if s.get("uses", "").startswith("docker/build-push-action@")
    )
    tags = build["with"]["tags"].splitlines()
    assert tags == [
        "${{ steps.image.outputs.name }}:${{ github.event.workflow_run.head_sha }}",
        "${{ steps.image.outputs.name }}:latest",
    ]
    assert build["with"]["push"] is True
    assert build["with"]["cache-from"] == "type=gha"


def test_cd_deploys_with_the_documented_secrets() -> None:
    text = (Path(__file__).parents[2] / ".github/workflows/cd.yml").read_text(encoding="utf-8")
    for secret in ["DEPLOY_HOST", "DEPLOY_USER", "DEPLOY_SSH_KEY", "DEPLOY_PATH"]:
        assert f"secrets.{secret}" in text
    # Only the deploy job sees the SSH secrets; it runs after the image job.
    deploy = workflow("cd.yml")["jobs"]["deploy"]
    assert deploy["needs"] == "image"


def test_cd_pins_the_compose_defaults_it_knows() -> None:
    script = runs("cd.yml", "deploy")
    # The sed in cd.yml must find the compose file's defaults (tests/static/files.py).
    assert f"s|\\{IMAGE_DEFAULT}|" in script
    assert f"s|\\{TAG_DEFAULT}|" in script


def test_cd_deploy_sequence() -> None:
    script = runs("cd.yml", "deploy")
    sequence = [
        "docker compose pull",
        "docker compose run --rm -T migrate",
        "docker compose up -d --no-build",
        "/api/health",
    ]
    positions = [script.index(part) for part in sequence]
    assert positions == sorted(positions)
    # The health poll is bounded.
    assert re.search(r"for attempt in \$\(seq 1 \d+\)", script)


def test_the_remote_shell_wrapper_passes_shellcheck() -> None:
    """cd.yml writes `remote` (the `shell: remote {0}` of its server steps) with a heredoc."""
    setup = next(s for s in steps("cd.yml", "deploy") if s.get("id") == "ssh")
    match = re.search(r"cat > remote <<'EOF'\n(.*?)\nEOF\n", setup["run"], re.S)
    assert match, "the remote wrapper's heredoc moved: update this test"
    wrapper = match[1]
    assert wrapper.startswith("#!/usr/bin/env bash\n")
    assert "ssh -n deploy" in wrapper, "stdin must not reach the server's script"
    result = subprocess.run(
        [SHELLCHECK, "--format=gcc", "-"],
        input=wrapper,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
