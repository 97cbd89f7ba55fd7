"""The «Что? Где? Когда?» state machine (app/game/machine.py): every phase × every event.

The machine is pure, so every test builds a game with the helpers below, feeds it events
through ``step`` at a fixed clock and looks at the returned game and actions.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import json
import random
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest

from app.actions import (
    LASTING_TIMERS,
    Action,
    AnswerCallback,
    CancelTimers,
    EditMessage,
    Keyboard,
    SendMessage,
    SetTimer,
)
from app.game import appeals, texts, tv
from app.game import events as ev
from app.game.machine import (
    MAX_SHOWN_DELAY,
    lobby_ref,
    open_lobby,
    pick_ref,
    question_ref,
    step,
)
from app.game.model import (
    BLITZ_SECTOR,
    MAX_PLAYERS,
    Game,
    GameSettings,
    Phase,
    Question,
    RoundResult,
    to_json,
)
from app.vk.keyboard import render
from tests.unit.game_fixtures import SETTINGS

# hypothesis is optional (not a declared test dependency): the seeded random walks below
# check the same invariants; with hypothesis installed, a shrinking property test runs too.
hypothesis: Any
strategies: Any
try:
    hypothesis = importlib.import_module("hypothesis")
    strategies = importlib.import_module("hypothesis.strategies")
except ImportError:  # pragma: no cover - depends on the environment
    hypothesis = strategies = None

# Fixtures ---------------------------------------------------------------------------------------

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
GAME_ID = 7
SEED = 12345

ALICE, BOB, CAROL, DAVE, STRANGER = 101, 102, 103, 104, 999
NAMES = {ALICE: "Алиса", BOB: "Борис", CAROL: "Карина", DAVE: "Денис"}
TEAM = (ALICE, BOB, CAROL)

DECK = (
    Question(11, "Столица Франции?", "Париж", ("Paris",), "Город на Сене."),
    Question(12, "Автор «Евгения Онегина»?", "Пушкин"),
    Question(13, "Год Бородинского сражения?", "1812", comment="Отечественная война."),
    Question(14, "Кто составил периодическую таблицу?", "Менделеев"),
    Question(15, "Самая длинная река Франции?", "Луара", ("Loire",)),
)
QUESTIONS = DECK[:3]

# The TV format: more rounds than any classic test deck, and each timing still its own.
TV_SETTINGS = dataclasses.replace(SETTINGS, mode="tv", spin_step_seconds=2, blitz_seconds=20)
TV_ANSWERS = (
    "Париж",
    "Пушкин",
    "1812",
    "Менделеев",
    "Луара",
    "Байкал",
    "Эверест",
    "Волга",
    "Гагарин",
    "Ломоносов",
    "Суворов",
    "Кутузов",
    "Шишкин",
)
TV_DECK = tuple(Question(200 + n, f"Вопрос {n}?", answer) for n, answer in enumerate(TV_ANSWERS))


def _first_seed(first_sector: Callable[[int], bool]) -> int:
    return next(seed for seed in range(10_000) if first_sector(tv.spin(seed, 1).sector))


# A seed whose first spin plays an ordinary question, and one whose first spin is the blitz.
TV_SEED = _first_seed(lambda sector: sector != BLITZ_SECTOR)
BLITZ_SEED = _first_seed(lambda sector: sector == BLITZ_SECTOR)


TIMER_NAMES = ev.TIMER_NAMES

# The timer that ends each phase and the setting that gives its length.
MAIN_TIMER = {
    Phase.LOBBY: (ev.LOBBY_END, "lobby_seconds"),
    Phase.DISCUSSION: (ev.DISCUSSION_END, "discussion_seconds"),
    Phase.PICK: (ev.PICK_END, "pick_seconds"),
    Phase.ANSWER: (ev.ANSWER_END, "answer_seconds"),
    Phase.PAUSE: (ev.PAUSE_END, "pause_seconds"),
    Phase.SPIN: (ev.SPIN_STEP, "spin_step_seconds"),
}

ACTIVE_PHASES = [phase for phase in Phase if not phase.over]
OVER_PHASES = [phase for phase in Phase if phase.over]

A = TypeVar("A")


def at(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


# Events -----------------------------------------------------------------------------------------


def join(user_id: int, name: str | None = None) -> ev.Join:
    return ev.Join(user_id, name or NAMES.get(user_id, f"Игрок {user_id}"), f"join-{user_id}")


def begin(user_id: int) -> ev.Begin:
    return ev.Begin(user_id, f"begin-{user_id}")


def early(user_id: int) -> ev.Early:
    return ev.Early(user_id, f"early-{user_id}")


def pick(user_id: int, target_id: int | None) -> ev.Pick:
    return ev.Pick(user_id, f"pick-{user_id}-{target_id}", target_id)


def unknown(user_id: int) -> ev.UnknownPress:
    return ev.UnknownPress(user_id, f"unknown-{user_id}")


def say(user_id: int, text: str) -> ev.ChatMessage:
    return ev.ChatMessage(user_id, text)


def fire(game: Game, name: str) -> ev.TimerFired:
    """A timer firing with the game's current token."""
    return ev.TimerFired(name, game.timer_token)


def stale(game: Game, name: str) -> ev.TimerFired:
    """A timer firing with the token of the game's previous phase."""
    return ev.TimerFired(name, f"{game.id}:{game.seq - 1}")


# Builders ---------------------------------------------------------------------------------------


def new_lobby(
    *,
    settings: GameSettings = SETTINGS,
    questions: tuple[Question, ...] = QUESTIONS,
    seed: int = SEED,
    now: datetime = NOW,
) -> Game:
    game, _ = open_lobby(GAME_ID, settings, questions, seed, now)
    return game


def play(game: Game, *events: ev.GameEvent, now: datetime = NOW) -> tuple[Game, list[Action]]:
    """Apply ``events`` in order; the final game and every action, concatenated."""
    actions: list[Action] = []
    for event in events:
        game, more = step(game, event, now)
        actions.extend(more)
    return game, actions


def captain(game: Game) -> int:
    assert game.captain_id is not None
    return game.captain_id


def others(game: Game) -> list[int]:
    """The players who are not the captain, in join order."""
    return [p.user_id for p in game.players if p.user_id != game.captain_id]


def answerer(game: Game) -> int:
    assert game.answerer_id is not None
    return game.answerer_id


def drive(
    phase: Phase,
    *,
    players: Sequence[int] = TEAM,
    settings: GameSettings = SETTINGS,
    questions: tuple[Question, ...] = QUESTIONS,
    seed: int = SEED,
) -> Game:
    """A game brought to ``phase`` by ordinary play (round 1 for the in-round phases).

    SPIN is a TV game's first spin (TV settings and deck unless ``settings`` are TV's); in a
    TV game the other in-round phases follow the first spin (a seed whose first spin is not
    the blitz: tests/unit/test_game_tv.py drives blitzes). In PICK the captain has not chosen
    yet; in ANSWER the first non-captain player answers
    (the captain if alone); PAUSE follows a correct answer; FINISHED follows correct answers
    in every round; STOPPED is /stop during the first discussion; CLOSED is an empty lobby
    that timed out.
    """
    if phase is Phase.SPIN and settings.mode != "tv":
        settings, questions, seed = TV_SETTINGS, TV_DECK, TV_SEED
    game = new_lobby(settings=settings, questions=questions, seed=seed)
    if phase is Phase.CLOSED:
        game, _ = play(game, fire(game, ev.LOBBY_END))
        assert game.phase is Phase.CLOSED
        return game
    game, _ = play(game, *(join(user) for user in players))
    if phase is Phase.LOBBY:
        return game
    game, _ = play(game, begin(players[0]))
    if phase is Phase.SPIN:
        assert game.phase is Phase.SPIN
        return game
    game = spin_out(game)
    assert game.phase is Phase.DISCUSSION
    if phase is Phase.DISCUSSION:
        return game
    if phase is Phase.STOPPED:
        game, _ = play(game, ev.StopRequested(players[0]))
        return game
    if phase is Phase.FINISHED:
        return finish(game)
    game, _ = play(game, early(captain(game)))
    if phase is Phase.PICK:
        assert game.phase is Phase.PICK, "PICK needs two players or more"
        return game
    if game.phase is Phase.PICK:
        target = (others(game) or [captain(game)])[0]
        game, _ = play(game, pick(captain(game), target))
    assert game.phase is Phase.ANSWER
    if phase is Phase.ANSWER:
        return game
    game, _ = play(game, say(answerer(game), game.question.answer))
    assert game.phase is phase is Phase.PAUSE
    return game


def spin_out(game: Game) -> Game:
    """Let a TV game's spin run to its stop (nothing in a classic game)."""
    while game.phase is Phase.SPIN:
        game, _ = play(game, fire(game, ev.SPIN_STEP))
    return game


def finish(game: Game, *, correct: bool = True) -> Game:
    """Play every remaining round to the end, the captain answering each question."""
    for _ in range(100):
        if game.phase.over:
            return game
        if game.phase is Phase.ANSWER:
            text = game.question.answer if correct else "совсем не то"
            game, _ = play(game, say(answerer(game), text))
        else:
            game, _ = play(game, fire(game, MAIN_TIMER[game.phase][0]))
    raise AssertionError("the game did not end")


# Looking at actions -----------------------------------------------------------------------------


def of_type(actions: Iterable[Action], kind: type[A]) -> list[A]:
    return [action for action in actions if isinstance(action, kind)]


def timers(actions: Iterable[Action]) -> dict[str, SetTimer]:
    found = of_type(actions, SetTimer)
    by_name = {timer.name: timer for timer in found}
    assert len(by_name) == len(found), f"a timer set twice: {found}"
    return by_name


