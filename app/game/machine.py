"""The «Что? Где? Когда?» round state machine: ``(game, event, now) -> (game, actions)``.

Pure: no IO, no clock, no global randomness (the captain is drawn from the game's own seed),
so every transition is reproducible and unit-tested. The IO shell persists the returned game
and executes the actions in the same transaction.

Phases: LOBBY → DISCUSSION → PICK → ANSWER → PAUSE → DISCUSSION (next round) … → FINISHED,
with STOPPED reachable from anywhere by /stop and CLOSED when a lobby times out empty. The TV
format (app/game/tv.py) opens each round with SPIN (the spinning top) instead, and may play a
blitz: the differences live there, this module dispatches to it.
Each phase change bumps ``game.seq``; timers carry it in their token, so a timer of a phase the
game has already left is recognised as stale and ignored.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from app.actions import (
    NO_BUTTONS,
    Action,
    AnswerCallback,
    Button,
    CancelTimers,
    EditMessage,
    Keyboard,
    SendMessage,
    SetTimer,
)
from app.game import appeals, texts, tv
from app.game import events as ev
from app.game.judge import Reason, judge
from app.game.model import MAX_PLAYERS, Game, GameSettings, Phase, Player, Question, RoundResult

Decision = tuple[Game, list[Action]]


# Message refs: the names under which sent messages can be edited later.
def lobby_ref(game: Game) -> str:
    return f"g{game.id}.lobby"


def question_ref(game: Game) -> str:
    """A blitz question's message is its own (".b2": the blitz's second question)."""
    blitz = f".b{game.blitz}" if game.blitz else ""
    return f"g{game.id}.r{game.round}{blitz}.q"


def pick_ref(game: Game) -> str:
    return f"g{game.id}.r{game.round}.pick"


# Every button names its game ("g") and a round's buttons their round ("r"): see events.py.
def lobby_keyboard(game: Game) -> Keyboard:
    return (
        (
            Button("Играю", {"cmd": "join", "g": game.id}, "positive"),
            Button("Начать игру", {"cmd": "begin", "g": game.id}, "primary"),
        ),
    )


def early_keyboard(game: Game) -> Keyboard:
    payload: dict[str, Any] = {"cmd": "early", "g": game.id, "r": game.round}
    if game.blitz:  # a blitz question's button is stale under the next blitz question
        payload["b"] = game.blitz
    return ((Button("Досрочный ответ", payload, "primary"),),)


def pick_keyboard(game: Game) -> Keyboard:
    """One button per player (``MAX_PLAYERS`` of them at most), two to a row."""
    buttons = [
        Button(
            player.name, {"cmd": "pick", "user_id": player.user_id, "g": game.id, "r": game.round}
        )
        for player in game.players
    ]
    return tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))


def _image_of(game: Game) -> int | None:
    """The current question's id when it has a picture: its messages carry the picture."""
    return game.question.id if game.question.image else None


def _question_edit(game: Game, text: str, keyboard: Keyboard) -> EditMessage:
    return EditMessage(question_ref(game), text, keyboard, image_of=_image_of(game))


def _timer(game: Game, name: str, due: datetime) -> SetTimer:
    return SetTimer(name=name, due=due, token=game.timer_token)


# Entry points -----------------------------------------------------------------------------------


def open_lobby(
    game_id: int,
    settings: GameSettings,
    questions: tuple[Question, ...],
    seed: int,
    now: datetime,
    pack_title: str | None = None,
) -> Decision:
    """A new game in the lobby phase. ``questions`` is the deck chosen by the shell (from the
    pack the chat pinned, named by ``pack_title``, or at random)."""
    deadline = now + timedelta(seconds=settings.lobby_seconds)
    game = Game(
        id=game_id,
        phase=Phase.LOBBY,
        settings=settings,
        questions=questions,
        seed=seed,
        created_at=now,
        seq=1,
        deadline=deadline,
        pack_title=pack_title,
    )
    return game, [
        CancelTimers(),
        SendMessage(texts.lobby(game), lobby_keyboard(game), ref=lobby_ref(game)),
        _timer(game, ev.LOBBY_END, deadline),
    ]


