import subprocess
import sys

import pytest

from app.settings import ConfigError, Settings
from tests.helpers import REPO_ROOT

FULL = {
    "DATABASE_URL": "postgresql+asyncpg://znatoki:s3cret@db:5432/znatoki",
    "AMQP_URL": "amqp://guest:hunter2@mq:5672/",
    "VK_TOKEN": "vk1.a.token",
    "VK_GROUP_ID": "42",
}


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(Settings.model_fields):
        monkeypatch.delenv(name.upper(), raising=False)


def test_loads_and_types_values(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in FULL.items():
        monkeypatch.setenv(key, value)
    settings = Settings.load("DATABASE_URL", "AMQP_URL", "VK_TOKEN", "VK_GROUP_ID")
    assert settings.group_id == 42
    assert settings.token == "vk1.a.token"
    assert settings.vk_api_url == "https://api.vk.com/method"
    assert settings.vk_api_version == "5.199"


def test_missing_required_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", FULL["DATABASE_URL"])
    with pytest.raises(ConfigError) as error:
        Settings.load("DATABASE_URL", "VK_TOKEN")
    assert "VK_TOKEN" in error.value.message
    assert "DATABASE_URL" not in error.value.message


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "postgres://x@y/z"),
        ("AMQP_URL", "http://mq"),
        ("VK_GROUP_ID", "abc"),
        ("VK_GROUP_ID", "-5"),
        ("ADMIN_PORT", "70000"),
        ("LOG_LEVEL", "LOUD"),
        ("VK_API_URL", "ftp://vk"),
        ("GAME_MODE", "show"),
        ("GAME_SPIN_STEP_SECONDS", "0"),
        ("GAME_BLITZ_SECONDS", "3601"),
    ],
)
def test_invalid_value_is_named(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as error:
        Settings.load()
    assert name in error.value.message


def test_game_mode_and_tv_timings_are_game_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings.load().game_defaults().mode == "classic"
    monkeypatch.setenv("GAME_MODE", "tv")
    monkeypatch.setenv("GAME_SPIN_STEP_SECONDS", "2")
    monkeypatch.setenv("GAME_BLITZ_SECONDS", "15")
    defaults = Settings.load().game_defaults()
    assert (defaults.mode, defaults.spin_step_seconds, defaults.blitz_seconds) == ("tv", 2, 15)


def test_describe_hides_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in FULL.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("ADMIN_PASSWORD", "pa55")
    shown = str(Settings.load().describe())
    for secret in ("s3cret", "hunter2", "vk1.a.token", "pa55"):
        assert secret not in shown
    assert "db:5432/znatoki" in shown


def test_service_exits_with_one_clear_line_when_config_is_missing() -> None:
    env = {"PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "poller"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "DATABASE_URL" in done.stderr


def test_retry_delays_and_shards_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UPDATE_RETRY_DELAYS", "0.5, 2,10")
    monkeypatch.setenv("BOT_SHARDS", "0-2,5,9")
    monkeypatch.setenv("UPDATE_SHARDS", "8")
    settings = Settings.load()
    assert settings.retry_delays == (0.5, 2.0, 10.0)
    assert settings.preferred_shards == {0, 1, 2, 5}  # 9 is not a shard of 8
    monkeypatch.setenv("BOT_SHARDS", "")
    assert Settings.load().preferred_shards == set(range(8))


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("UPDATE_RETRY_DELAYS", "1,x"),
        ("UPDATE_RETRY_DELAYS", "0"),
        ("UPDATE_RETRY_DELAYS", ""),
        ("BOT_SHARDS", "a-b"),
        ("BOT_SHARDS", "-3"),
    ],
)
def test_bad_retry_delays_and_shards_are_named(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as error:
        Settings.load()
    assert name in error.value.message