def buttons(keyboard: Keyboard | None) -> list[tuple[str, dict[str, Any]]]:
    """(label, payload) of every button, row by row; the keyboard must be one VK accepts."""
    assert keyboard is not None
    render(keyboard)  # raises beyond VK's limits (buttons, rows, label and payload sizes)
    return [(button.label, button.payload) for row in keyboard for button in row]


def has_buttons(keyboard: Keyboard | None) -> bool:
    return bool(keyboard and any(keyboard))


def single(items: Sequence[A]) -> A:
    assert len(items) == 1, items
    return items[0]


def assert_timer_discipline(old: Game, new: Game, actions: Sequence[Action], now: datetime) -> None:
    """Timers are only touched on a phase change, and then replaced wholesale.

    A phase change bumps ``seq``, cancels the old timers before setting any new one, and sets
    exactly the timers of the new phase, due ``now`` + that phase's seconds, carrying the new
    game's token. Anything else leaves the timers alone.
    """
    timer_actions = [a for a in actions if isinstance(a, SetTimer | CancelTimers)]
    if new.phase is not old.phase:
        assert new.seq > old.seq, "a phase change must make old timers stale"
    if new.seq == old.seq:
        assert timer_actions == []
        return
    assert new.seq > old.seq
    cancels = [i for i, a in enumerate(actions) if isinstance(a, CancelTimers)]
    sets = [i for i, a in enumerate(actions) if isinstance(a, SetTimer)]
    assert cancels, "a phase change must cancel the old timers"
    assert all(i > max(cancels) for i in sets), "a SetTimer before CancelTimers is dropped"
    # An appeal's window (a lasting timer) is the verdict's, with its own token.
    lasting = [t for t in of_type(actions, SetTimer) if t.name in LASTING_TIMERS]
    assert all(t.token == appeals.timer_token(new.id, old.round) for t in lasting)
    set_timers = [t for t in of_type(actions, SetTimer) if t.name not in LASTING_TIMERS]
    assert all(timer.token == new.timer_token for timer in set_timers)
    if new.phase.over:
        assert set_timers == []
        assert new.deadline is None
        return
    name, attribute = MAIN_TIMER[new.phase]
    seconds = getattr(new.settings, attribute)
    if new.phase is Phase.DISCUSSION:
        seconds = new.discussion_seconds  # a blitz question's is blitz_seconds
    expected = {name: now + timedelta(seconds=seconds)}
    if new.phase is Phase.DISCUSSION and seconds > texts.WARNING_SECONDS:
        expected[ev.DISCUSSION_WARN] = now + timedelta(seconds=seconds - texts.WARNING_SECONDS)
    assert {timer.name: timer.due for timer in set_timers} == expected
    assert len(set_timers) == len(expected)
    assert new.deadline == expected[name]


# open_lobby -------------------------------------------------------------------------------------


def test_open_lobby_sends_the_lobby_and_sets_its_timer() -> None:
    game, actions = open_lobby(GAME_ID, SETTINGS, QUESTIONS, SEED, NOW)

    assert game.phase is Phase.LOBBY
    assert game.id == GAME_ID
    assert game.players == ()
    assert game.captain_id is None
    assert game.round == 0
    assert game.created_at == NOW
    assert game.deadline == at(SETTINGS.lobby_seconds)
    assert game.results == ()
    assert (game.score_team, game.score_bot) == (0, 0)

    assert isinstance(actions[0], CancelTimers)
    message = single(of_type(actions, SendMessage))
    assert message.ref == lobby_ref(game) == f"g{GAME_ID}.lobby"
    assert message.text == texts.lobby(game)
    assert "пока никого" in message.text
    assert f"Игра: {len(QUESTIONS)} вопроса." in message.text
    assert buttons(message.keyboard) == [
        ("Играю", {"cmd": "join", "g": GAME_ID}),
        ("Начать игру", {"cmd": "begin", "g": GAME_ID}),
    ]
    timer = single(of_type(actions, SetTimer))
    assert timer == SetTimer(ev.LOBBY_END, at(SETTINGS.lobby_seconds), game.timer_token)
    assert len(actions) == 3


def test_open_lobby_tokens_differ_between_games() -> None:
    one, _ = open_lobby(1, SETTINGS, QUESTIONS, SEED, NOW)
    two, _ = open_lobby(2, SETTINGS, QUESTIONS, SEED, NOW)
    assert one.timer_token != two.timer_token
    # a timer of another chat's game is stale here
    assert step(one, fire(two, ev.LOBBY_END), NOW) == (one, [])


# The phase × event matrix -----------------------------------------------------------------------


def _captain_or_alice(game: Game) -> int:
    return game.captain_id if game.captain_id is not None else ALICE


def _other_or_bob(game: Game) -> int:
    return (others(game) or [BOB])[0] if game.captain_id is not None else BOB


def _answer_text(game: Game) -> str:
    return game.question.answer if game.round else DECK[0].answer


def _answerer_or_other(game: Game) -> int:
    return game.answerer_id if game.answerer_id is not None else _other_or_bob(game)


EventMaker = Callable[[Game], ev.GameEvent]

PRESS_EVENTS: dict[str, EventMaker] = {
    "join_new": lambda g: join(DAVE),
    "join_player": lambda g: join(ALICE),
    "begin_player": lambda g: begin(ALICE),
    "begin_stranger": lambda g: begin(STRANGER),
    "early_captain": lambda g: early(_captain_or_alice(g)),
    "early_other": lambda g: early(_other_or_bob(g)),
    "early_stranger": lambda g: early(STRANGER),
    "pick_captain": lambda g: pick(_captain_or_alice(g), _other_or_bob(g)),
    "pick_other": lambda g: pick(_other_or_bob(g), _other_or_bob(g)),
    "pick_stranger_target": lambda g: pick(_captain_or_alice(g), STRANGER),
    "pick_nobody": lambda g: pick(_captain_or_alice(g), None),
    "unknown": lambda g: unknown(ALICE),
}

OTHER_EVENTS: dict[str, EventMaker] = {
    "chat_answerer_correct": lambda g: say(_answerer_or_other(g), _answer_text(g)),
    "chat_answerer_blank": lambda g: say(_answerer_or_other(g), "   "),
    "chat_stranger_correct": lambda g: say(STRANGER, _answer_text(g)),
    "chat_captain_correct": lambda g: say(_captain_or_alice(g), _answer_text(g)),
    "start": lambda g: ev.StartRequested(ALICE),
    "stop": lambda g: ev.StopRequested(ALICE),
    "info": lambda g: ev.InfoRequested(ALICE),
    **{f"timer_{name}": functools.partial(fire, name=name) for name in TIMER_NAMES},
    **{f"stale_{name}": functools.partial(stale, name=name) for name in TIMER_NAMES},
    "other_game_timer": lambda g: ev.TimerFired(ev.LOBBY_END, f"{GAME_ID + 1}:{g.seq}"),
    # VK took the current round's question at the test's clock (at(1), after the round began).
    "question_shown": lambda g: ev.MessageShown(question_ref(g) if g.round else "none", at(1)),
    "other_message_shown": lambda g: ev.MessageShown(lobby_ref(g), at(1)),
}

ALL_EVENTS: dict[str, EventMaker] = {**PRESS_EVENTS, **OTHER_EVENTS}

# (phase, event) -> the phase the game moves to; every pair not listed keeps its phase.
TRANSITIONS: dict[tuple[Phase, str], Phase] = {
    (Phase.LOBBY, "begin_player"): Phase.DISCUSSION,
    (Phase.LOBBY, "timer_lobby_end"): Phase.DISCUSSION,
    (Phase.LOBBY, "stop"): Phase.STOPPED,
    (Phase.DISCUSSION, "early_captain"): Phase.PICK,
    (Phase.DISCUSSION, "timer_discussion_end"): Phase.PICK,
    (Phase.DISCUSSION, "stop"): Phase.STOPPED,
    (Phase.PICK, "pick_captain"): Phase.ANSWER,
    (Phase.PICK, "timer_pick_end"): Phase.ANSWER,
    (Phase.PICK, "stop"): Phase.STOPPED,
    (Phase.ANSWER, "chat_answerer_correct"): Phase.PAUSE,
    (Phase.ANSWER, "timer_answer_end"): Phase.PAUSE,
    (Phase.ANSWER, "stop"): Phase.STOPPED,
    (Phase.PAUSE, "timer_pause_end"): Phase.DISCUSSION,
    (Phase.PAUSE, "stop"): Phase.STOPPED,
    # Only a TV game reaches SPIN: its first step moves the arrow on, in the same phase.
    (Phase.SPIN, "stop"): Phase.STOPPED,
}

# Events that keep the phase but change the state (and what they change).
IN_PLACE_CHANGES: dict[tuple[Phase, str], tuple[str, ...]] = {
    (Phase.LOBBY, "join_new"): ("players",),
    (Phase.DISCUSSION, "timer_discussion_warn"): ("warned",),
    # The discussion re-anchored at the moment VK took the question: new deadline and timers.
    (Phase.DISCUSSION, "question_shown"): ("shown_at", "deadline", "seq"),
    (Phase.SPIN, "timer_spin_step"): ("spin_step", "deadline", "seq"),
}