def step(game: Game, event: ev.GameEvent, now: datetime) -> Decision:
    """Apply one event to a game. Events that do not apply change nothing (stale is normal)."""
    if game.phase.over:
        return _after_game(game, event)
    if _stale_press(game, event):
        assert isinstance(event, ev.Join | ev.Begin | ev.Early | ev.Pick)
        return game, [AnswerCallback(event.callback_id, event.user_id, texts.TOO_LATE)]
    match event:
        case ev.Join():
            return _join(game, event)
        case ev.Begin():
            return _begin(game, event, now)
        case ev.Early():
            return _early(game, event, now)
        case ev.Pick():
            return _pick(game, event, now)
        case ev.UnknownPress():
            return game, [AnswerCallback(event.callback_id, event.user_id, texts.TOO_LATE)]
        case ev.ChatMessage():
            return _chat_message(game, event, now)
        case ev.StartRequested():
            return game, [SendMessage(texts.already_running(game))]
        case ev.StopRequested():
            return _finish(game, Phase.STOPPED, now)
        case ev.InfoRequested():
            return game, [SendMessage(texts.info(game, now))]
        case ev.TimerFired():
            return _timer_fired(game, event, now)
        case ev.MessageShown():
            return _question_shown(game, event)
    raise TypeError(f"unknown event {event!r}")  # pragma: no cover - exhaustive above


# How far a late question may push its discussion's end: the sender reports a question as
# shown when VK answered its send; under VK's budget that is a second or two after the commit.
# The cap keeps a wrong report (a clock jump, a re-send after a crash) from stretching a round.
MAX_SHOWN_DELAY = timedelta(seconds=15)


def _stale_press(game: Game, event: ev.GameEvent) -> bool:
    """A press on a button of another game, or of another round of this one."""
    if not isinstance(event, ev.Join | ev.Begin | ev.Early | ev.Pick):
        return False
    if event.game_id is not None and event.game_id != game.id:
        return True
    if isinstance(event, ev.Early) and event.blitz is not None and event.blitz != game.blitz:
        return True
    return (
        isinstance(event, ev.Early | ev.Pick)
        and event.round is not None
        and event.round != game.round
    )


def _after_game(game: Game, event: ev.GameEvent) -> Decision:
    if isinstance(event, ev.Join | ev.Begin | ev.Early | ev.Pick | ev.UnknownPress):
        return game, [AnswerCallback(event.callback_id, event.user_id, texts.GAME_OVER)]
    return game, []


# Presses ----------------------------------------------------------------------------------------


def _join(game: Game, event: ev.Join) -> Decision:
    def answer(text: str) -> AnswerCallback:
        return AnswerCallback(event.callback_id, event.user_id, text)

    if game.phase is not Phase.LOBBY:
        return game, [answer(texts.LOBBY_OVER)]
    if game.player(event.user_id):
        return game, [answer(texts.ALREADY_JOINED)]
    if len(game.players) >= MAX_PLAYERS:
        return game, [answer(texts.TEAM_FULL)]
    game = replace(game, players=(*game.players, Player(event.user_id, event.name)))
    return game, [
        answer(texts.JOINED),
        EditMessage(lobby_ref(game), texts.lobby(game), lobby_keyboard(game)),
    ]


def _begin(game: Game, event: ev.Begin, now: datetime) -> Decision:
    if game.phase is not Phase.LOBBY:
        return game, [AnswerCallback(event.callback_id, event.user_id, texts.ALREADY_STARTED)]
    if not game.player(event.user_id):
        return game, [AnswerCallback(event.callback_id, event.user_id, texts.JOIN_FIRST)]
    game, actions = _start_game(game, now)
    return game, [AnswerCallback(event.callback_id, event.user_id, None), *actions]


def _early(game: Game, event: ev.Early, now: datetime) -> Decision:
    if game.phase is not Phase.DISCUSSION:
        return game, [AnswerCallback(event.callback_id, event.user_id, texts.TOO_LATE)]
    if event.user_id != game.captain_id:
        return game, [AnswerCallback(event.callback_id, event.user_id, texts.CAPTAIN_ONLY_EARLY)]
    game, actions = _end_discussion(game, now)
    return game, [AnswerCallback(event.callback_id, event.user_id, texts.EARLY_OK), *actions]


def _pick(game: Game, event: ev.Pick, now: datetime) -> Decision:
    def answer(text: str | None) -> AnswerCallback:
        return AnswerCallback(event.callback_id, event.user_id, text)

    if game.phase is not Phase.PICK:
        return game, [answer(texts.TOO_LATE)]
    if event.user_id != game.captain_id:
        return game, [answer(texts.CAPTAIN_ONLY_PICK)]
    if game.player(event.target_id) is None:
        return game, [answer(texts.NOT_A_PLAYER)]
    assert event.target_id is not None
    game, actions = _start_answer(game, event.target_id, now)
    return game, [answer(texts.PICKED), *actions]


# Messages and timers ----------------------------------------------------------------------------


def _chat_message(game: Game, event: ev.ChatMessage, now: datetime) -> Decision:
    if game.phase is Phase.ANSWER and event.user_id == game.answerer_id and event.text.strip():
        return _verdict(game, event.text.strip(), now)
    return game, []


