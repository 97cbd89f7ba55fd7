"""The game state (app/game/model.py): JSON round trips, tokens, small helpers."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from app.game import events as ev
from app.game.machine import open_lobby, step
from app.game.model import (
    Game,
    GameSettings,
    Phase,
    Player,
    Question,
    RoundResult,
    deck_json,
    from_json,
    question_from_json,
    question_json,
    state_json,
    to_json,
)
from tests.unit.game_fixtures import SETTINGS

MSK = timezone(timedelta(hours=3))
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

QUESTIONS = (
    Question(
        11,
        "Столица Франции?",
        "Париж",
        ("Paris", "Paris, France"),
        "Город на Сене.",
        rejected=("Франция",),
        handout="Карта: «Лютеция»",
        image=True,
        authors=("Иван Иванов", "Пётр Петров"),
        sources=("https://ru.wikipedia.org/wiki/Париж",),
    ),
    Question(12, "Автор «Евгения Онегина»?", "Пушкин"),
    Question(13, "Год Бородинского сражения?", "1812", comment="Отечественная война."),
)


def rich_game() -> Game:
    """A mid-game state with every field set, datetimes in two time zones."""
    started = datetime(2024, 5, 1, 15, 0, 0, 123456, tzinfo=MSK)
    return Game(
        id=42,
        phase=Phase.ANSWER,
        settings=dataclasses.replace(SETTINGS, mode="tv", spin_step_seconds=2, blitz_seconds=15),
        questions=QUESTIONS,
        seed=2**40 + 7,
        created_at=datetime(2024, 5, 1, 11, 59, tzinfo=UTC),
        players=(Player(101, "Алиса"), Player(102, "Борис «Бобби» O'Нил"), Player(103, "")),
        captain_id=102,
        round=3,
        seq=17,
        deadline=started + timedelta(minutes=5),
        round_started_at=started + timedelta(minutes=4),
        answerer_id=101,
        warned=True,
        score_team=1,
        score_bot=1,
        results=(
            RoundResult(
                1, 11, 101, "Paris", True, started, started + timedelta(seconds=75), "zachet"
            ),
            RoundResult(2, 12, 102, None, False, started + timedelta(minutes=2), None, "empty"),
        ),
        started_at=started,
        finished_at=None,
        pack_title="Кубок «Знатоков» — 2026",
        sectors=(4, 13),
        spin_step=3,
        blitz=1,
        blitz_right=1,
        blitz_answerer_id=101,
        extra=0,
    )


def all_phase_games() -> list[Game]:
    """Games produced by the machine in every phase it can reach in a short game."""
    game, _ = open_lobby(5, SETTINGS, QUESTIONS, 99, NOW)
    found = [game]
    closed, _ = step(game, ev.TimerFired(ev.LOBBY_END, game.timer_token), NOW)
    found.append(closed)
    for user, name in ((101, "Алиса"), (102, "Борис")):
        game, _ = step(game, ev.Join(user, name, f"cb{user}"), NOW)
    found.append(game)
    stopped, _ = step(game, ev.StopRequested(101), NOW)
    found.append(stopped)
    clock = NOW
    timer_for = {
        Phase.LOBBY: ev.LOBBY_END,
        Phase.DISCUSSION: ev.DISCUSSION_END,
        Phase.PICK: ev.PICK_END,
        Phase.PAUSE: ev.PAUSE_END,
        Phase.SPIN: ev.SPIN_STEP,
    }
    while not game.phase.over:
        clock += timedelta(seconds=11)
        event: ev.GameEvent
        if game.phase is Phase.ANSWER:
            assert game.answerer_id is not None
            event = ev.ChatMessage(game.answerer_id, game.question.answer)
        else:
            event = ev.TimerFired(timer_for[game.phase], game.timer_token)
        game, _ = step(game, event, clock)
        found.append(game)
    # A TV game: its spin, and a blitz (seed 1 spins the blitz first: see test_game_tv.py).
    game, _ = open_lobby(6, dataclasses.replace(SETTINGS, mode="tv"), QUESTIONS, 1, NOW)
    game, _ = step(game, ev.Join(101, "Алиса", "cb"), NOW)
    game, _ = step(game, ev.Begin(101, "cb"), NOW)
    while not game.phase.over:
        clock += timedelta(seconds=11)
        if game.phase is Phase.ANSWER:
            assert game.answerer_id is not None
            event = ev.ChatMessage(game.answerer_id, game.question.answer)
        else:
            event = ev.TimerFired(timer_for[game.phase], game.timer_token)
        game, _ = step(game, event, clock)
        found.append(game)
    assert {g.phase for g in found} == set(Phase)
    assert any(g.blitz == 2 for g in found)
    return found


def assert_plain_json(value: Any) -> None:
    """Only the types json produces: no datetimes, enums, tuples or dataclasses."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert type(key) is str
            assert_plain_json(item)
    elif isinstance(value, list):
        for item in value:
            assert_plain_json(item)
    else:
        assert value is None or type(value) in (str, int, float, bool), repr(value)


