"""Emulator configuration; separate from server.py so the HTTP modules can import it freely."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class EmulatorConfig:
    host: str = "127.0.0.1"
    port: int = 8081
    group_id: int = 1
    token: str = "emulator-token"  # noqa: S105 - a well-known local default, not a secret
    rate_limit_per_second: int = 20
    history_size: int = 10_000
    log_size: int = 50_000
    # A JSON file the world is loaded from at start and saved to (debounced) after changes;
    # None keeps everything in memory only.
    state_file: str | None = None
    state_save_interval: float = 1.0
    # Callback API: when set, every event is also POSTed there (like VK's Callback API),
    # after the confirmation handshake, with `secret` in the body and X-Retry-Counter on retries.
    callback_url: str | None = None
    callback_secret: str | None = None
    confirmation_code: str = "emulator-confirmation"

    def __post_init__(self) -> None:
        if self.group_id <= 0:
            raise ValueError("group_id must be positive")
        if self.rate_limit_per_second <= 0:
            raise ValueError("rate_limit_per_second must be positive")
        if self.history_size <= 0 or self.log_size <= 0:
            raise ValueError("history_size and log_size must be positive")
        if not self.token:
            raise ValueError("token must not be empty")
        if self.state_save_interval < 0:
            raise ValueError("state_save_interval must not be negative")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> EmulatorConfig:
        env = os.environ if environ is None else environ
        defaults = cls()

        def number(name: str, default: int) -> int:
            raw = env.get(name)
            if raw is None or not raw.strip():
                return default
            try:
                return int(raw)
            except ValueError:
                raise ValueError(f"{name} must be an integer, got {raw!r}") from None

        return cls(
            host=env.get("EMULATOR_HOST") or defaults.host,
            port=number("EMULATOR_PORT", defaults.port),
            group_id=number("EMULATOR_GROUP_ID", defaults.group_id),
            token=env.get("EMULATOR_TOKEN") or defaults.token,
            rate_limit_per_second=number("EMULATOR_RATE_LIMIT", defaults.rate_limit_per_second),
            history_size=number("EMULATOR_HISTORY_SIZE", defaults.history_size),
            log_size=number("EMULATOR_LOG_SIZE", defaults.log_size),
            state_file=(env.get("EMULATOR_STATE_FILE") or "").strip() or None,
            callback_url=(env.get("EMULATOR_CALLBACK_URL") or "").strip() or None,
            callback_secret=env.get("EMULATOR_CALLBACK_SECRET") or None,
            confirmation_code=env.get("EMULATOR_CONFIRMATION_CODE") or defaults.confirmation_code,
        )


def from_env(environ: Mapping[str, str] | None = None) -> EmulatorConfig:
    return EmulatorConfig.from_env(environ)
