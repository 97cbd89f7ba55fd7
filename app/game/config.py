"""Game timings: the defaults (``GAME_*`` settings, read by the shell), overridden per chat
(the admin API edits overrides), within the same bounds everywhere."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

from app.game.model import GameSettings

# Sane bounds for every setting; the admin API validates against the same table.
BOUNDS: dict[str, tuple[int, int]] = {
    "rounds": (1, 50),
    "lobby_seconds": (1, 3600),
    "discussion_seconds": (1, 3600),
    "pick_seconds": (1, 3600),
    "answer_seconds": (1, 3600),
    "pause_seconds": (0, 600),
    "appeal_seconds": (0, 3600),
}


def effective(defaults: GameSettings, overrides: dict[str, Any]) -> GameSettings:
    """Apply a chat's overrides; unknown keys and out-of-bounds values are ignored."""
    valid: dict[str, int] = {}
    for field in fields(GameSettings):
        value = overrides.get(field.name)
        low, high = BOUNDS[field.name]
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            valid[field.name] = value
    return replace(defaults, **valid)