def expected_snackbar(phase: Phase, name: str) -> str | None:
    """The text of the AnswerCallback a press gets, for every phase and press."""
    if phase.over:
        return texts.GAME_OVER
    kind = name.split("_")[0]
    if kind == "join":
        if phase is not Phase.LOBBY:
            return texts.LOBBY_OVER
        return texts.ALREADY_JOINED if name == "join_player" else texts.JOINED
    if kind == "begin":
        if phase is not Phase.LOBBY:
            return texts.ALREADY_STARTED
        return None if name == "begin_player" else texts.JOIN_FIRST
    if kind == "early":
        if phase is not Phase.DISCUSSION:
            return texts.TOO_LATE
        return texts.EARLY_OK if name == "early_captain" else texts.CAPTAIN_ONLY_EARLY
    if kind == "pick":
        if phase is not Phase.PICK:
            return texts.TOO_LATE
        return {
            "pick_captain": texts.PICKED,
            "pick_other": texts.CAPTAIN_ONLY_PICK,
            "pick_stranger_target": texts.NOT_A_PLAYER,
            "pick_nobody": texts.NOT_A_PLAYER,
        }[name]
    assert name == "unknown"
    return texts.TOO_LATE


@pytest.fixture(scope="module")
def games() -> dict[Phase, Game]:
    return {phase: drive(phase) for phase in Phase}


def test_drive_reaches_every_phase(games: dict[Phase, Game]) -> None:
    for phase, game in games.items():
        assert game.phase is phase
    assert games[Phase.FINISHED].results
    assert games[Phase.STOPPED].results == ()
    assert games[Phase.CLOSED].players == ()


@pytest.mark.parametrize("event_name", list(ALL_EVENTS))
@pytest.mark.parametrize("phase", list(Phase))
def test_every_event_in_every_phase(
    games: dict[Phase, Game], phase: Phase, event_name: str
) -> None:
    check_event(games[phase], event_name, TRANSITIONS, IN_PLACE_CHANGES)


def check_event(
    game: Game,
    event_name: str,
    transitions: dict[tuple[Phase, str], Phase],
    in_place: dict[tuple[Phase, str], tuple[str, ...]],
) -> None:
    """One event in the game's phase: the phase it moves to (``transitions``), or what it
    changes in place (``in_place``; nothing when not listed), its timers and its answer."""
    phase = game.phase
    event = ALL_EVENTS[event_name](game)
    now = at(1)
    new, actions = step(game, event, now)

    expected_phase = transitions.get((phase, event_name), phase)
    assert new.phase is expected_phase
    assert_timer_discipline(game, new, actions, now)

    if expected_phase is not phase:
        assert new.seq == game.seq + 1
        return
    changed = in_place.get((phase, event_name))
    if changed is None:
        assert new == game, "an event that does not apply must change nothing"
    else:
        assert dataclasses.replace(new, **{name: getattr(game, name) for name in changed}) == game
        assert new.seq == game.seq + ("seq" in changed)

    if event_name in PRESS_EVENTS:
        assert isinstance(event, ev.Join | ev.Begin | ev.Early | ev.Pick | ev.UnknownPress)
        answer = AnswerCallback(
            event.callback_id, event.user_id, expected_snackbar(phase, event_name)
        )
        if changed is None:
            assert actions == [answer]
        else:
            assert actions[0] == answer
    elif event_name in ("start", "info") and not phase.over:
        expected = texts.already_running(game) if event_name == "start" else texts.info(game, now)
        assert actions == [SendMessage(expected)]
    elif changed is None:
        assert actions == []


@pytest.mark.parametrize("event_name", list(PRESS_EVENTS))
@pytest.mark.parametrize("phase", list(Phase))
def test_every_press_gets_exactly_one_answer(
    games: dict[Phase, Game], phase: Phase, event_name: str
) -> None:
    game = games[phase]
    event = PRESS_EVENTS[event_name](game)
    assert isinstance(event, ev.Join | ev.Begin | ev.Early | ev.Pick | ev.UnknownPress)
    _, actions = step(game, event, NOW)

    answer = single(of_type(actions, AnswerCallback))
    assert actions[0] is answer, "the press is answered before anything else happens"
    assert answer.callback_id == event.callback_id
    assert answer.user_id == event.user_id
    assert answer.text == expected_snackbar(phase, event_name)
    if answer.text is not None:
        assert len(answer.text) <= 90, "VK shows at most 90 characters in a snackbar"


@pytest.mark.parametrize("phase", list(Phase))
def test_non_press_events_are_never_answered_as_presses(
    games: dict[Phase, Game], phase: Phase
) -> None:
    for make in OTHER_EVENTS.values():
        _, actions = step(games[phase], make(games[phase]), NOW)
        assert of_type(actions, AnswerCallback) == []


# Lobby ------------------------------------------------------------------------------------------


def test_join_adds_the_player_and_updates_the_lobby() -> None:
    game = new_lobby()
    game, actions = step(game, join(ALICE), NOW)

    assert game.players == (dataclasses.replace(game.players[0], user_id=ALICE, name="Алиса"),)
    assert actions[0] == AnswerCallback("join-101", ALICE, texts.JOINED)
    edit = single(of_type(actions, EditMessage))
    assert edit.ref == lobby_ref(game)
    assert edit.text == texts.lobby(game)
    assert "В команде (1): Алиса" in edit.text
    assert [label for label, _ in buttons(edit.keyboard)] == ["Играю", "Начать игру"]

    game, _ = step(game, join(BOB), NOW)
    assert [p.name for p in game.players] == ["Алиса", "Борис"]


def test_join_twice_is_harmless() -> None:
    game, _ = play(new_lobby(), join(ALICE))
    again, actions = step(game, join(ALICE, name="Другое имя"), NOW)

    assert again == game
    assert len(again.players) == 1
    assert again.players[0].name == "Алиса"
    assert actions == [AnswerCallback("join-101", ALICE, texts.ALREADY_JOINED)]


def test_team_is_full_at_ten() -> None:
    game, _ = play(new_lobby(), *(join(user) for user in range(1, 11)))
    assert len(game.players) == MAX_PLAYERS == 10

    full, actions = step(game, join(11), NOW)
    assert full == game
    assert actions == [AnswerCallback("join-11", 11, texts.TEAM_FULL)]

    # a member pressing again still hears that they are in
    _, actions = step(game, join(5), NOW)
    assert actions == [AnswerCallback("join-5", 5, texts.ALREADY_JOINED)]


def test_begin_by_a_non_player_is_refused() -> None:
    for game in (new_lobby(), drive(Phase.LOBBY)):
        same, actions = step(game, begin(STRANGER), NOW)
        assert same == game
        assert actions == [AnswerCallback("begin-999", STRANGER, texts.JOIN_FIRST)]


def test_begin_by_a_player_starts_round_one() -> None:
    lobby = drive(Phase.LOBBY)
    now = at(7)
    game, actions = step(lobby, begin(CAROL), now)

    assert game.phase is Phase.DISCUSSION
    assert game.round == 1
    assert game.captain_id in TEAM
    assert game.started_at == now
    assert game.round_started_at == now
    assert game.deadline == now + timedelta(seconds=SETTINGS.discussion_seconds)
    assert game.warned is False
    assert game.answerer_id is None
    assert game.seq == lobby.seq + 1

    answer, close_lobby, announce, cancel, question, *timer_actions = actions
    assert answer == AnswerCallback("begin-103", CAROL, None)
    assert isinstance(close_lobby, EditMessage)
    assert close_lobby.ref == lobby_ref(game)
    assert close_lobby.text == texts.lobby_closed(game)
    assert not has_buttons(close_lobby.keyboard)
    assert announce == SendMessage(texts.captain(game))
    assert f"Капитан — {NAMES[captain(game)]}" in announce.text
    assert isinstance(cancel, CancelTimers)
    assert isinstance(question, SendMessage)
    assert question.ref == question_ref(game) == f"g{GAME_ID}.r1.q"
    assert question.text == texts.question(game)
    assert "Раунд 1 из 3" in question.text
    assert QUESTIONS[0].text in question.text
    assert buttons(question.keyboard) == [
        ("Досрочный ответ", {"cmd": "early", "g": GAME_ID, "r": 1})
    ]
    deadline = now + timedelta(seconds=SETTINGS.discussion_seconds)
    assert timers(timer_actions) == {
        ev.DISCUSSION_END: SetTimer(ev.DISCUSSION_END, deadline, game.timer_token),
        ev.DISCUSSION_WARN: SetTimer(
            ev.DISCUSSION_WARN, deadline - timedelta(seconds=10), game.timer_token
        ),
    }
    assert_timer_discipline(lobby, game, actions, now)


def test_short_discussion_has_no_warning_timer() -> None:
    settings = dataclasses.replace(SETTINGS, discussion_seconds=texts.WARNING_SECONDS)
    game, actions = play(drive(Phase.LOBBY, settings=settings), begin(ALICE))
    assert set(timers(actions)) == {ev.DISCUSSION_END}
    assert game.deadline == at(texts.WARNING_SECONDS)


def test_captain_is_deterministic_for_a_seed() -> None:
    first = drive(Phase.DISCUSSION, seed=42)
    second = drive(Phase.DISCUSSION, seed=42)
    assert first.captain_id == second.captain_id
    # join order does not matter, only the seed and who joined
    reordered = drive(Phase.DISCUSSION, seed=42, players=(CAROL, ALICE, BOB))
    assert reordered.captain_id == first.captain_id
    # the timer start draws the same captain as a press would
    lobby = drive(Phase.LOBBY, seed=42)
    by_timer, _ = step(lobby, fire(lobby, ev.LOBBY_END), NOW)
    assert by_timer.captain_id == first.captain_id


def test_every_player_can_become_captain() -> None:
    lobby = drive(Phase.LOBBY, players=(ALICE, BOB, CAROL, DAVE))
    captains = set()
    for seed in range(200):
        game, _ = step(dataclasses.replace(lobby, seed=seed), begin(ALICE), NOW)
        assert game.captain_id in (ALICE, BOB, CAROL, DAVE)
        captains.add(game.captain_id)
    assert captains == {ALICE, BOB, CAROL, DAVE}


