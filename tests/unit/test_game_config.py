from app.game.config import BOUNDS, CHOICES, effective
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
        "mode": 5,
        "spin_step_seconds": 11,
        "unknown": 5,
    }
    assert effective(DEFAULTS, bad) == DEFAULTS


def test_every_setting_has_bounds() -> None:
    assert set(BOUNDS) | set(CHOICES) == set(GameSettings.__dataclass_fields__)
    assert not set(BOUNDS) & set(CHOICES)


def test_a_choice_applies_only_with_a_known_value() -> None:
    assert effective(DEFAULTS, {"mode": "tv"}).mode == "tv"
    for bad in ("TV", "", 1, None, True, ["tv"]):
        assert effective(DEFAULTS, {"mode": bad}).mode == "classic"
    got = effective(DEFAULTS, {"spin_step_seconds": 4, "blitz_seconds": 30})
    assert (got.spin_step_seconds, got.blitz_seconds) == (4, 30)
    assert effective(DEFAULTS, {"spin_step_seconds": 0, "blitz_seconds": 0}) == DEFAULTS