def _timer_fired(game: Game, event: ev.TimerFired, now: datetime) -> Decision:
    if event.token != game.timer_token:
        return game, []  # a timer of a phase this game already left
    match (game.phase, event.name):
        case (Phase.LOBBY, ev.LOBBY_END):
            if game.players:
                return _start_game(game, now)
            return _close_lobby(game, now)
        case (Phase.DISCUSSION, ev.DISCUSSION_WARN) if not game.warned:
            game = replace(game, warned=True)
            text = texts.question(game, warned=True)
            return game, [_question_edit(game, text, early_keyboard(game))]
        case (Phase.DISCUSSION, ev.DISCUSSION_END):
            return _end_discussion(game, now)
        case (Phase.PICK, ev.PICK_END):
            assert game.captain_id is not None
            return _start_answer(game, game.captain_id, now)
        case (Phase.ANSWER, ev.ANSWER_END):
            return _verdict(game, None, now)
        case (Phase.PAUSE, ev.PAUSE_END):
            return _after_round(game, now)
        case (Phase.SPIN, ev.SPIN_STEP):
            return tv.spin_step(game, now)
    return game, []


def _question_shown(game: Game, event: ev.MessageShown) -> Decision:
    """The players can read the question only from ``event.at``: the discussion runs from then.

    The round was opened (and its timers set) when the question was queued; VK took it
    ``delay`` later, so the deadline and its timers move by that much, once per round. Under
    VK's budget, hundreds of rounds starting together reach their chats over a second or two;
    each chat's discussion still lasts the promised time.
    """
    if (
        game.phase is not Phase.DISCUSSION
        or event.ref != question_ref(game)
        or game.shown_at is not None
        or game.round_started_at is None
        or game.deadline is None
    ):
        return game, []
    delay = min(max(event.at - game.round_started_at, timedelta(0)), MAX_SHOWN_DELAY)
    if not delay:
        return replace(game, shown_at=event.at), []
    # A new timer token: the round's old timers are cancelled and, if one fires anyway, stale.
    game = game.moved(Phase.DISCUSSION, shown_at=event.at, deadline=game.deadline + delay)
    return game, [CancelTimers(), *_discussion_timers(game)]


# Transitions ------------------------------------------------------------------------------------


def _start_game(game: Game, now: datetime) -> Decision:
    captain = random.Random(game.seed).choice(sorted(p.user_id for p in game.players))
    game = replace(game, captain_id=captain, started_at=now)
    actions: list[Action] = [
        EditMessage(lobby_ref(game), texts.lobby_closed(game), NO_BUTTONS),
        SendMessage(texts.captain(game)),
    ]
    game, round_actions = _start_round(game, 1, now)
    return game, actions + round_actions


def _start_round(game: Game, number: int, now: datetime) -> Decision:
    if game.tv:
        return tv.start_round(game, number, now)
    return open_discussion(game, now, round=number)


def open_discussion(game: Game, now: datetime, **changes: Any) -> Decision:
    """Ask the current question (after ``changes``: a round, a blitz question) and start its
    discussion clock."""
    game = game.moved(
        Phase.DISCUSSION,
        round_started_at=now,
        shown_at=None,
        answerer_id=None,
        warned=False,
        **changes,
    )
    game = replace(game, deadline=now + timedelta(seconds=game.discussion_seconds))
    question = SendMessage(
        texts.question(game),
        early_keyboard(game),
        ref=question_ref(game),
        report_shown=True,
        image_of=_image_of(game),
    )
    return game, [CancelTimers(), question, *_discussion_timers(game)]


def _discussion_timers(game: Game) -> list[Action]:
    """The discussion's end and, for a long one not yet warned, the 10-seconds warning."""
    assert game.deadline is not None
    timers: list[Action] = [_timer(game, ev.DISCUSSION_END, game.deadline)]
    if game.discussion_seconds > texts.WARNING_SECONDS and not game.warned:
        warn_at = game.deadline - timedelta(seconds=texts.WARNING_SECONDS)
        timers.append(_timer(game, ev.DISCUSSION_WARN, warn_at))
    return timers


def _end_discussion(game: Game, now: datetime) -> Decision:
    close = _question_edit(game, texts.question(game, closed=True), NO_BUTTONS)
    # The blitz's answerer, named once, answers its later questions; a lone player answers.
    named = game.blitz_answerer_id or (game.captain_id if len(game.players) == 1 else None)
    if named is not None:
        game, actions = _start_answer(game, named, now)
        return game, [close, *actions]
    deadline = now + timedelta(seconds=game.settings.pick_seconds)
    game = game.moved(Phase.PICK, deadline=deadline)
    return game, [
        close,
        CancelTimers(),
        SendMessage(texts.pick(game), pick_keyboard(game), ref=pick_ref(game)),
        _timer(game, ev.PICK_END, deadline),
    ]