def test_lobby_end_with_players_starts_the_game() -> None:
    lobby = drive(Phase.LOBBY)
    now = at(SETTINGS.lobby_seconds)
    by_timer, actions = step(lobby, fire(lobby, ev.LOBBY_END), now)
    by_press, press_actions = step(lobby, begin(ALICE), now)

    assert by_timer.phase is Phase.DISCUSSION
    assert by_timer == by_press
    assert of_type(actions, AnswerCallback) == []
    assert actions == press_actions[1:]


def test_lobby_end_with_nobody_closes_the_lobby() -> None:
    lobby = new_lobby()
    now = at(SETTINGS.lobby_seconds)
    game, actions = step(lobby, fire(lobby, ev.LOBBY_END), now)

    assert game.phase is Phase.CLOSED
    assert game.finished_at == now
    assert game.deadline is None
    assert game.results == ()
    close, cancel, message = actions
    assert isinstance(close, EditMessage)
    assert close.ref == lobby_ref(game)
    assert close.text == texts.lobby_closed(game)
    assert not has_buttons(close.keyboard)
    assert isinstance(cancel, CancelTimers)
    assert message == SendMessage(texts.nobody_joined())
    assert_timer_discipline(lobby, game, actions, now)


# Discussion -------------------------------------------------------------------------------------


def test_early_by_the_captain_opens_the_pick() -> None:
    discussion = drive(Phase.DISCUSSION)
    now = at(20)
    chief = captain(discussion)
    game, actions = step(discussion, early(chief), now)

    assert game.phase is Phase.PICK
    assert game.round == 1
    assert game.deadline == now + timedelta(seconds=SETTINGS.pick_seconds)
    answer, close, cancel, message, timer = actions
    assert answer == AnswerCallback(f"early-{chief}", chief, texts.EARLY_OK)
    assert isinstance(close, EditMessage)
    assert close.ref == question_ref(game)
    assert close.text == texts.question(game, closed=True)
    assert not has_buttons(close.keyboard)
    assert isinstance(cancel, CancelTimers)
    assert isinstance(message, SendMessage)
    assert message.ref == pick_ref(game) == f"g{GAME_ID}.r1.pick"
    assert message.text == texts.pick(game)
    assert NAMES[chief] in message.text
    assert buttons(message.keyboard) == [
        (NAMES[user], {"cmd": "pick", "user_id": user, "g": GAME_ID, "r": 1}) for user in TEAM
    ]
    assert timer == SetTimer(ev.PICK_END, game.deadline, game.timer_token)
    assert_timer_discipline(discussion, game, actions, now)


def test_pick_keyboard_holds_a_full_team() -> None:
    team = tuple(range(1, 11))
    discussion = drive(Phase.DISCUSSION, players=team)
    game, actions = step(discussion, fire(discussion, ev.DISCUSSION_END), NOW)
    message = single([a for a in of_type(actions, SendMessage) if a.ref == pick_ref(game)])
    assert message.keyboard is not None
    assert [len(row) for row in message.keyboard] == [2, 2, 2, 2, 2]
    assert [payload["user_id"] for _, payload in buttons(message.keyboard)] == list(team)


def test_early_by_anyone_else_is_refused() -> None:
    discussion = drive(Phase.DISCUSSION)
    for user in [*others(discussion), STRANGER]:
        game, actions = step(discussion, early(user), NOW)
        assert game == discussion
        assert actions == [AnswerCallback(f"early-{user}", user, texts.CAPTAIN_ONLY_EARLY)]


def test_the_question_asks_to_be_reported_when_shown() -> None:
    _, actions = step(drive(Phase.LOBBY), begin(ALICE), NOW)
    [question] = [a for a in of_type(actions, SendMessage) if a.ref and a.ref.endswith(".q")]
    assert question.report_shown
    assert all(not m.report_shown for m in of_type(actions, SendMessage) if m is not question)


def test_a_question_shown_late_starts_the_discussion_clock_then() -> None:
    game = drive(Phase.DISCUSSION)
    started = game.round_started_at
    assert started is not None
    shown_at = started + timedelta(seconds=2.5)
    new, actions = step(game, ev.MessageShown(question_ref(game), shown_at), shown_at)

    deadline = shown_at + timedelta(seconds=SETTINGS.discussion_seconds)
    assert (new.shown_at, new.deadline, new.seq) == (shown_at, deadline, game.seq + 1)
    assert isinstance(actions[0], CancelTimers)
    assert timers(actions) == {
        ev.DISCUSSION_END: SetTimer(ev.DISCUSSION_END, deadline, new.timer_token),
        ev.DISCUSSION_WARN: SetTimer(
            ev.DISCUSSION_WARN, deadline - timedelta(seconds=10), new.timer_token
        ),
    }
    # Reported once per round: a second report (a retry) changes nothing.
    assert step(new, ev.MessageShown(question_ref(new), shown_at + timedelta(1)), NOW) == (new, [])
    # The old timers are stale now, whoever fires them.
    assert step(new, fire(game, ev.DISCUSSION_END), NOW) == (new, [])


def test_a_question_shown_on_time_keeps_the_timers() -> None:
    game = drive(Phase.DISCUSSION)
    assert game.round_started_at is not None
    new, actions = step(game, ev.MessageShown(question_ref(game), game.round_started_at), NOW)
    assert actions == []
    assert (new.deadline, new.seq, new.shown_at) == (game.deadline, game.seq, game.round_started_at)


def test_a_shown_report_moves_the_end_by_at_most_the_cap() -> None:
    game = drive(Phase.DISCUSSION)
    assert game.round_started_at is not None
    assert game.deadline is not None
    late = game.round_started_at + timedelta(minutes=5)  # e.g. a re-send after an outage
    new, _ = step(game, ev.MessageShown(question_ref(game), late), late)
    assert new.deadline == game.deadline + MAX_SHOWN_DELAY


def test_a_question_shown_after_the_warning_sets_no_second_warning() -> None:
    game, _ = play(drive(Phase.DISCUSSION), fire(drive(Phase.DISCUSSION), ev.DISCUSSION_WARN))
    assert game.warned
    assert game.round_started_at is not None
    shown_at = game.round_started_at + timedelta(seconds=1)
    new, actions = step(game, ev.MessageShown(question_ref(game), shown_at), shown_at)
    assert set(timers(actions)) == {ev.DISCUSSION_END}
    assert new.warned


def test_a_shown_report_of_another_round_or_phase_is_ignored() -> None:
    game = drive(Phase.DISCUSSION)
    assert game.round_started_at is not None
    later = game.round_started_at + timedelta(seconds=1)
    old_round = ev.MessageShown(question_ref(dataclasses.replace(game, round=2)), later)
    assert step(game, old_round, later) == (game, [])
    pick = drive(Phase.PICK)
    assert step(pick, ev.MessageShown(question_ref(pick), later), later) == (pick, [])


def test_discussion_warning_edits_the_question_once() -> None:
    discussion = drive(Phase.DISCUSSION)
    warn = fire(discussion, ev.DISCUSSION_WARN)
    game, actions = step(discussion, warn, at(50))

    assert game.phase is Phase.DISCUSSION
    assert game.warned is True
    assert game.timer_token == discussion.timer_token, "the end timer must stay valid"
    edit = single(actions)
    assert isinstance(edit, EditMessage)
    assert edit.ref == question_ref(game)
    assert edit.text == texts.question(game, warned=True)
    assert "Осталось 10 секунд" in edit.text
    assert buttons(edit.keyboard) == [("Досрочный ответ", {"cmd": "early", "g": GAME_ID, "r": 1})]

    again, actions = step(game, warn, at(51))
    assert again == game
    assert actions == []

    # the end timer of the same discussion still works after the warning
    picked, _ = step(game, fire(discussion, ev.DISCUSSION_END), at(60))
    assert picked.phase is Phase.PICK


def test_discussion_end_opens_the_pick() -> None:
    discussion = drive(Phase.DISCUSSION)
    now = at(SETTINGS.discussion_seconds)
    by_timer, actions = step(discussion, fire(discussion, ev.DISCUSSION_END), now)
    by_press, press_actions = step(discussion, early(captain(discussion)), now)

    assert by_timer.phase is Phase.PICK
    assert by_timer == by_press
    assert actions == press_actions[1:]


def test_warning_after_the_discussion_ended_is_stale() -> None:
    discussion = drive(Phase.DISCUSSION)
    game, _ = step(discussion, early(captain(discussion)), NOW)
    assert step(game, fire(discussion, ev.DISCUSSION_WARN), NOW) == (game, [])


@pytest.mark.parametrize("how", ["early", "timer"])
def test_single_player_answers_without_a_pick(how: str) -> None:
    discussion = drive(Phase.DISCUSSION, players=(ALICE,))
    assert discussion.captain_id == ALICE
    event = early(ALICE) if how == "early" else fire(discussion, ev.DISCUSSION_END)
    now = at(15)
    game, actions = step(discussion, event, now)

    assert game.phase is Phase.ANSWER
    assert game.answerer_id == ALICE
    assert [a.ref for a in of_type(actions, SendMessage) if a.ref] == []
    assert pick_ref(game) not in [a.ref for a in of_type(actions, EditMessage)]
    close = single(of_type(actions, EditMessage))
    assert close.ref == question_ref(game)
    assert not has_buttons(close.keyboard)
    prompt = single(of_type(actions, SendMessage))
    assert prompt.text == texts.answer_prompt(game)
    assert "Отвечает Алиса" in prompt.text
    assert_timer_discipline(discussion, game, actions, now)
    assert len(of_type(actions, AnswerCallback)) == (1 if how == "early" else 0)


