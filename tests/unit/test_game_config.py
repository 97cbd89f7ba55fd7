from app.game.config import BOUNDS, effective
from app.game.model import GameSettings

DEFAULTS = GameSettings(rounds=6, lobby_seconds=60)


def test_overrides_apply_within_bounds() -> None:
    got = effective(DEFAULTS, {"rounds": 3, "pause_seconds": 0, "answer_seconds": 90})
    assert (got.rounds, got.pause_seconds, got.answer_seconds) == (3, 0, 90)
    assert got.lobby_seconds == 60


def test_invalid_overrides_are_ignored() -> None:
    bad = {
        "rounds": 0,
        "lobby_seconds": 10**6,
        "pick_seconds": "30",
        "answer_seconds": True,
        "discussion_seconds": None,
        "unknown": 5,
    }
    assert effective(DEFAULTS, bad) == DEFAULTS


def test_every_setting_has_bounds() -> None:
    assert set(BOUNDS) == set(GameSettings.__dataclass_fields__)