def _start_answer(game: Game, answerer_id: int, now: datetime) -> Decision:
    actions: list[Action] = []
    if game.phase is Phase.PICK:
        text = texts.pick(game, chosen=answerer_id)
        actions.append(EditMessage(pick_ref(game), text, NO_BUTTONS))
    deadline = now + timedelta(seconds=game.settings.answer_seconds)
    game = game.moved(Phase.ANSWER, answerer_id=answerer_id, deadline=deadline)
    return game, [
        *actions,
        CancelTimers(),
        SendMessage(texts.answer_prompt(game)),
        _timer(game, ev.ANSWER_END, deadline),
    ]


def judged(game: Game, given: str | None) -> tuple[bool, Reason]:
    """The judge's verdict on ``given`` for the current question (None: silence)."""
    if given is None:  # silence: nothing to judge
        return False, Reason.EMPTY
    question = game.question
    verdict = judge(given, question.accepted, question.rejected)
    return verdict.correct, verdict.reason


def _verdict(game: Game, given: str | None, now: datetime) -> Decision:
    if game.blitz:
        return tv.blitz_verdict(game, given, now)
    correct, reason = judged(game, given)
    return end_round(game, given, correct, reason, now, texts.verdict)


def end_round(
    game: Game,
    given: str | None,
    correct: bool,
    reason: Reason,
    now: datetime,
    render: Callable[[Game, bool, str | None], str],
) -> Decision:
    """Record the round's result and point, say so (``render``), then pause or go on."""
    question = game.question
    result = RoundResult(
        number=game.round,
        question_id=question.id,
        answerer_id=game.answerer_id,
        answer_text=given,
        correct=correct,
        started_at=game.round_started_at or now,
        answered_at=now if given is not None else None,
        reason=reason.value,
    )
    game = replace(
        game,
        results=(*game.results, result),
        score_team=game.score_team + int(correct),
        score_bot=game.score_bot + int(not correct),
    )
    message, window = _verdict_message(game, result, render(game, correct, given))
    if not game.has_next_round or game.settings.pause_seconds <= 0:
        game, actions = _after_round(game, now)
        return game, [message, *actions, *window]
    deadline = now + timedelta(seconds=game.settings.pause_seconds)
    game = game.moved(Phase.PAUSE, deadline=deadline, answerer_id=None)
    return game, [message, CancelTimers(), _timer(game, ev.PAUSE_END, deadline), *window]


def _verdict_message(
    game: Game, result: RoundResult, text: str
) -> tuple[SendMessage, list[Action]]:
    """The verdict; a wrong answer's carries the «Апелляция» button, taken off by a lasting
    timer when the window closes (listed after any CancelTimers, which spares it)."""
    end = appeals.window_end(game, result)
    ref = appeals.verdict_ref(game.id, result.number)
    if end is None:
        return SendMessage(text, ref=ref), []
    text = f"{text}\n{texts.appeal_hint(game)}"
    keyboard = appeals.appeal_keyboard(game.id, result.number)
    timer = SetTimer(appeals.APPEAL_END, end, appeals.timer_token(game.id, result.number))
    return SendMessage(text, keyboard, ref=ref), [timer]


def _after_round(game: Game, now: datetime) -> Decision:
    if game.has_next_round:
        return _start_round(game, game.round + 1, now)
    return _finish(game, Phase.FINISHED, now)


def _closing_edit(game: Game) -> list[Action]:
    """Take the buttons off the message that still shows them when a game ends early."""
    if game.phase is Phase.LOBBY:
        return [EditMessage(lobby_ref(game), texts.lobby_closed(game), NO_BUTTONS)]
    if game.phase is Phase.DISCUSSION:
        return [_question_edit(game, texts.question(game, closed=True), NO_BUTTONS)]
    if game.phase is Phase.PICK:
        return [EditMessage(pick_ref(game), texts.pick(game), NO_BUTTONS)]
    return []


def _finish(game: Game, phase: Phase, now: datetime) -> Decision:
    closing = _closing_edit(game)
    game = game.moved(phase, deadline=None, answerer_id=None, finished_at=now)
    return game, [*closing, CancelTimers(), SendMessage(texts.results(game))]


def _close_lobby(game: Game, now: datetime) -> Decision:
    closing = _closing_edit(game)
    game = game.moved(Phase.CLOSED, deadline=None, finished_at=now)
    return game, [*closing, CancelTimers(), SendMessage(texts.nobody_joined())]