def test_chat_during_discussion_is_ignored() -> None:
    discussion = drive(Phase.DISCUSSION)
    for user in (*TEAM, STRANGER):
        assert step(discussion, say(user, QUESTIONS[0].answer), NOW) == (discussion, [])


# Pick -------------------------------------------------------------------------------------------


def test_captain_picks_who_answers() -> None:
    pick_game = drive(Phase.PICK)
    chief, chosen = captain(pick_game), others(pick_game)[1]
    now = at(70)
    game, actions = step(pick_game, pick(chief, chosen), now)

    assert game.phase is Phase.ANSWER
    assert game.answerer_id == chosen
    assert game.deadline == now + timedelta(seconds=SETTINGS.answer_seconds)
    answer, edit, cancel, prompt, timer = actions
    assert answer == AnswerCallback(f"pick-{chief}-{chosen}", chief, texts.PICKED)
    assert isinstance(edit, EditMessage)
    assert edit.ref == pick_ref(game)
    assert edit.text == texts.pick(pick_game, chosen=chosen)
    assert f"Отвечает {NAMES[chosen]}." in edit.text
    assert not has_buttons(edit.keyboard)
    assert isinstance(cancel, CancelTimers)
    assert prompt == SendMessage(texts.answer_prompt(game))
    assert NAMES[chosen] in prompt.text
    assert timer == SetTimer(ev.ANSWER_END, game.deadline, game.timer_token)
    assert_timer_discipline(pick_game, game, actions, now)


def test_captain_may_pick_themselves() -> None:
    pick_game = drive(Phase.PICK)
    game, _ = step(pick_game, pick(captain(pick_game), captain(pick_game)), NOW)
    assert game.phase is Phase.ANSWER
    assert game.answerer_id == captain(pick_game)


def test_only_the_captains_pick_counts() -> None:
    pick_game = drive(Phase.PICK)
    for user in [*others(pick_game), STRANGER]:
        for target in (*TEAM, STRANGER, None):
            game, actions = step(pick_game, pick(user, target), NOW)
            assert game == pick_game
            assert actions == [
                AnswerCallback(f"pick-{user}-{target}", user, texts.CAPTAIN_ONLY_PICK)
            ]


@pytest.mark.parametrize("target", [STRANGER, DAVE, None])
def test_pick_of_a_non_player_is_refused(target: int | None) -> None:
    pick_game = drive(Phase.PICK)
    chief = captain(pick_game)
    game, actions = step(pick_game, pick(chief, target), NOW)
    assert game == pick_game
    assert actions == [AnswerCallback(f"pick-{chief}-{target}", chief, texts.NOT_A_PLAYER)]


def test_pick_end_lets_the_captain_answer() -> None:
    pick_game = drive(Phase.PICK)
    now = at(90)
    game, actions = step(pick_game, fire(pick_game, ev.PICK_END), now)

    assert game.phase is Phase.ANSWER
    assert game.answerer_id == captain(pick_game)
    edit = single(of_type(actions, EditMessage))
    assert edit.ref == pick_ref(game)
    assert edit.text == texts.pick(pick_game, chosen=captain(pick_game))
    assert not has_buttons(edit.keyboard)
    assert single(of_type(actions, SendMessage)).text == texts.answer_prompt(game)
    assert of_type(actions, AnswerCallback) == []
    assert_timer_discipline(pick_game, game, actions, now)


# Answer -----------------------------------------------------------------------------------------


def test_only_the_chosen_players_first_message_counts() -> None:
    answer_game = drive(Phase.ANSWER)
    chosen = answerer(answer_game)
    correct = answer_game.question.answer

    # the captain, the others and strangers can say the right answer: it does not count
    for user in (*TEAM, STRANGER):
        if user != chosen:
            assert step(answer_game, say(user, correct), NOW) == (answer_game, [])
    # empty and blank messages from the answerer are not an answer
    for blank in ("", "   ", "\n\t"):
        assert step(answer_game, say(chosen, blank), NOW) == (answer_game, [])

    game, _ = step(answer_game, say(chosen, "Лондон"), at(3))
    assert game.phase is Phase.PAUSE
    assert (game.score_team, game.score_bot) == (0, 1)
    # a second message (even the right one) comes too late
    assert step(game, say(chosen, correct), at(4)) == (game, [])


def test_correct_answer_scores_for_the_team() -> None:
    answer_game = drive(Phase.ANSWER)
    chosen = answerer(answer_game)
    now = at(30)
    game, actions = step(answer_game, say(chosen, "  Paris  "), now)

    assert game.phase is Phase.PAUSE
    assert (game.score_team, game.score_bot) == (1, 0)
    assert game.answerer_id is None
    assert game.results == (
        RoundResult(
            number=1,
            question_id=QUESTIONS[0].id,
            answerer_id=chosen,
            answer_text="Paris",
            correct=True,
            started_at=answer_game.round_started_at or NOW,
            answered_at=now,
            reason="zachet",  # «Paris» is in the question's зачёт list
        ),
    )
    verdict, cancel, timer = actions
    assert isinstance(verdict, SendMessage)
    assert verdict.text == texts.verdict(game, True, "Paris")
    assert verdict.text.startswith("Верно! «Paris»")
    assert "Правильный ответ: Париж." in verdict.text
    assert "Комментарий: Город на Сене." in verdict.text
    assert "Счёт: Знатоки 1 : 0 Бот." in verdict.text
    assert f"Следующий вопрос через {SETTINGS.pause_seconds} с." in verdict.text
    assert isinstance(cancel, CancelTimers)
    assert timer == SetTimer(ev.PAUSE_END, now + timedelta(seconds=5), game.timer_token)
    assert_timer_discipline(answer_game, game, actions, now)


def test_wrong_answer_scores_for_the_bot() -> None:
    answer_game = drive(Phase.ANSWER)
    game, actions = step(answer_game, say(answerer(answer_game), "Лондон"), at(9))

    assert game.phase is Phase.PAUSE
    assert (game.score_team, game.score_bot) == (0, 1)
    result = single(game.results)
    assert (result.correct, result.answer_text, result.answered_at) == (False, "Лондон", at(9))
    assert result.reason == "wrong"
    verdict = of_type(actions, SendMessage)[0]
    assert verdict.text.startswith("Неверно: «Лондон». Очко боту.")
    assert "Правильный ответ: Париж." in verdict.text
    assert "Счёт: Знатоки 0 : 1 Бот." in verdict.text


def test_the_questions_nezachet_refuses_an_answer_the_rules_would_accept() -> None:
    answer_game = drive(Phase.ANSWER)
    question = dataclasses.replace(answer_game.question, rejected=("Парижем",))
    answer_game = dataclasses.replace(answer_game, questions=(question, *answer_game.questions[1:]))
    game, _ = step(answer_game, say(answerer(answer_game), "в Париже"), at(9))

    result = single(game.results)
    assert (result.correct, result.reason) == (False, "nezachet")
    assert (game.score_team, game.score_bot) == (0, 1)


def test_a_word_form_of_the_answer_scores() -> None:
    answer_game = drive(Phase.ANSWER)
    game, _ = step(answer_game, say(answerer(answer_game), "в Париже"), at(9))

    result = single(game.results)
    assert (result.correct, result.reason) == (True, "word_form")


def test_answer_end_gives_the_bot_a_point() -> None:
    answer_game = drive(Phase.ANSWER)
    now = at(SETTINGS.answer_seconds)
    game, actions = step(answer_game, fire(answer_game, ev.ANSWER_END), now)

    assert game.phase is Phase.PAUSE
    assert (game.score_team, game.score_bot) == (0, 1)
    result = single(game.results)
    assert result.answerer_id == answerer(answer_game)
    assert (result.correct, result.answer_text, result.answered_at) == (False, None, None)
    assert result.reason == "empty"
    verdict = of_type(actions, SendMessage)[0]
    assert verdict.text.startswith("Время вышло, ответа нет. Очко боту.")
    assert "Правильный ответ: Париж." in verdict.text
    assert "Счёт: Знатоки 0 : 1 Бот." in verdict.text
    assert_timer_discipline(answer_game, game, actions, now)


def test_verdict_without_a_comment_has_no_comment_line() -> None:
    game = drive(Phase.PAUSE)
    game, _ = play(game, fire(game, ev.PAUSE_END))
    game, _ = play(game, early(captain(game)))
    game, _ = play(game, pick(captain(game), captain(game)))
    game, actions = play(game, say(captain(game), "Пушкин"))
    verdict = of_type(actions, SendMessage)[0]
    assert "Комментарий" not in verdict.text
    assert "Правильный ответ: Пушкин." in verdict.text
    assert "Счёт: Знатоки 2 : 0 Бот." in verdict.text


# Pause, next rounds, the end --------------------------------------------------------------------


def test_pause_end_starts_the_next_round() -> None:
    pause = drive(Phase.PAUSE)
    now = at(100)
    game, actions = step(pause, fire(pause, ev.PAUSE_END), now)

    assert game.phase is Phase.DISCUSSION
    assert game.round == 2
    assert game.question == QUESTIONS[1]
    assert game.round_started_at == now
    assert game.answerer_id is None
    assert game.warned is False
    assert game.captain_id == pause.captain_id
    assert (game.score_team, game.score_bot) == (1, 0)
    cancel, question, *_ = actions
    assert isinstance(cancel, CancelTimers)
    assert isinstance(question, SendMessage)
    assert question.ref == question_ref(game) == f"g{GAME_ID}.r2.q"
    assert "Раунд 2 из 3" in question.text
    assert QUESTIONS[1].text in question.text
    assert buttons(question.keyboard) == [
        ("Досрочный ответ", {"cmd": "early", "g": GAME_ID, "r": 2})
    ]
    assert_timer_discipline(pause, game, actions, now)


