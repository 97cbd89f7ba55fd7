"""Game settings: the defaults (``GAME_*`` settings, read by the shell), overridden per chat
(the admin API edits overrides), within the same bounds (or choices) everywhere."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

from app.game.model import GameSettings

# Sane bounds for every numeric setting; the admin API validates against the same table.
BOUNDS: dict[str, tuple[int, int]] = {
    "rounds": (1, 50),
    "lobby_seconds": (1, 3600),
    "discussion_seconds": (1, 3600),
    "pick_seconds": (1, 3600),
    "answer_seconds": (1, 3600),
    "pause_seconds": (0, 600),
    "appeal_seconds": (0, 3600),
    "spin_step_seconds": (1, 10),
    "blitz_seconds": (1, 3600),
}

# The allowed values of every choice setting (a string); the admin API offers the same ones.
CHOICES: dict[str, tuple[str, ...]] = {
    "mode": ("classic", "tv"),
}


def valid(name: str, value: object) -> bool:
    """Whether ``value`` is one the bot would apply for the setting ``name``."""
    if name in CHOICES:
        return isinstance(value, str) and value in CHOICES[name]
    if name in BOUNDS:
        low, high = BOUNDS[name]
        return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
    return False


def effective(defaults: GameSettings, overrides: dict[str, Any]) -> GameSettings:
    """Apply a chat's overrides; unknown keys and out-of-bounds values are ignored."""
    applied = {
        field.name: overrides[field.name]
        for field in fields(GameSettings)
        if valid(field.name, overrides.get(field.name))
    }
    return replace(defaults, **applied)
