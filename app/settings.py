"""The one typed settings object of every Znatoki service.

Configuration comes only from environment variables (secrets never live in git). Every
service loads the same :class:`Settings` and names the variables it cannot run without, so a
missing or invalid value stops the service at start with one message naming the variable
instead of failing later in the middle of a game.
"""

from __future__ import annotations

import sys
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.game.config import BOUNDS
from app.game.model import GameSettings


def _timing(default: int, alias: str, name: str) -> Any:
    """A ``GAME_*`` setting within the game's own bounds (``app.game.config.BOUNDS``)."""
    low, high = BOUNDS[name]
    return Field(default=default, alias=alias, ge=low, le=high)


LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
LogFormat = Literal["auto", "text", "json"]


class ConfigError(SystemExit):
    """Raised (and exits with status 2) when the environment cannot configure a service."""

    def __init__(self, message: str) -> None:
        super().__init__(2)
        self.message = message

    def __str__(self) -> str:
        return self.message


class Settings(BaseSettings):
    """All environment variables of the product; see `.env.example` for each one."""

    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    amqp_url: str | None = Field(default=None, alias="AMQP_URL")
    vk_token: SecretStr | None = Field(default=None, alias="VK_TOKEN")
    vk_group_id: int | None = Field(default=None, alias="VK_GROUP_ID", gt=0)
    vk_api_url: str = Field(default="https://api.vk.com/method", alias="VK_API_URL")
    vk_api_version: str = Field(default="5.199", alias="VK_API_VERSION")
    vk_mode: Literal["longpoll", "callback"] = Field(default="longpoll", alias="VK_MODE")
    vk_callback_host: str = Field(default="127.0.0.1", alias="VK_CALLBACK_HOST")
    vk_callback_port: int = Field(default=8082, alias="VK_CALLBACK_PORT", ge=1, le=65535)
    vk_callback_path: str = Field(
        default="/vk/callback", alias="VK_CALLBACK_PATH", pattern=r"^/[A-Za-z0-9/_.-]*$"
    )
    callback_secret: SecretStr | None = Field(default=None, alias="VK_CALLBACK_SECRET")
    confirmation_code: str = Field(default="", alias="VK_CONFIRMATION_CODE")
    vk_rate_limit_scope: Literal["global", "process"] = Field(
        default="global", alias="VK_RATE_LIMIT_SCOPE"
    )
    vk_rate_limit: int = Field(default=20, alias="VK_RATE_LIMIT", ge=1, le=1000)
    vk_longpoll_wait: int = Field(default=25, alias="VK_LONGPOLL_WAIT", ge=1, le=90)
    admin_email: str | None = Field(default=None, alias="ADMIN_EMAIL")
    admin_password: SecretStr | None = Field(default=None, alias="ADMIN_PASSWORD")
    admin_host: str = Field(default="127.0.0.1", alias="ADMIN_HOST")
    admin_port: int = Field(default=8080, alias="ADMIN_PORT", ge=1, le=65535)
    metrics_host: str = Field(default="127.0.0.1", alias="METRICS_HOST")
    metrics_port: int = Field(default=0, alias="METRICS_PORT", ge=0, le=65535)
    log_level: LogLevel = Field(default="INFO", alias="LOG_LEVEL")
    log_format: LogFormat = Field(default="auto", alias="LOG_FORMAT")
    amqp_prefix: str = Field(
        default="znatoki", alias="AMQP_PREFIX", pattern=r"^[A-Za-z0-9_-]{1,64}$"
    )
    update_shards: int = Field(default=4, alias="UPDATE_SHARDS", ge=1, le=256)
    update_retry_delays: str = Field(default="1,5,30,120,600", alias="UPDATE_RETRY_DELAYS")
    bot_shards: str = Field(default="", alias="BOT_SHARDS")
    bot_standby_delay: float = Field(default=3.0, alias="BOT_STANDBY_DELAY", ge=0, le=600)
    bot_prefetch: int = Field(default=64, alias="BOT_PREFETCH", ge=1, le=10_000)
    game_rounds: int = _timing(6, "GAME_ROUNDS", "rounds")
    game_lobby_seconds: int = _timing(60, "GAME_LOBBY_SECONDS", "lobby_seconds")
    game_discussion_seconds: int = _timing(60, "GAME_DISCUSSION_SECONDS", "discussion_seconds")
    game_pick_seconds: int = _timing(30, "GAME_PICK_SECONDS", "pick_seconds")
    game_answer_seconds: int = _timing(60, "GAME_ANSWER_SECONDS", "answer_seconds")
    game_pause_seconds: int = _timing(3, "GAME_PAUSE_SECONDS", "pause_seconds")
    game_appeal_seconds: int = _timing(60, "GAME_APPEAL_SECONDS", "appeal_seconds")
    game_mode: Literal["classic", "tv"] = Field(default="classic", alias="GAME_MODE")
    game_spin_step_seconds: int = _timing(1, "GAME_SPIN_STEP_SECONDS", "spin_step_seconds")
    game_blitz_seconds: int = _timing(20, "GAME_BLITZ_SECONDS", "blitz_seconds")
    # Behind a reverse proxy the admin API sees the proxy's address; trusting the last
    # X-Forwarded-For hop lets login throttling count per real client address instead.
    admin_trust_proxy: bool = Field(default=False, alias="ADMIN_TRUST_PROXY")

    @field_validator("database_url")
    @classmethod
    def _asyncpg_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("postgresql+asyncpg://"):
            raise ValueError("must start with postgresql+asyncpg://")
        return value

    @field_validator("amqp_url")
    @classmethod
    def _amqp_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("amqp://", "amqps://")):
            raise ValueError("must start with amqp:// or amqps://")
        return value

    @field_validator("vk_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("update_retry_delays")
    @classmethod
    def _delays(cls, value: str) -> str:
        parse_delays(value)
        return value

    @field_validator("bot_shards")
    @classmethod
    def _shards(cls, value: str) -> str:
        parse_shards(value)
        return value

    @property
    def retry_delays(self) -> tuple[float, ...]:
        return parse_delays(self.update_retry_delays)

    @property
    def preferred_shards(self) -> set[int]:
        """The shard queues this bot process consumes first (BOT_SHARDS; empty: all)."""
        chosen = parse_shards(self.bot_shards)
        every = set(range(self.update_shards))
        return (chosen & every) if chosen else every

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @classmethod
    def load(cls, *required: str) -> Settings:
        """Read the environment; `required` names the variables this service cannot run without."""
        try:
            settings = cls()
        except ValidationError as exc:
            problems = []
            for error in exc.errors():
                name = str(error["loc"][0]) if error["loc"] else "?"
                problems.append(f"{name}: {error['msg']}")
            raise ConfigError("Invalid configuration: " + "; ".join(problems)) from None
        missing = [name for name in required if getattr(settings, name.lower()) in (None, "")]
        if missing:
            raise ConfigError(
                "Missing required environment variable(s): "
                + ", ".join(missing)
                + " (see .env.example)"
            )
        return settings

    # Typed access to values a service declared as required in load(): no Optional checks
    # scattered through the services.
    @property
    def dsn(self) -> str:
        return _required(self.database_url, "DATABASE_URL")

    @property
    def broker_url(self) -> str:
        return _required(self.amqp_url, "AMQP_URL")

    @property
    def token(self) -> str:
        return _required(self.vk_token.get_secret_value() if self.vk_token else None, "VK_TOKEN")

    @property
    def group_id(self) -> int:
        if self.vk_group_id is None:
            raise ConfigError("Missing required environment variable(s): VK_GROUP_ID")
        return self.vk_group_id

    def game_defaults(self) -> GameSettings:
        """The ``GAME_*`` settings as the game's default timings."""
        return GameSettings(
            rounds=self.game_rounds,
            lobby_seconds=self.game_lobby_seconds,
            discussion_seconds=self.game_discussion_seconds,
            pick_seconds=self.game_pick_seconds,
            answer_seconds=self.game_answer_seconds,
            pause_seconds=self.game_pause_seconds,
            appeal_seconds=self.game_appeal_seconds,
            mode=self.game_mode,
            spin_step_seconds=self.game_spin_step_seconds,
            blitz_seconds=self.game_blitz_seconds,
        )

    def describe(self) -> dict[str, object]:
        """The effective configuration without secrets, for the one start-up log line."""
        shown: dict[str, object] = {}
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            key = field.alias or name.upper()
            if isinstance(value, SecretStr):
                shown[key] = "***" if value.get_secret_value() else ""
            elif isinstance(value, str) and "://" in value:
                shown[key] = _hide_password(value)
            else:
                shown[key] = value
        return shown


def parse_delays(value: str) -> tuple[float, ...]:
    """``"1,5,30"`` → (1.0, 5.0, 30.0): the retry tiers of a failing update, in seconds."""
    try:
        delays = tuple(float(part) for part in value.split(",") if part.strip())
    except ValueError:
        raise ValueError("must be comma-separated seconds, e.g. 1,5,30") from None
    if not 1 <= len(delays) <= 10 or not all(0 < delay <= 86_400 for delay in delays):
        raise ValueError("must list 1 to 10 delays between 0 and 86400 seconds")
    return delays


def parse_shards(value: str) -> set[int]:
    """``"0-3,6"`` → {0, 1, 2, 3, 6}."""
    shards: set[int] = set()
    for part in value.replace(" ", "").split(","):
        if not part:
            continue
        low, _, high = part.partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            raise ValueError("must be shard numbers and ranges, e.g. 0-3,6")
        shards.update(range(int(low), int(high or low) + 1))
    return shards


def _required(value: str | None, name: str) -> str:
    if not value:
        raise ConfigError(f"Missing required environment variable(s): {name}")
    return value


def _hide_password(url: str) -> str:
    scheme, _, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not at:
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else url


def fail(error: ConfigError) -> None:
    """Print the configuration error for an operator and exit without a traceback."""
    print(f"znatoki: {error.message}", file=sys.stderr)
    raise SystemExit(2)