def test_a_warned_round_does_not_leave_the_next_one_warned() -> None:
    discussion = drive(Phase.DISCUSSION)
    game, _ = play(discussion, fire(discussion, ev.DISCUSSION_WARN))
    game = finish_round(game)
    game, _ = play(game, fire(game, ev.PAUSE_END))
    assert game.round == 2
    assert game.warned is False
    warned, actions = step(game, fire(game, ev.DISCUSSION_WARN), NOW)
    assert warned.warned is True
    assert len(actions) == 1


def finish_round(game: Game) -> Game:
    """From DISCUSSION, end the round by timers (the captain does not answer)."""
    start = game.round
    while game.round == start and game.phase is not Phase.PAUSE and not game.phase.over:
        game, _ = play(game, fire(game, MAIN_TIMER[game.phase][0]))
    return game


def test_no_pause_goes_straight_to_the_next_round() -> None:
    settings = dataclasses.replace(SETTINGS, pause_seconds=0)
    answer_game = drive(Phase.ANSWER, settings=settings)
    now = at(33)
    game, actions = step(answer_game, say(answerer(answer_game), "Париж"), now)

    assert game.phase is Phase.DISCUSSION
    assert game.round == 2
    assert (game.score_team, game.score_bot) == (1, 0)
    verdict, cancel, question, *_ = actions
    assert isinstance(verdict, SendMessage)
    assert verdict.text.startswith("Верно!")
    assert isinstance(cancel, CancelTimers)
    assert isinstance(question, SendMessage)
    assert question.ref == f"g{GAME_ID}.r2.q"
    assert ev.PAUSE_END not in timers(actions)
    assert_timer_discipline(answer_game, game, actions, now)


def test_last_round_finishes_the_game() -> None:
    game = drive(Phase.DISCUSSION, questions=QUESTIONS[:1])
    game, _ = play(game, early(captain(game)))
    game, _ = play(game, pick(captain(game), others(game)[0]))
    before = game
    now = at(200)
    game, actions = step(game, say(answerer(game), "Париж"), now)

    assert game.phase is Phase.FINISHED
    assert game.finished_at == now
    assert game.deadline is None
    assert game.answerer_id is None
    verdict, cancel, results = actions
    assert isinstance(verdict, SendMessage)
    assert "Следующий вопрос" not in verdict.text
    assert isinstance(cancel, CancelTimers)
    assert results == SendMessage(texts.results(game))
    assert results.text.startswith("Игра окончена!\nСчёт: Знатоки 1 : 0 Бот. Победили знатоки!")
    assert_timer_discipline(before, game, actions, now)


def test_last_round_finishes_even_without_a_pause() -> None:
    settings = dataclasses.replace(SETTINGS, pause_seconds=0)
    game = drive(Phase.ANSWER, settings=settings, questions=QUESTIONS[:1])
    game, actions = step(game, fire(game, ev.ANSWER_END), NOW)
    assert game.phase is Phase.FINISHED
    assert "Победил бот." in of_type(actions, SendMessage)[-1].text


def test_finished_game_has_every_round_in_order() -> None:
    game = finish(drive(Phase.DISCUSSION))
    assert game.phase is Phase.FINISHED
    assert [r.number for r in game.results] == [1, 2, 3]
    assert [r.question_id for r in game.results] == [q.id for q in QUESTIONS]
    assert (game.score_team, game.score_bot) == (3, 0)


# Stale events -----------------------------------------------------------------------------------


def test_pick_after_the_round_moved_on_is_too_late() -> None:
    pick_game = drive(Phase.PICK)
    chief, other = captain(pick_game), others(pick_game)[0]
    answer_game, _ = step(pick_game, pick(chief, other), NOW)
    pause, _ = step(answer_game, say(other, "Париж"), NOW)
    next_round, _ = step(pause, fire(pause, ev.PAUSE_END), NOW)

    for game in (answer_game, pause, next_round):
        late = pick(chief, others(pick_game)[1])
        assert step(game, late, NOW) == (
            game,
            [AnswerCallback(late.callback_id, chief, texts.TOO_LATE)],
        )


def test_timers_of_an_old_round_are_stale() -> None:
    game = drive(Phase.DISCUSSION)
    old_tokens = []
    # play round 1 collecting the tokens of every phase it went through
    while game.round == 1:
        old_tokens.append(game.timer_token)
        game, _ = play(game, fire(game, MAIN_TIMER[game.phase][0]))
    assert game.phase is Phase.DISCUSSION
    assert game.round == 2
    round_two = [game]
    for event in (early(captain(game)), pick(captain(game), captain(game))):
        game, _ = step(game, event, NOW)
        round_two.append(game)
    round_two.append(step(game, say(captain(game), "Пушкин"), NOW)[0])

    for current in round_two:
        for token in old_tokens:
            for name in TIMER_NAMES:
                assert step(current, ev.TimerFired(name, token), NOW) == (current, [])


def test_timer_with_the_right_token_but_wrong_name_is_ignored() -> None:
    for phase in ACTIVE_PHASES:
        game = drive(phase)
        own = {MAIN_TIMER[phase][0]} | (
            {ev.DISCUSSION_WARN} if phase is Phase.DISCUSSION else set()
        )
        for name in set(TIMER_NAMES) - own:
            assert step(game, fire(game, name), NOW) == (game, [])
    lobby = drive(Phase.LOBBY)
    assert step(lobby, ev.TimerFired("bogus", lobby.timer_token), NOW) == (lobby, [])


@pytest.mark.parametrize("phase", OVER_PHASES)
def test_presses_after_the_game_say_game_over(phase: Phase) -> None:
    game = drive(phase)
    for make in PRESS_EVENTS.values():
        event = make(game)
        assert isinstance(event, ev.Join | ev.Begin | ev.Early | ev.Pick | ev.UnknownPress)
        assert step(game, event, NOW) == (
            game,
            [AnswerCallback(event.callback_id, event.user_id, texts.GAME_OVER)],
        )


@pytest.mark.parametrize("phase", OVER_PHASES)
def test_nothing_else_touches_an_ended_game(phase: Phase) -> None:
    game = drive(phase)
    events: list[ev.GameEvent] = [
        say(ALICE, "Париж"),
        ev.StartRequested(ALICE),
        ev.StopRequested(ALICE),
        ev.InfoRequested(ALICE),
        *(fire(game, name) for name in TIMER_NAMES),
        *(stale(game, name) for name in TIMER_NAMES),
    ]
    for event in events:
        assert step(game, event, NOW) == (game, [])


# (phase, ref of the message whose buttons /stop must take off)
STOP_CLOSES = {
    Phase.LOBBY: f"g{GAME_ID}.lobby",
    Phase.DISCUSSION: f"g{GAME_ID}.r1.q",
    Phase.PICK: f"g{GAME_ID}.r1.pick",
    Phase.ANSWER: None,
    Phase.PAUSE: None,
    Phase.SPIN: None,  # the spin message has no buttons to take off
}


@pytest.mark.parametrize("phase", ACTIVE_PHASES)
def test_stop_in_every_phase(phase: Phase) -> None:
    running = drive(phase)
    now = at(42)
    game, actions = step(running, ev.StopRequested(STRANGER), now)

    assert game.phase is Phase.STOPPED
    assert game.finished_at == now
    assert game.deadline is None
    assert game.answerer_id is None
    assert (game.score_team, game.score_bot) == (running.score_team, running.score_bot)
    assert game.results == running.results
    edits = of_type(actions, EditMessage)
    if STOP_CLOSES[phase] is None:
        assert edits == []
    else:
        edit = single(edits)
        assert edit.ref == STOP_CLOSES[phase]
        assert not has_buttons(edit.keyboard)
        assert actions[0] is edit
    assert isinstance(actions[-2], CancelTimers)
    results = actions[-1]
    assert results == SendMessage(texts.results(game))
    assert results.text.startswith("Игра остановлена досрочно.")
    assert_timer_discipline(running, game, actions, now)
    # every timer the running game had set is now stale
    for name in TIMER_NAMES:
        assert step(game, fire(running, name), now) == (game, [])


def test_stop_texts() -> None:
    _lobby, actions = step(drive(Phase.LOBBY), ev.StopRequested(ALICE), NOW)
    assert of_type(actions, SendMessage)[-1].text == (
        "Игра остановлена досрочно.\nСчёт: Знатоки 0 : 0 Бот. Победителя нет.\n"
        "Ни один раунд не был сыгран."
    )
    _paused, actions = step(drive(Phase.PAUSE), ev.StopRequested(ALICE), NOW)
    text = of_type(actions, SendMessage)[-1].text
    assert "Счёт: Знатоки 1 : 0 Бот. Победили знатоки!" in text
    assert "Раунды:" in text
    assert "Игроки:" in text


@pytest.mark.parametrize("phase", ACTIVE_PHASES)
def test_info_in_every_phase(phase: Phase) -> None:
    game = drive(phase)
    now = at(1)
    same, actions = step(game, ev.InfoRequested(STRANGER), now)
    assert same == game
    message = single(actions)
    assert message == SendMessage(texts.info(game, now))
    assert message.keyboard is None
    assert message.text.startswith(f"Идёт игра: {texts.PHASE_NAMES[phase]}.")
    assert "Остановить игру: /stop." in message.text
    assert f"Игроки: {texts.player_list(game)}." in message.text
    if phase is not Phase.LOBBY:
        title = "Раунд 1 из 3." if phase is not Phase.SPIN else texts.round_title(game)
        assert title.startswith("Раунд 1")
        assert f"{title} Счёт: {texts.score(game)}." in message.text
        assert f"Капитан: {NAMES[captain(game)]}." in message.text
    if phase is Phase.ANSWER:
        assert f"Отвечает: {NAMES[answerer(game)]}." in message.text
    assert game.deadline is not None
    left = round((game.deadline - now).total_seconds())
    assert left > 0
    assert f"Осталось секунд: {left}." in message.text


