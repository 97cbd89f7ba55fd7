"""Values shared by the game's unit tests."""

from app.game.model import GameSettings

# Every duration differs, so a timer's due tells which setting it came from.
SETTINGS = GameSettings(
    rounds=3,
    lobby_seconds=90,
    discussion_seconds=60,
    pick_seconds=30,
    answer_seconds=45,
    pause_seconds=5,
)
