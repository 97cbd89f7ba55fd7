"""Appeals (апелляции), the pure part: who may appeal which round and when, and what a
decision does to the game. No IO: the shell (``app/bot/appeal_router.py``) stores the appeal,
asks VK who the conversation's admins are, and persists what these functions return.

Rules:
- only a round judged wrong on a given answer can be appealed (silence cannot), by the game's
  captain, within ``settings.appeal_seconds`` of the answer, once per round;
- accepting flips the round: the answer counts, the team gains the point the bot loses, in the
  stored game whether it still runs or is over; rejecting changes no score;
- a decision is taken once (the shell's atomic update decides who was first).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from app.actions import NO_BUTTONS, Button, EditMessage, Keyboard
from app.game import texts
from app.game.model import BLITZ_SECTOR, Game, RoundResult

PENDING = "pending"
ACCEPTED = "accepted"
REJECTED = "rejected"

APPEAL_END = "appeal_end"  # the timer that takes the button off the verdict when time is up

# Snackbars (VK shows at most 90 characters).
FILED = "Апелляция подана. Решают администраторы беседы."
CAPTAIN_ONLY = "Апелляцию подаёт только капитан."
WINDOW_OVER = "Время для апелляции вышло."
ALREADY_FILED = "Апелляция на этот раунд уже подана."
NOT_APPEALABLE = "Этот ответ нельзя обжаловать."
ADMINS_ONLY = "Решение принимает администратор беседы."
ALREADY_DECIDED = "Апелляция уже рассмотрена."
DECIDED = "Решение принято."


def verdict_ref(game_id: int, number: int) -> str:
    """The verdict message of a round (it carries the «Апелляция» button)."""
    return f"g{game_id}.r{number}.verdict"


def appeal_ref(appeal_id: int) -> str:
    """The message that asks the conversation's admins to decide."""
    return f"appeal{appeal_id}"


def timer_token(game_id: int, number: int) -> str:
    return f"{game_id}:r{number}:appeal"


def parse_timer_token(token: str) -> tuple[int, int] | None:
    """(game id, round) of an appeal window's timer token; None for anything else."""
    game, _, rest = token.partition(":r")
    number, _, tail = rest.partition(":")
    if tail != "appeal" or not game.isdigit() or not number.isdigit():
        return None
    return int(game), int(number)


def appeal_keyboard(game_id: int, number: int) -> Keyboard:
    return ((Button("Апелляция", {"cmd": "appeal", "g": game_id, "r": number}, "negative"),),)


def decision_keyboard(appeal_id: int) -> Keyboard:
    return (
        (
            Button("Принять", {"cmd": "decide", "a": appeal_id, "ok": True}, "positive"),
            Button("Отклонить", {"cmd": "decide", "a": appeal_id, "ok": False}, "negative"),
        ),
    )


def appealable(game: Game, result: RoundResult) -> bool:
    """A verdict that offers the button: wrong on a given answer, appeals switched on, in a
    classic game. Not in the TV format: there the points decide when the game ends (first to
    six), so a point moved afterwards would leave a game that should have ended, or should not
    have; and a blitz's point needs all three answers right, which one appeal cannot give."""
    return (
        not result.correct
        and bool(result.answer_text)
        and game.settings.appeal_seconds > 0
        and game.settings.mode != "tv"
        and not _blitz_round(game, result.number)
    )


def _blitz_round(game: Game, number: int) -> bool:
    return len(game.sectors) >= number and game.sectors[number - 1] == BLITZ_SECTOR


def window_end(game: Game, result: RoundResult) -> datetime | None:
    """When the round can no longer be appealed (None: it never could)."""
    if not appealable(game, result):
        return None
    answered = result.answered_at or result.started_at
    return answered + timedelta(seconds=game.settings.appeal_seconds)


def result_of(game: Game, number: int) -> RoundResult | None:
    return next((r for r in game.results if r.number == number), None)


def refusal(game: Game, number: int, user_id: int, now: datetime) -> str | None:
    """Why the captain's press cannot file an appeal for round ``number`` (None: it can)."""
    result = result_of(game, number)
    end = window_end(game, result) if result is not None else None
    if result is None or end is None:
        return NOT_APPEALABLE
    if user_id != game.captain_id:
        return CAPTAIN_ONLY
    if result.appeal is not None:
        return ALREADY_FILED
    if now > end:
        return WINDOW_OVER
    return None


def _with_result(game: Game, result: RoundResult) -> Game:
    results = tuple(result if r.number == result.number else r for r in game.results)
    return replace(game, results=results)


def file(game: Game, number: int) -> Game:
    """The game with round ``number``'s appeal pending."""
    result = result_of(game, number)
    assert result is not None
    return _with_result(game, replace(result, appeal=PENDING))


def decide(game: Game, number: int, accepted: bool) -> Game:
    """The game after the decision: accepting flips a wrong round to right (team +1, bot −1).

    Idempotent: a round already accepted is not flipped twice."""
    result = result_of(game, number)
    assert result is not None
    if not accepted:
        return _with_result(game, replace(result, appeal=REJECTED))
    if result.correct:
        return _with_result(game, replace(result, appeal=ACCEPTED))
    game = _with_result(game, replace(result, appeal=ACCEPTED, correct=True))
    return replace(game, score_team=game.score_team + 1, score_bot=game.score_bot - 1)


def as_of(game: Game, number: int) -> Game:
    """The game as it was right after round ``number``'s verdict (to render that verdict
    again, with the score of then): round, results and score cut back to that round."""
    results = tuple(r for r in game.results if r.number <= number)
    team = sum(r.correct for r in results)
    return replace(
        game, round=number, results=results, score_team=team, score_bot=len(results) - team
    )


def verdict_without_button(game: Game, number: int) -> EditMessage | None:
    """The round's verdict again, its «Апелляция» button taken off (when the window closes or
    the appeal is filed); None when the round never offered one. The text is rendered from the
    game as it was after that verdict, so it reads as it did."""
    result = result_of(game, number)
    if result is None or window_end(game, result) is None:
        return None
    then = as_of(game, number)
    text = texts.verdict(then, result.correct, result.answer_text)
    return EditMessage(verdict_ref(game.id, number), text, NO_BUTTONS)


def window_closed(game: Game, number: int) -> list[EditMessage]:
    """The appeal window's timer fired: take the button off, unless the appeal was filed
    (filing took it off already)."""
    result = result_of(game, number)
    if result is None or result.appeal is not None:
        return []
    edit = verdict_without_button(game, number)
    return [edit] if edit is not None else []