# Round trips ------------------------------------------------------------------------------------


def test_round_trip_of_a_rich_game() -> None:
    game = rich_game()
    data = to_json(game)
    assert from_json(data) == game
    # and through real JSON text, as the database stores it
    assert from_json(json.loads(json.dumps(data))) == game


def test_state_and_deck_are_stored_apart_and_make_the_same_game() -> None:
    game = rich_game()
    state, deck = state_json(game), deck_json(game)
    assert "questions" not in state  # the deck is written once, not with every event
    assert from_json(json.loads(json.dumps(state)), json.loads(json.dumps(deck))) == game
    assert to_json(game) == {**state, "questions": deck}


def test_every_field_is_serialised() -> None:
    """The hand-written serialiser must not forget a field added to the model."""
    game = rich_game()
    assert set(to_json(game)) == {field.name for field in dataclasses.fields(Game)}
    assert set(deck_json(game)[0]) == {field.name for field in dataclasses.fields(Question)}
    assert set(state_json(game)["results"][0]) == {
        field.name for field in dataclasses.fields(RoundResult)
    }
    assert set(state_json(game)["settings"]) == {
        field.name for field in dataclasses.fields(GameSettings)
    }


def test_a_plain_question_keeps_its_json_small_and_old_decks_still_load() -> None:
    """The optional fields are written only when set; a deck stored before them reads back."""
    plain = QUESTIONS[1]
    (data,) = deck_json(dataclasses.replace(rich_game(), questions=(plain,)))
    assert set(data) == {"id", "text", "answer", "alternatives", "comment", "rejected"}
    assert question_from_json(data) == plain
    assert question_json(QUESTIONS[0])["image"] is True


def test_json_is_plain() -> None:
    data = to_json(rich_game())
    assert_plain_json(data)
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data


def test_json_field_shapes() -> None:
    data = to_json(rich_game())
    assert type(data["phase"]) is str
    assert data["phase"] == "answer"
    assert data["settings"] == dataclasses.asdict(rich_game().settings)
    assert data["sectors"] == [4, 13]
    assert data["players"][1] == {"user_id": 102, "name": "Борис «Бобби» O'Нил"}
    assert data["questions"][0]["alternatives"] == ["Paris", "Paris, France"]
    assert data["questions"][1]["comment"] is None
    assert data["questions"][0]["rejected"] == ["Франция"]
    assert data["questions"][1]["rejected"] == []
    assert [r["reason"] for r in data["results"]] == ["zachet", "empty"]
    assert data["results"][1]["answer_text"] is None
    assert data["results"][1]["answered_at"] is None
    assert data["finished_at"] is None
    assert data["started_at"] == "2024-05-01T15:00:00.123456+03:00"
    assert data["created_at"] == "2024-05-01T11:59:00+00:00"


