"""docker-compose.yml: the services, how they wait for each other, scaling, configuration.

The compose-spec schema (scripts/check-static.sh) says the file is well-formed; these say it
runs this product: the rules no schema knows.
"""

from __future__ import annotations

import re

import pytest

from tests.helpers import REPO_ROOT
from tests.static.files import (
    COMPOSE,
    IMAGE,
    compose,
    env_example,
    operations_section,
    services,
)

APP_SERVICES = {
    "migrate": ["alembic", "upgrade", "head"],
    "poller": ["python", "-m", "poller"],
    "bot": ["python", "-m", "app"],
    "admin_api": ["python", "-m", "admin_api"],
    "vk-emulator": ["python", "-m", "vk_emulator"],
}
LONG_RUNNING = ["postgres", "rabbitmq", "poller", "bot", "admin_api", "vk-emulator"]
WAIT_FOR_MIGRATIONS = ["poller", "bot", "admin_api"]


def environment(service: str) -> dict[str, str]:
    env = services()[service].get("environment", {})
    assert isinstance(env, dict), f"{service}: write environment as a mapping"
    return {key: str(value) for key, value in env.items()}


def test_services() -> None:
    assert set(services()) == {"postgres", "rabbitmq", *APP_SERVICES}


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_services_run_the_one_image(service: str) -> None:
    spec = services()[service]
    assert spec["image"] == IMAGE
    assert spec["build"] == "."
    assert spec["command"] == APP_SERVICES[service]
    # Read .env (required: false, so `docker compose up -d postgres` works without one).
    assert {"path": ".env", "required": False} in spec["env_file"]


@pytest.mark.parametrize("service", [s for s in APP_SERVICES if s != "migrate"])
def test_the_command_is_a_module_of_this_repository(service: str) -> None:
    module = APP_SERVICES[service][-1]
    assert (REPO_ROOT / module / "__main__.py").is_file()


def test_no_fixed_container_names() -> None:
    named = [name for name, spec in services().items() if "container_name" in spec]
    assert named == [], "container_name breaks scaling and parallel projects"


def test_the_bot_scales() -> None:
    bot = services()["bot"]
    assert "container_name" not in bot
    assert "ports" not in bot, "`--scale bot=3` cannot publish one host port three times"
    assert "hostname" not in bot
    # The scale survives a plain `docker compose up -d` (as CD runs it) through BOT_REPLICAS.
    assert bot["deploy"]["replicas"] == "${BOT_REPLICAS:-1}"


@pytest.mark.parametrize("service", WAIT_FOR_MIGRATIONS)
def test_services_wait_for_the_migrations_and_the_broker(service: str) -> None:
    depends = services()[service]["depends_on"]
    assert depends["migrate"]["condition"] == "service_completed_successfully"
    assert depends["rabbitmq"]["condition"] == "service_healthy"


def test_migrate_is_one_shot_after_postgres() -> None:
    migrate = services()["migrate"]
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "healthcheck" not in migrate


@pytest.mark.parametrize("service", LONG_RUNNING)
def test_long_running_services_restart(service: str) -> None:
    assert services()[service]["restart"] in {"unless-stopped", "always"}


@pytest.mark.parametrize("service", ["postgres", "rabbitmq", "admin_api", "vk-emulator"])
def test_healthchecks(service: str) -> None:
    check = services()[service]["healthcheck"]
    assert check["test"][0] in {"CMD", "CMD-SHELL"}
    assert check.get("retries", 3) >= 3


def test_admin_api_is_published_and_checked_on_its_port() -> None:
    admin = services()["admin_api"]
    env = environment("admin_api")
    assert env["ADMIN_HOST"] == "0.0.0.0"
    port = env["ADMIN_PORT"]
    assert admin["ports"] == [f"${{ADMIN_HOST:-127.0.0.1}}:${{ADMIN_PORT:-8080}}:{port}"]
    probe = " ".join(admin["healthcheck"]["test"])
    assert f"urlopen('http://127.0.0.1:{port}/api/health'" in probe