@pytest.mark.parametrize("phase", ACTIVE_PHASES)
def test_start_during_a_game_says_already_running(phase: Phase) -> None:
    game = drive(phase)
    same, actions = step(game, ev.StartRequested(ALICE), NOW)
    assert same == game
    message = single(actions)
    assert message == SendMessage(texts.already_running(game))
    assert message.text.startswith(f"Игра уже идёт ({texts.PHASE_NAMES[phase]}).")


# Timers -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("phase", "event_name"), sorted(TRANSITIONS))
def test_every_phase_change_resets_the_timers(
    games: dict[Phase, Game], phase: Phase, event_name: str
) -> None:
    game = games[phase]
    now = at(1234)
    new, actions = step(game, ALL_EVENTS[event_name](game), now)
    assert new.phase is TRANSITIONS[(phase, event_name)]
    assert_timer_discipline(game, new, actions, now)
    for timer in of_type(actions, SetTimer):
        assert timer.token == new.timer_token != game.timer_token


# A whole game -----------------------------------------------------------------------------------


def test_full_game_end_to_end() -> None:
    game, opening = open_lobby(GAME_ID, SETTINGS, DECK, SEED, NOW)
    clock = 0
    transcript: list[Action] = list(opening)

    def do(event: ev.GameEvent, seconds: int = 1) -> list[Action]:
        nonlocal game, clock
        clock += seconds
        old = game
        game, actions = step(game, event, at(clock))
        assert_timer_discipline(old, game, actions, at(clock))
        transcript.extend(actions)
        return actions

    def due(name: str) -> None:
        """Fire a timer exactly when it was set to fire."""
        nonlocal clock
        timer = [a for a in transcript if isinstance(a, SetTimer) and a.name == name][-1]
        assert timer.token == game.timer_token
        clock = int((timer.due - NOW).total_seconds()) - 1
        do(ev.TimerFired(name, timer.token))

    do(join(ALICE))
    do(join(BOB))
    do(join(CAROL))
    do(begin(BOB))
    chief = captain(game)
    first, second = others(game)

    # round 1: early answer, the captain picks the first other player, who is right
    do(early(chief))
    do(pick(chief, first))
    do(say(first, "Париж"))
    assert (game.phase, game.score_team, game.score_bot) == (Phase.PAUSE, 1, 0)
    due(ev.PAUSE_END)

    # round 2: the warning, the discussion runs out, the captain does not pick: answers wrong
    assert game.round == 2
    due(ev.DISCUSSION_WARN)
    due(ev.DISCUSSION_END)
    due(ev.PICK_END)
    assert game.answerer_id == chief
    do(say(chief, "Лермонтов"))
    assert (game.score_team, game.score_bot) == (1, 1)
    due(ev.PAUSE_END)

    # round 3: the second other player is picked and stays silent
    do(early(chief))
    do(pick(chief, second))
    do(say(first, "1812"))  # the wrong person, ignored
    due(ev.ANSWER_END)
    assert (game.score_team, game.score_bot) == (1, 2)
    due(ev.PAUSE_END)

    # round 4: the captain picks themself and is right despite the case and spaces
    do(early(chief))
    do(pick(STRANGER, first))  # refused
    do(pick(chief, chief))
    do(say(chief, "  менделеев "))
    assert (game.score_team, game.score_bot) == (2, 2)
    due(ev.PAUSE_END)

    # round 5: an alternative answer counts, and the game ends
    due(ev.DISCUSSION_END)
    do(pick(chief, first))
    final = do(say(first, "Loire"))
    assert game.phase is Phase.FINISHED
    assert (game.score_team, game.score_bot) == (3, 2)
    assert len(game.results) == game.round == 5
    assert [r.correct for r in game.results] == [True, False, False, True, True]
    assert [r.answerer_id for r in game.results] == [first, chief, second, chief, first]
    assert [r.answer_text for r in game.results] == [
        "Париж",
        "Лермонтов",
        None,
        "менделеев",
        "Loire",
    ]

    results = of_type(final, SendMessage)[-1].text
    name = NAMES.__getitem__
    assert results.splitlines() == [
        "Игра окончена!",
        "Счёт: Знатоки 3 : 2 Бот. Победили знатоки!",
        "",
        "Раунды:",
        f"1. Отвечал(а) {name(first)}: «Париж» — верно ✅",
        f"2. Отвечал(а) {name(chief)}: «Лермонтов» — неверно ❌",
        f"3. Отвечал(а) {name(second)}: без ответа — неверно ❌",
        f"4. Отвечал(а) {name(chief)}: «менделеев» — верно ✅",
        f"5. Отвечал(а) {name(first)}: «Loire» — верно ✅",
        "",
        "Игроки:",
        *(
            f"{name(user)}: ответов {answers}, верных {right}"
            for user, answers, right in sorted(
                [(first, 2, 2), (chief, 2, 1), (second, 1, 0)],
                key=lambda row: TEAM.index(row[0]),
            )
        ),
    ]

    # every message whose buttons were shown had them taken off again (the verdicts' appeal
    # buttons by their windows' timers, which the shell routes to appeals.window_closed)
    windows = [a for a in transcript if isinstance(a, SetTimer) and a.name == appeals.APPEAL_END]
    assert len(windows) == 1  # round 2's wrong answer; round 3's silence cannot be appealed
    for window in windows:
        parsed = appeals.parse_timer_token(window.token)
        assert parsed == (game.id, 2)
        transcript.extend(appeals.window_closed(game, parsed[1]))
    assert live_buttons(transcript) == set()
    # nothing more happens
    assert step(game, fire(game, ev.PAUSE_END), at(clock)) == (game, [])


def live_buttons(actions: Iterable[Action]) -> set[str]:
    """Refs of the messages that still show buttons after ``actions`` ran in order."""
    live: dict[str, bool] = {}
    for action in actions:
        if isinstance(action, SendMessage):
            if action.ref is None:
                assert not has_buttons(action.keyboard), "buttons nobody can take off later"
            else:
                live[action.ref] = has_buttons(action.keyboard)
        elif isinstance(action, EditMessage):
            assert action.ref in live, f"an edit of a message never sent: {action.ref}"
            live[action.ref] = has_buttons(action.keyboard)
    return {ref for ref, shown in live.items() if shown}


def expected_live_buttons(game: Game) -> set[str]:
    """The phase's message, and every appealable verdict (the walk never closes a window: the
    shell does, with a lasting timer the machine does not see)."""
    verdicts = {
        appeals.verdict_ref(game.id, r.number)
        for r in game.results
        if appeals.window_end(game, r) is not None
    }
    if game.phase is Phase.LOBBY:
        return {lobby_ref(game)} | verdicts
    if game.phase is Phase.DISCUSSION:
        return {question_ref(game)} | verdicts
    if game.phase is Phase.PICK:
        return {pick_ref(game)} | verdicts
    return verdicts


# Purity -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("phase", list(Phase))
def test_step_is_pure(games: dict[Phase, Game], phase: Phase) -> None:
    game = games[phase]
    snapshot = json.dumps(to_json(game), sort_keys=True)
    for make in ALL_EVENTS.values():
        event = make(game)
        first = step(game, event, NOW)
        second = step(game, event, NOW)
        assert first == second
        assert json.dumps(to_json(game), sort_keys=True) == snapshot
    with pytest.raises(dataclasses.FrozenInstanceError):
        game.phase = Phase.FINISHED  # type: ignore[misc]


def test_open_lobby_is_pure() -> None:
    assert open_lobby(GAME_ID, SETTINGS, QUESTIONS, SEED, NOW) == open_lobby(
        GAME_ID, SETTINGS, QUESTIONS, SEED, NOW
    )


def test_step_does_not_use_global_randomness() -> None:
    lobby = drive(Phase.LOBBY)
    random.seed(1)
    first = step(lobby, begin(ALICE), NOW)
    random.seed(2)
    assert step(lobby, begin(ALICE), NOW) == first


# Random walks -----------------------------------------------------------------------------------

PRESS_TYPES = (ev.Join, ev.Begin, ev.Early, ev.Pick, ev.UnknownPress)


def random_event(game: Game, rng: random.Random, tokens: list[str]) -> ev.GameEvent:
    users = [p.user_id for p in game.players] + [STRANGER, DAVE + 1]
    user = rng.choice(users)
    callback_id = f"cb{rng.randrange(10**9)}"
    kind = rng.choices(
        ["join", "begin", "early", "pick", "unknown", "chat", "start", "stop", "info", "timer"],
        weights=[4, 2, 3, 3, 1, 4, 1, 0.3, 1, 8],
    )[0]
    if kind == "join":
        return ev.Join(rng.choice([*users, ALICE, BOB, CAROL, DAVE]), "Игрок", callback_id)
    if kind == "begin":
        return ev.Begin(user, callback_id)
    if kind == "early":
        return ev.Early(rng.choice([user, _captain_or_alice(game)]), callback_id)
    if kind == "pick":
        presser = rng.choice([user, _captain_or_alice(game), _captain_or_alice(game)])
        return ev.Pick(presser, callback_id, rng.choice([*users, None]))
    if kind == "unknown":
        return ev.UnknownPress(user, callback_id)
    if kind == "chat":
        speaker = rng.choice([user, _answerer_or_other(game), _answerer_or_other(game)])
        text = rng.choice([_answer_text(game), "неверно", "", "  ", "1812", "Paris", "…"])
        return ev.ChatMessage(speaker, text)
    if kind == "start":
        return ev.StartRequested(user)
    if kind == "stop":
        return ev.StopRequested(user)
    if kind == "info":
        return ev.InfoRequested(user)
    token = rng.choice([game.timer_token, game.timer_token, *tokens[-3:], "0:0"])
    return ev.TimerFired(rng.choice(TIMER_NAMES), token)