def test_datetimes_keep_their_time_zone() -> None:
    game = rich_game()
    back = from_json(json.loads(json.dumps(to_json(game))))
    pairs = [
        (game.created_at, back.created_at),
        (game.started_at, back.started_at),
        (game.deadline, back.deadline),
        (game.round_started_at, back.round_started_at),
        *((a.started_at, b.started_at) for a, b in zip(game.results, back.results, strict=True)),
        (game.results[0].answered_at, back.results[0].answered_at),
    ]
    for before, after in pairs:
        assert before is not None
        assert after is not None
        # equal instants are not enough: the offset and the microseconds survive too
        assert after.isoformat() == before.isoformat()
        assert after.utcoffset() == before.utcoffset()
    assert back.started_at is not None
    assert back.started_at.utcoffset() == timedelta(hours=3)
    assert back.created_at.utcoffset() == timedelta(0)


def test_round_trip_restores_value_types() -> None:
    back = from_json(json.loads(json.dumps(to_json(rich_game()))))
    assert back.phase is Phase.ANSWER
    assert isinstance(back.settings, GameSettings)
    assert type(back.questions) is tuple
    assert all(isinstance(q, Question) for q in back.questions)
    assert type(back.questions[0].alternatives) is tuple
    assert type(back.questions[0].rejected) is tuple
    assert type(back.players) is tuple
    assert all(isinstance(p, Player) for p in back.players)
    assert type(back.results) is tuple
    assert all(isinstance(r, RoundResult) for r in back.results)
    # hashable again (tuples, not lists), as frozen values should be
    assert hash(back.questions) == hash(rich_game().questions)


@pytest.mark.parametrize("phase", list(Phase))
def test_round_trip_of_every_phase(phase: Phase) -> None:
    game = dataclasses.replace(rich_game(), phase=phase)
    assert from_json(json.loads(json.dumps(to_json(game)))) == game


def test_round_trip_of_machine_made_games() -> None:
    for game in all_phase_games():
        data = json.loads(json.dumps(to_json(game)))
        assert_plain_json(data)
        back = from_json(data)
        assert back == game
        assert back.timer_token == game.timer_token


def test_a_restored_game_plays_on_identically() -> None:
    """The JSON holds the whole state: the machine cannot tell a restored game apart."""
    for game in all_phase_games():
        back = from_json(json.loads(json.dumps(to_json(game))))
        events: list[ev.GameEvent] = [
            ev.TimerFired(name, game.timer_token) for name in ev.TIMER_NAMES
        ]
        events += [ev.InfoRequested(1), ev.StopRequested(1), ev.Begin(101, "cb")]
        for event in events:
            assert step(back, event, NOW) == step(game, event, NOW)


def test_round_trip_of_a_fresh_lobby() -> None:
    game, _ = open_lobby(1, GameSettings(), (), 0, NOW)
    data = to_json(game)
    assert data["players"] == []
    assert data["results"] == []
    assert data["captain_id"] is None
    assert data["started_at"] is None
    assert from_json(data) == game


def test_naive_datetimes_stay_naive() -> None:
    naive = datetime(2024, 1, 2, 3, 4, 5)
    game = dataclasses.replace(rich_game(), created_at=naive, started_at=naive)
    back = from_json(to_json(game))
    assert back.created_at == naive
    assert back.created_at.tzinfo is None


def test_from_json_fills_defaults_for_missing_optional_fields() -> None:
    minimal = {
        "id": 3,
        "phase": "lobby",
        "settings": {},
        "questions": [{"id": 1, "text": "Вопрос?", "answer": "Ответ"}],
        "seed": 5,
        "created_at": "2024-05-01T12:00:00+00:00",
    }
    game = from_json(minimal)
    assert game == Game(
        id=3,
        phase=Phase.LOBBY,
        settings=GameSettings(),
        questions=(Question(1, "Вопрос?", "Ответ"),),
        seed=5,
        created_at=NOW,
    )
    assert game.questions[0].alternatives == ()
    assert game.questions[0].comment is None
    assert game.questions[0].rejected == ()


def test_from_json_reads_states_saved_before_the_judges_reasons() -> None:
    # a game saved before Question.rejected and RoundResult.reason existed
    data = to_json(rich_game())
    for question in data["questions"]:
        del question["rejected"]
    for result in data["results"]:
        del result["reason"]
    game = from_json(data)
    assert all(question.rejected == () for question in game.questions)
    assert all(result.reason is None for result in game.results)


