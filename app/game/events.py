"""Everything that can happen to a chat's game, as plain values for the pure state machine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# A button carries the game (``game_id``) and, for a round's buttons, the round it belongs to:
# a press on a message of an earlier game or round is stale, whatever the game does now. None:
# a keyboard sent before buttons carried them (taken as meant for the current game and round).


@dataclass(frozen=True)
class Join:
    """«Играю» pressed; ``name`` was resolved by the shell (users.get, cached)."""

    user_id: int
    name: str
    callback_id: str
    game_id: int | None = None


@dataclass(frozen=True)
class Begin:
    """«Начать игру» pressed."""

    user_id: int
    callback_id: str
    game_id: int | None = None


@dataclass(frozen=True)
class Early:
    """«Досрочный ответ» pressed (``blitz``: the blitz question its button was under)."""

    user_id: int
    callback_id: str
    game_id: int | None = None
    round: int | None = None
    blitz: int | None = None


@dataclass(frozen=True)
class Pick:
    """The captain chose who answers (``target_id`` None: the payload named nobody valid)."""

    user_id: int
    callback_id: str
    target_id: int | None
    game_id: int | None = None
    round: int | None = None


@dataclass(frozen=True)
class UnknownPress:
    """A press whose payload the bot does not understand (old keyboards, garbage)."""

    user_id: int
    callback_id: str


@dataclass(frozen=True)
class ChatMessage:
    """An ordinary chat message: maybe the chosen player's answer."""

    user_id: int
    text: str


@dataclass(frozen=True)
class StartRequested:
    """`/start` while this game is running."""

    user_id: int


@dataclass(frozen=True)
class StopRequested:
    user_id: int


@dataclass(frozen=True)
class InfoRequested:
    user_id: int


@dataclass(frozen=True)
class TimerFired:
    name: str
    token: str


@dataclass(frozen=True)
class MessageShown:
    """VK took the message sent under ``ref`` at ``at`` (reported for ``report_shown`` sends)."""

    ref: str
    at: datetime


Press = Join | Begin | Early | Pick | UnknownPress
GameEvent = (
    Press | ChatMessage | StartRequested | StopRequested | InfoRequested | TimerFired | MessageShown
)

LOBBY_END = "lobby_end"
DISCUSSION_WARN = "discussion_warn"
DISCUSSION_END = "discussion_end"
PICK_END = "pick_end"
ANSWER_END = "answer_end"
PAUSE_END = "pause_end"
SPIN_STEP = "spin_step"  # the TV format's spinning top moves on (app/game/tv.py)
TIMER_NAMES = (
    LOBBY_END,
    DISCUSSION_WARN,
    DISCUSSION_END,
    PICK_END,
    ANSWER_END,
    PAUSE_END,
    SPIN_STEP,
)
