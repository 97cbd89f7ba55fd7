"""Appeals, the pure part (app/game/appeals.py): who may appeal what and when, decisions,
the verdict rendered again, the window's timer token; and how texts show appeals."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from app.actions import LASTING_TIMERS, NO_BUTTONS, SendMessage, SetTimer
from app.game import appeals, texts
from app.game import events as ev
from app.game.machine import open_lobby, step
from app.game.model import BLITZ_SECTOR, Game, GameSettings, Question

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
CAPTAIN, OTHER = 1, 2
DECK = (
    Question(11, "Столица Франции?", "Париж"),
    Question(12, "Автор «Онегина»?", "Пушкин"),
    Question(13, "Год Бородина?", "1812"),
)
SETTINGS = GameSettings(rounds=3, pause_seconds=0, appeal_seconds=60)


def played(*answers: str | None, settings: GameSettings = SETTINGS) -> Game:
    """A game whose rounds were answered so by the captain (None: silence), one second apart."""
    game, _ = open_lobby(5, settings, DECK, 0, NOW)
    game, _ = step(game, ev.Join(CAPTAIN, "Капитан", "cb"), NOW)
    game, _ = step(game, ev.Begin(CAPTAIN, "cb"), NOW)
    assert game.captain_id == CAPTAIN
    for answer in answers:
        game, _ = step(game, ev.Early(CAPTAIN, "cb"), NOW)
        if answer is None:
            game, _ = step(game, ev.TimerFired(ev.ANSWER_END, game.timer_token), NOW)
        else:
            game, _ = step(game, ev.ChatMessage(CAPTAIN, answer), NOW)
    return game


def test_only_a_wrong_given_answer_is_appealable() -> None:
    game = played("Лион", "Пушкин", None)
    assert appeals.refusal(game, 1, CAPTAIN, NOW) is None
    assert appeals.refusal(game, 2, CAPTAIN, NOW) == appeals.NOT_APPEALABLE  # right
    assert appeals.refusal(game, 3, CAPTAIN, NOW) == appeals.NOT_APPEALABLE  # silence
    assert appeals.refusal(game, 4, CAPTAIN, NOW) == appeals.NOT_APPEALABLE  # not played


def test_the_captain_within_the_window_once() -> None:
    game = played("Лион")
    assert appeals.refusal(game, 1, OTHER, NOW) == appeals.CAPTAIN_ONLY
    late = NOW + timedelta(seconds=61)
    assert appeals.refusal(game, 1, CAPTAIN, NOW + timedelta(seconds=60)) is None
    assert appeals.refusal(game, 1, CAPTAIN, late) == appeals.WINDOW_OVER
    filed = appeals.file(game, 1)
    assert filed.results[0].appeal == appeals.PENDING
    assert appeals.refusal(filed, 1, CAPTAIN, NOW) == appeals.ALREADY_FILED


def test_appeals_switched_off_offer_nothing() -> None:
    game = played("Лион", settings=dataclasses.replace(SETTINGS, appeal_seconds=0))
    assert appeals.refusal(game, 1, CAPTAIN, NOW) == appeals.NOT_APPEALABLE
    assert appeals.verdict_without_button(game, 1) is None


def test_accepting_flips_the_round_once_and_rejecting_keeps_the_score() -> None:
    game = appeals.file(played("Лион", "Пушкин"), 1)
    assert (game.score_team, game.score_bot) == (1, 1)
    accepted = appeals.decide(game, 1, True)
    assert (accepted.score_team, accepted.score_bot) == (2, 0)
    assert accepted.results[0].correct
    assert accepted.results[0].appeal == appeals.ACCEPTED
    assert appeals.decide(accepted, 1, True) == accepted  # never twice
    rejected = appeals.decide(game, 1, False)
    assert (rejected.score_team, rejected.score_bot) == (1, 1)
    assert rejected.results[0].appeal == appeals.REJECTED


def test_a_finished_games_winner_changes_with_an_accepted_appeal() -> None:
    game = played("Лион", "Пушкин", "1900")
    assert game.phase.over
    assert texts.winner(game) == "Победил бот."
    game = appeals.decide(appeals.file(game, 1), 1, True)
    assert texts.winner(game) == "Победили знатоки!"
    assert "«Лион» — верно ✅ (апелляция принята)" in texts.results(game)


def test_the_verdict_is_rendered_again_as_it_was_then_without_the_button() -> None:
    game, _ = open_lobby(5, SETTINGS, DECK, 0, NOW)
    game, _ = step(game, ev.Join(CAPTAIN, "Капитан", "cb"), NOW)
    game, _ = step(game, ev.Begin(CAPTAIN, "cb"), NOW)
    game, _ = step(game, ev.Early(CAPTAIN, "cb"), NOW)
    game, actions = step(game, ev.ChatMessage(CAPTAIN, "Лион"), NOW)
    (sent,) = [
        a for a in actions if isinstance(a, SendMessage) and a.ref == appeals.verdict_ref(5, 1)
    ]
    assert sent.keyboard == appeals.appeal_keyboard(5, 1)
    (timer,) = [a for a in actions if isinstance(a, SetTimer) and a.name == appeals.APPEAL_END]
    assert timer.due == NOW + timedelta(seconds=60)
    assert appeals.APPEAL_END in LASTING_TIMERS
    assert appeals.parse_timer_token(timer.token) == (5, 1)

    game, _ = step(game, ev.Early(CAPTAIN, "cb"), NOW)  # round 2 moves on meanwhile
    (edit,) = appeals.window_closed(game, 1)
    assert edit.ref == sent.ref
    assert edit.keyboard == NO_BUTTONS
    assert edit.text.splitlines() == sent.text.splitlines()[:-1]  # without the invitation
    assert appeals.window_closed(appeals.file(game, 1), 1) == []  # filing took it off already


@pytest.mark.parametrize("token", ["5:r1", "x:r1:appeal", "5:rx:appeal", "5:1", "", "5:r1:appeal:"])
def test_other_tokens_are_not_appeal_windows(token: str) -> None:
    assert appeals.parse_timer_token(token) is None


def test_info_lists_the_games_appeals() -> None:
    game, _ = open_lobby(5, SETTINGS, DECK, 0, NOW)
    game, _ = step(game, ev.Join(CAPTAIN, "Капитан", "cb"), NOW)
    game, _ = step(game, ev.Begin(CAPTAIN, "cb"), NOW)
    game, _ = step(game, ev.Early(CAPTAIN, "cb"), NOW)
    game, _ = step(game, ev.ChatMessage(CAPTAIN, "Лион"), NOW)
    assert "Апелляции" not in texts.info(game, NOW)
    game = appeals.file(game, 1)
    assert "Апелляции: раунд 1 — апелляция на рассмотрении." in texts.info(game, NOW)


def test_a_blitz_round_cannot_be_appealed() -> None:
    """Its point needs all three answers right: one appealed answer cannot give it."""
    game = played("Лион")
    assert appeals.refusal(game, 1, CAPTAIN, NOW) is None
    blitz = dataclasses.replace(game, sectors=(BLITZ_SECTOR,))
    assert appeals.refusal(blitz, 1, CAPTAIN, NOW) == appeals.NOT_APPEALABLE
    assert appeals.verdict_without_button(blitz, 1) is None


def test_a_tv_game_offers_no_appeals() -> None:
    """First to six decides the end: a point moved afterwards would leave a game that should
    have ended (or not); so the TV format's verdicts stand."""
    classic = played("Лион")
    game = dataclasses.replace(classic, settings=dataclasses.replace(SETTINGS, mode="tv"))
    assert appeals.refusal(game, 1, CAPTAIN, NOW) == appeals.NOT_APPEALABLE
    assert appeals.window_end(game, game.results[0]) is None
