"""What the bot's pure logic asks the IO shell to do.

The game core and the command router return these plain values; the shell stores message
actions in the outbox and timer actions in the timers table, in the same transaction as the
new state. Nothing here performs IO.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

Color = Literal["primary", "secondary", "positive", "negative"]


@dataclass(frozen=True)
class Button:
    """A button under a message; a press comes back to the game with ``payload``."""

    label: str
    payload: dict[str, Any]
    color: Color = "secondary"


# Rows of buttons; ``()`` takes every button away (an edit), ``None`` leaves them as they are.
Keyboard = tuple[tuple[Button, ...], ...]
NO_BUTTONS: Keyboard = ()


@dataclass(frozen=True)
class SendMessage:
    """Send ``text`` to the chat. ``ref`` names the message so a later EditMessage can find it.

    ``report_shown``: once VK has taken the message, the shell feeds a
    :class:`~app.game.events.MessageShown` with the moment back to the game (a question's
    discussion clock starts when the players can read it, not when it was queued).

    ``image_of``: attach this question's picture (the shell uploads it to VK once and reuses
    the attachment; if it cannot, the text goes out with a line saying so).
    """

    text: str
    keyboard: Keyboard | None = None
    ref: str | None = None
    report_shown: bool = False
    image_of: int | None = None


@dataclass(frozen=True)
class EditMessage:
    """Edit the message sent earlier under ``ref`` (skipped if it never reached VK)."""

    ref: str
    text: str
    keyboard: Keyboard | None = None
    image_of: int | None = None  # keep the question's picture (VK drops what an edit omits)


@dataclass(frozen=True)
class AnswerCallback:
    """Answer a button press; ``text`` shows as a snackbar (None just stops the spinner)."""

    callback_id: str
    user_id: int
    text: str | None = None


@dataclass(frozen=True)
class SetTimer:
    """Fire a timer event named ``name`` at ``due``; ``token`` lets a stale firing be told apart."""

    name: str
    due: datetime
    token: str


@dataclass(frozen=True)
class CancelTimers:
    """Drop every pending timer of this chat (the game ended or moved on), except the lasting
    ones (:data:`LASTING_TIMERS`), which outlive phases and games."""


# Timers a phase change does not cancel: an appeal's window (``app.game.appeals.APPEAL_END``)
# runs on into the next rounds and past the game's end.
LASTING_TIMERS = frozenset({"appeal_end"})


MessageAction = SendMessage | EditMessage | AnswerCallback
TimerAction = SetTimer | CancelTimers
Action = MessageAction | TimerAction