def random_walk(rng: random.Random, steps: int) -> Game:
    """Play a random game, checking the machine's invariants after every step."""
    settings = GameSettings(
        rounds=3,
        lobby_seconds=rng.choice([30, 90]),
        discussion_seconds=rng.choice([5, 10, 60]),
        pick_seconds=rng.choice([10, 30]),
        answer_seconds=rng.choice([20, 45]),
        pause_seconds=rng.choice([0, 5]),
        mode=rng.choice(["classic", "tv"]),
        spin_step_seconds=rng.choice([1, 3]),
        blitz_seconds=rng.choice([5, 20]),
    )
    deck = TV_DECK if settings.mode == "tv" else DECK
    questions = deck[: rng.randint(1, len(deck))]
    now = NOW
    game, actions = open_lobby(GAME_ID, settings, questions, rng.randrange(2**32), now)
    transcript: list[Action] = list(actions)
    tokens = [game.timer_token]
    for user in rng.sample([ALICE, BOB, CAROL, DAVE], rng.randint(0, 4)):
        game, actions = step(game, join(user), now)
        transcript.extend(actions)

    for _ in range(steps):
        now += timedelta(seconds=rng.choice([0, 1, 7, 30, 120]))
        event = random_event(game, rng, tokens)
        old = game
        game, actions = step(game, event, now)

        assert isinstance(game.phase, Phase)
        assert game.phase in set(Phase)
        assert game.score_team + game.score_bot == len(game.results)
        assert game.score_team == sum(r.correct for r in game.results)
        assert [r.number for r in game.results] == list(range(1, len(game.results) + 1))
        assert 0 <= game.round <= game.rounds_total
        assert game.seq >= old.seq
        assert len(game.players) <= MAX_PLAYERS
        answers = of_type(actions, AnswerCallback)
        if isinstance(event, PRESS_TYPES):
            assert len(answers) == 1
            assert answers[0].callback_id == event.callback_id
            assert answers[0].user_id == event.user_id
        else:
            assert answers == []
        assert_timer_discipline(old, game, actions, now)
        if old.phase.over:
            assert game == old
        if game.phase not in (Phase.LOBBY, Phase.CLOSED, Phase.STOPPED) or game.round:
            assert game.player(game.captain_id) is not None
            assert game.round >= 1
            assert game.started_at is not None
        if game.phase is Phase.ANSWER:
            assert game.player(game.answerer_id) is not None
        else:
            assert game.answerer_id is None
        if game.phase is Phase.FINISHED and not game.tv:
            assert len(game.results) == game.rounds_total
        if game.phase is Phase.FINISHED and game.tv:  # six points, or the deck ran out
            played = game.round + game.extra
            assert max(game.score_team, game.score_bot) == 6 or played == len(game.questions)
        assert len(game.sectors) <= game.round
        assert len(set(game.sectors)) == len(game.sectors)
        transcript.extend(actions)
        assert live_buttons(transcript) == expected_live_buttons(game)
        if game.timer_token != tokens[-1]:
            tokens.append(game.timer_token)
    return game


def test_random_walks_keep_every_invariant() -> None:
    ended = set()
    for seed in range(150):
        game = random_walk(random.Random(seed), steps=80)
        ended.add(game.phase)
    # the walks are long enough to reach the ends of a game
    assert {Phase.FINISHED, Phase.STOPPED} <= ended


def random_events_property(rng: random.Random, steps: int) -> None:
    """A random sequence of events never raises and keeps every invariant (see random_walk)."""
    random_walk(rng, steps)


if hypothesis is not None:
    test_random_events_property = hypothesis.settings(max_examples=40, deadline=None)(
        hypothesis.given(
            rng=strategies.randoms(use_true_random=False),
            steps=strategies.integers(0, 80),
        )(random_events_property)
    )
else:
    test_random_events_property = pytest.mark.skip(
        reason="hypothesis is not installed; the seeded random walks check the same invariants"
    )(random_events_property)


# Pack questions: handouts, pictures, credits, the pack's name -----------------------------------

PACK_DECK = (
    Question(
        21,
        "Что изображено на рисунке?",
        "Кот",
        handout="Мяу.",
        image=True,
        authors=("Анна Авторова",),
        sources=("Книга 1", "Книга 2", "Книга 3", "Книга 4"),
    ),
    Question(22, "Без картинки?", "Да", authors=("Борис Б.", "Вера В.")),
)


def test_a_picture_question_asks_for_its_picture_on_the_question_and_every_edit() -> None:
    game = drive(Phase.DISCUSSION, questions=PACK_DECK)
    game, actions = play(game, fire(game, ev.DISCUSSION_WARN), fire(game, ev.DISCUSSION_END))
    edits = [a for a in of_type(actions, EditMessage) if a.ref == question_ref(game)]
    assert len(edits) == 2
    assert all(edit.image_of == 21 for edit in edits)

    _, start = play(drive(Phase.LOBBY, questions=PACK_DECK), begin(ALICE))
    (question,) = [a for a in of_type(start, SendMessage) if a.ref == question_ref(game)]
    assert question.image_of == 21
    assert "Раздаточный материал:\nМяу.\n\nВопрос: Что изображено на рисунке?" in question.text


def test_stopping_during_a_picture_question_keeps_the_picture_in_the_closing_edit() -> None:
    game = drive(Phase.DISCUSSION, questions=PACK_DECK)
    _, actions = play(game, ev.StopRequested(ALICE))
    (edit,) = [a for a in of_type(actions, EditMessage) if a.ref == question_ref(game)]
    assert edit.image_of == 21


def test_a_question_without_a_picture_asks_for_none() -> None:
    _, start = play(drive(Phase.LOBBY), begin(ALICE))
    assert all(a.image_of is None for a in of_type(start, SendMessage))
    assert all(a.image_of is None for a in of_type(start, EditMessage))


def test_the_verdict_credits_the_authors_and_the_first_sources() -> None:
    game = drive(Phase.ANSWER, questions=PACK_DECK)
    game, actions = play(game, say(answerer(game), "кот"))
    verdict = of_type(actions, SendMessage)[0].text
    assert "Автор: Анна Авторова." in verdict
    assert "Источники: Книга 1; Книга 2; Книга 3 (и ещё 1)" in verdict
    game, _ = play(game, fire(game, ev.PAUSE_END), early(captain(game)))
    if game.phase is Phase.PICK:
        game, _ = play(game, pick(captain(game), captain(game)))
    _, actions = play(game, say(answerer(game), "нет"))
    verdict = of_type(actions, SendMessage)[0].text
    assert "Авторы: Борис Б., Вера В." in verdict
    assert "Источник" not in verdict


def test_the_lobby_names_a_pinned_pack() -> None:
    game, actions = open_lobby(GAME_ID, SETTINGS, PACK_DECK, SEED, NOW, pack_title="Кубок")
    assert game.pack_title == "Кубок"
    assert "Пакет: «Кубок»." in of_type(actions, SendMessage)[0].text
    assert "Пакет" not in texts.lobby(new_lobby())


# Buttons name their game and round: a press from an earlier one never acts on the current ----


def test_a_pick_from_an_earlier_round_is_stale_even_in_the_pick_phase() -> None:
    game = drive(Phase.PICK)
    game, _ = play(game, pick(captain(game), captain(game)))
    game, _ = play(game, say(answerer(game), game.question.answer))
    game, _ = play(game, fire(game, ev.PAUSE_END), early(captain(game)))
    assert (game.phase, game.round) == (Phase.PICK, 2)
    old = ev.Pick(captain(game), "old-pick", others(game)[0], GAME_ID, 1)
    after, actions = step(game, old, NOW)
    assert after == game
    assert actions == [AnswerCallback("old-pick", captain(game), texts.TOO_LATE)]
    current = ev.Pick(captain(game), "pick", others(game)[0], GAME_ID, 2)
    after, _ = step(game, current, NOW)
    assert after.phase is Phase.ANSWER


def test_an_early_answer_from_an_earlier_round_is_stale() -> None:
    game = drive(Phase.PAUSE)
    game, _ = play(game, fire(game, ev.PAUSE_END))
    assert (game.phase, game.round) == (Phase.DISCUSSION, 2)
    after, actions = step(game, ev.Early(captain(game), "cb", GAME_ID, 1), NOW)
    assert after == game
    assert actions == [AnswerCallback("cb", captain(game), texts.TOO_LATE)]


def test_a_press_on_another_games_lobby_is_stale() -> None:
    game = drive(Phase.LOBBY)
    for press in (ev.Join(DAVE, "Денис", "cb", GAME_ID + 1), ev.Begin(ALICE, "cb", GAME_ID + 1)):
        after, actions = step(game, press, NOW)
        assert after == game
        assert actions == [AnswerCallback("cb", press.user_id, texts.TOO_LATE)]
    after, _ = step(game, ev.Join(DAVE, "Денис", "cb", GAME_ID), NOW)
    assert after.player(DAVE) is not None


def test_presses_without_game_or_round_still_act_on_the_current_ones() -> None:
    """Keyboards sent before buttons carried them stay usable across an upgrade."""
    game = drive(Phase.DISCUSSION)
    after, _ = step(game, ev.Early(captain(game), "cb"), NOW)
    assert after.phase is Phase.PICK