def test_data_lives_in_named_volumes() -> None:
    volumes = compose()["volumes"]
    for service, target in [
        ("postgres", "/var/lib/postgresql/data"),
        ("rabbitmq", "/var/lib/rabbitmq"),
    ]:
        mounts = [m.split(":") for m in services()[service]["volumes"]]
        assert [m for m in mounts if m[1] == target and m[0] in volumes], service
    # RabbitMQ's data directory is named after the node, rabbit@<hostname>.
    assert services()["rabbitmq"]["hostname"] == "rabbitmq"


def test_rabbitmq_has_the_management_ui() -> None:
    rabbitmq = services()["rabbitmq"]
    assert rabbitmq["image"].endswith("-management")
    assert "127.0.0.1:15672:15672" in rabbitmq["ports"]


@pytest.mark.parametrize("service", ["postgres", "rabbitmq", "vk-emulator"])
def test_infrastructure_ports_stay_on_loopback(service: str) -> None:
    for mapping in services()[service].get("ports", []):
        assert mapping.startswith("127.0.0.1:"), mapping


def test_urls_point_at_the_compose_services_with_their_credentials() -> None:
    postgres = environment("postgres")
    rabbitmq = environment("rabbitmq")
    expected = {
        "DATABASE_URL": (
            f"postgresql+asyncpg://{postgres['POSTGRES_USER']}:{postgres['POSTGRES_PASSWORD']}"
            f"@postgres:5432/{postgres['POSTGRES_DB']}"
        ),
        "AMQP_URL": (
            f"amqp://{rabbitmq['RABBITMQ_DEFAULT_USER']}:{rabbitmq['RABBITMQ_DEFAULT_PASS']}"
            "@rabbitmq:5672/"
        ),
    }
    for service in ["migrate", "poller", "bot", "admin_api"]:
        env = environment(service)
        for name, url in expected.items():
            assert env[name] == url, (service, name)


def test_the_defaults_match_env_example() -> None:
    """With .env copied from .env.example, `make run` outside Docker reaches these servers."""
    documented = env_example()
    postgres = environment("postgres")
    defaults = {}
    for name in ["POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"]:
        match = re.fullmatch(r"\$\{\w+:-([^}]*)\}", postgres[name])
        assert match, f"postgres: {name} should be ${{VAR:-default}}"
        defaults[name] = match[1]
    assert documented["DATABASE_URL"] == (
        f"postgresql+asyncpg://{defaults['POSTGRES_USER']}:{defaults['POSTGRES_PASSWORD']}"
        f"@127.0.0.1:5432/{defaults['POSTGRES_DB']}"
    )
    assert documented["AMQP_URL"] == "amqp://guest:guest@127.0.0.1:5672/"


def test_the_emulator_is_optional_and_reachable() -> None:
    emulator = services()["vk-emulator"]
    assert emulator["profiles"] == ["emulator"]
    env = environment("vk-emulator")
    assert env["EMULATOR_HOST"] == "0.0.0.0"
    url = f"http://vk-emulator:{env['EMULATOR_PORT']}/method"
    assert f"VK_API_URL={url}" in COMPOSE.read_text(encoding="utf-8")
    assert f"VK_API_URL={url}" in operations_section("Deployment")
    for service in ["poller", "bot"]:
        dependency = services()[service]["depends_on"]["vk-emulator"]
        assert dependency == {"condition": "service_healthy", "required": False}


def test_variables_passed_to_the_services_are_documented_in_env_example() -> None:
    documented = env_example()
    for service in APP_SERVICES:
        missing = set(environment(service)) - set(documented)
        assert not missing, f"{service} gets variables .env.example does not document: {missing}"


def test_compose_variables_are_documented() -> None:
    """Each ${VAR} compose interpolates is in .env.example or in docs/operations.md, Deployment."""
    text = "\n".join(
        line
        for line in COMPOSE.read_text(encoding="utf-8").splitlines()
        if not line.lstrip().startswith("#")
    )
    used = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", text))
    deployment = operations_section("Deployment")
    undocumented = {
        name for name in used if name not in env_example() and f"`{name}`" not in deployment
    }
    assert not undocumented