def test_from_json_rejects_an_unknown_phase() -> None:
    data = to_json(rich_game())
    data["phase"] = "intermission"
    with pytest.raises(ValueError, match="intermission"):
        from_json(data)


def test_to_json_does_not_share_state_with_the_game() -> None:
    game = rich_game()
    data = to_json(game)
    data["players"].append({"user_id": 1, "name": "x"})
    data["questions"][0]["alternatives"].append("y")
    assert to_json(game) != data
    assert len(game.players) == 3


# Timer tokens and moved() -----------------------------------------------------------------------


def test_timer_token_names_the_game_and_its_seq() -> None:
    game = rich_game()
    assert game.timer_token == "42:17"
    assert dataclasses.replace(game, id=43).timer_token != game.timer_token


def test_moved_bumps_seq_and_changes_the_token() -> None:
    game = rich_game()
    moved = game.moved(Phase.PAUSE, answerer_id=None, deadline=None)
    assert moved.phase is Phase.PAUSE
    assert moved.seq == game.seq + 1
    assert moved.timer_token == "42:18"
    assert moved.timer_token != game.timer_token
    assert moved.answerer_id is None
    assert moved.deadline is None
    # everything else is carried over, and the original is untouched
    assert (
        dataclasses.replace(
            moved,
            phase=game.phase,
            seq=game.seq,
            answerer_id=game.answerer_id,
            deadline=game.deadline,
        )
        == game
    )
    assert game.seq == 17


def test_moved_to_the_same_phase_still_changes_the_token() -> None:
    game = rich_game()
    tokens = {game.timer_token}
    for _ in range(5):
        game = game.moved(game.phase)
        tokens.add(game.timer_token)
    assert len(tokens) == 6


def test_replace_without_moving_keeps_the_token() -> None:
    game = rich_game()
    assert dataclasses.replace(game, warned=False).timer_token == game.timer_token


def test_moved_rejects_unknown_fields() -> None:
    with pytest.raises(TypeError):
        rich_game().moved(Phase.PAUSE, no_such_field=1)


# Small helpers ----------------------------------------------------------------------------------


def test_values_are_frozen() -> None:
    game = rich_game()
    with pytest.raises(dataclasses.FrozenInstanceError):
        game.seq = 0  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        game.players[0].name = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        game.settings.rounds = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("phase", "over"),
    [
        (Phase.LOBBY, False),
        (Phase.DISCUSSION, False),
        (Phase.PICK, False),
        (Phase.ANSWER, False),
        (Phase.PAUSE, False),
        (Phase.FINISHED, True),
        (Phase.STOPPED, True),
        (Phase.CLOSED, True),
    ],
)
def test_phase_over(phase: Phase, over: bool) -> None:
    assert phase.over is over


def test_phase_values_are_stable() -> None:
    # stored in the database: renaming one breaks every saved game
    assert [phase.value for phase in Phase] == [
        "lobby",
        "discussion",
        "pick",
        "answer",
        "pause",
        "finished",
        "stopped",
        "closed",
        "spin",
    ]


def test_question_accepted_lists_the_answer_first() -> None:
    assert QUESTIONS[0].accepted == ("Париж", "Paris", "Paris, France")
    assert QUESTIONS[1].accepted == ("Пушкин",)


def test_rounds_total_and_current_question() -> None:
    game = rich_game()
    assert game.rounds_total == 3
    assert game.question == QUESTIONS[2]
    assert dataclasses.replace(game, round=2, extra=1).question == QUESTIONS[2]
    assert dataclasses.replace(game, round=1).question == QUESTIONS[0]


def test_player_lookup_and_names() -> None:
    game = rich_game()
    assert game.player(101) == Player(101, "Алиса")
    assert game.player(999) is None
    assert game.player(None) is None
    assert game.name_of(101) == "Алиса"
    assert game.name_of(999) == "id999"


def test_settings_defaults() -> None:
    assert GameSettings() == GameSettings(
        rounds=6,
        lobby_seconds=60,
        discussion_seconds=60,
        pick_seconds=30,
        answer_seconds=60,
        pause_seconds=3,
        mode="classic",
        spin_step_seconds=1,
        blitz_seconds=20,
    )
