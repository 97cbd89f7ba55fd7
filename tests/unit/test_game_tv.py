"""The TV format (app/game/tv.py): the spinning top, the blitz, six points, eleven rounds.

Built on the machine tests' helpers (tests/unit/test_game_machine.py); the phase × event
matrix runs again here on TV games: after the first spin, and in each question of a blitz.
"""

from __future__ import annotations

import dataclasses

import pytest

from app.actions import AnswerCallback, EditMessage, SendMessage, SetTimer
from app.game import events as ev
from app.game import texts, tv
from app.game.machine import open_lobby, question_ref, step
from app.game.model import (
    BLITZ_QUESTIONS,
    BLITZ_SECTOR,
    SECTORS,
    TV_MAX_ROUNDS,
    TV_TARGET,
    Game,
    Phase,
    from_json,
    to_json,
)
from tests.unit.test_game_machine import (
    ALL_EVENTS,
    BLITZ_SEED,
    GAME_ID,
    IN_PLACE_CHANGES,
    NOW,
    TEAM,
    TRANSITIONS,
    TV_DECK,
    TV_SEED,
    TV_SETTINGS,
    answerer,
    at,
    begin,
    captain,
    check_event,
    drive,
    early,
    finish,
    fire,
    join,
    of_type,
    others,
    pick,
    play,
    say,
    single,
    spin_out,
    timers,
)

# The matrix on TV games ---------------------------------------------------------------------

TV_TRANSITIONS = {
    **TRANSITIONS,
    (Phase.LOBBY, "begin_player"): Phase.SPIN,
    (Phase.LOBBY, "timer_lobby_end"): Phase.SPIN,
    (Phase.PAUSE, "timer_pause_end"): Phase.SPIN,
}
# In a blitz: a right answer before the last question opens the next one; after the first
# question the named answerer answers without a pick.
BLITZ_TRANSITIONS = {
    1: {**TV_TRANSITIONS, (Phase.ANSWER, "chat_answerer_correct"): Phase.DISCUSSION},
    2: {
        **TV_TRANSITIONS,
        (Phase.DISCUSSION, "early_captain"): Phase.ANSWER,
        (Phase.DISCUSSION, "timer_discussion_end"): Phase.ANSWER,
        (Phase.ANSWER, "chat_answerer_correct"): Phase.DISCUSSION,
    },
    3: {
        **TV_TRANSITIONS,
        (Phase.DISCUSSION, "early_captain"): Phase.ANSWER,
        (Phase.DISCUSSION, "timer_discussion_end"): Phase.ANSWER,
    },
}


def drive_tv(phase: Phase, *, seed: int = TV_SEED, players: tuple[int, ...] = TEAM) -> Game:
    return drive(phase, settings=TV_SETTINGS, questions=TV_DECK, seed=seed, players=players)


def drive_blitz(phase: Phase, question: int = 1, *, players: tuple[int, ...] = TEAM) -> Game:
    """A game in its first round's blitz, at ``question`` (1..3), in ``phase``: DISCUSSION,
    PICK (first question only) or ANSWER; the earlier blitz questions answered right."""
    game = drive_tv(Phase.DISCUSSION, seed=BLITZ_SEED, players=players)
    assert game.blitz == 1
    while True:
        if (game.blitz, game.phase) == (question, phase):
            return game
        if game.phase is Phase.DISCUSSION:
            game, _ = play(game, early(captain(game)))
        elif game.phase is Phase.PICK:
            game, _ = play(game, pick(captain(game), others(game)[0]))
        else:
            assert game.phase is Phase.ANSWER
            assert game.blitz < question
            game, _ = play(game, say(answerer(game), game.question.answer))


MATRIX_GAMES = [
    *((f"tv-{phase}", phase, 0) for phase in Phase),
    ("blitz1-discussion", Phase.DISCUSSION, 1),
    ("blitz1-pick", Phase.PICK, 1),
    ("blitz1-answer", Phase.ANSWER, 1),
    ("blitz2-discussion", Phase.DISCUSSION, 2),
    ("blitz2-answer", Phase.ANSWER, 2),
    ("blitz3-discussion", Phase.DISCUSSION, 3),
    ("blitz3-answer", Phase.ANSWER, 3),
]


@pytest.fixture(scope="module")
def tv_games() -> dict[str, Game]:
    return {
        name: drive_blitz(phase, blitz) if blitz else drive_tv(phase)
        for name, phase, blitz in MATRIX_GAMES
    }


def test_the_tv_games_are_where_their_names_say(tv_games: dict[str, Game]) -> None:
    for name, phase, blitz in MATRIX_GAMES:
        game = tv_games[name]
        assert (game.phase, game.blitz, game.tv) == (phase, blitz, True), name
    assert tv_games["tv-spin"].sectors == ()
    assert tv_games["tv-discussion"].sectors[0] != BLITZ_SECTOR
    finished = tv_games["tv-finished"]
    assert (finished.score_team, finished.score_bot) == (TV_TARGET, 0)


@pytest.mark.parametrize("event_name", list(ALL_EVENTS))
@pytest.mark.parametrize("name", [name for name, _, _ in MATRIX_GAMES])
def test_every_event_in_every_tv_phase(
    tv_games: dict[str, Game], name: str, event_name: str
) -> None:
    game = tv_games[name]
    transitions = BLITZ_TRANSITIONS[game.blitz] if game.blitz else TV_TRANSITIONS
    check_event(game, event_name, transitions, IN_PLACE_CHANGES)


# The spinning top ---------------------------------------------------------------------------


def test_the_spin_is_a_pure_function_of_seed_and_round() -> None:
    assert tv.spin(TV_SEED, 1) == tv.spin(TV_SEED, 1)
    # Pinned: a game resumed by another process (or release) must show the same spin.
    assert tv.spin(12345, 1) == tv.Spin(passes=(10, 2, 5), landed=6, sector=6)
    assert tv.spin(12345, 2) == tv.Spin(passes=(11, 3, 6), landed=7, sector=7)
    landings = {tv.spin(seed, 1).landed for seed in range(500)}
    assert landings == set(range(1, SECTORS + 1))  # every sector can come up


def test_a_played_sector_passes_the_round_to_the_next_unplayed_one() -> None:
    landed = tv.spin(7, 3).landed
    after = [(landed + k - 1) % SECTORS + 1 for k in range(4)]
    assert tv.spin(7, 3, frozenset(after[:1])).sector == after[1]
    assert tv.spin(7, 3, frozenset(after[:3])).sector == after[3]
    assert tv.spin(7, 3, frozenset(after[:3])).landed == landed  # the arrow still shows it


def test_a_game_never_plays_a_sector_twice() -> None:
    for seed in range(40):
        game = finish(drive_tv(Phase.DISCUSSION, seed=seed), correct=seed % 2 == 0)
        assert len(set(game.sectors)) == len(game.sectors) == game.round


def test_the_spin_edits_one_message_then_asks_the_question() -> None:
    lobby = drive_tv(Phase.LOBBY)
    game, actions = step(lobby, begin(TEAM[0]), NOW)
    expected = tv.spin(TV_SEED, 1)
    message = single([a for a in of_type(actions, SendMessage) if a.ref == tv.spin_ref(game)])
    assert message.text == texts.spin(game, expected.passes[0])
    assert f"Стрелка проходит сектор {expected.passes[0]}." in message.text
    assert timers(actions) == {
        ev.SPIN_STEP: SetTimer(ev.SPIN_STEP, at(2), game.timer_token),
    }
    edits = []
    for n in range(1, tv.SPIN_PASSES):
        game, actions = step(game, fire(game, ev.SPIN_STEP), at(2 * n))
        assert (game.phase, game.spin_step) == (Phase.SPIN, n + 1)
        edit = single(of_type(actions, EditMessage))
        assert edit.ref == tv.spin_ref(game)
        edits.append(edit.text)
        assert timers(actions)[ev.SPIN_STEP].due == at(2 * n + 2)
    assert [f"сектор {p}." in text for p, text in zip(expected.passes[1:], edits, strict=True)]
    game, actions = step(game, fire(game, ev.SPIN_STEP), at(6))
    assert game.phase is Phase.DISCUSSION
    assert game.sectors == (expected.sector,)
    stop = single(of_type(actions, EditMessage))
    assert stop.ref == tv.spin_ref(game)
    assert f"Волчок остановился: сектор {expected.sector}." in stop.text
    question = single([a for a in of_type(actions, SendMessage) if a.ref == question_ref(game)])
    assert f"Раунд 1 (игра до {TV_TARGET} очков), сектор {expected.sector}." in question.text
    assert TV_DECK[0].text in question.text
    assert game.deadline == at(6 + TV_SETTINGS.discussion_seconds)


def test_a_spin_resumes_from_its_json_exactly() -> None:
    game = drive_tv(Phase.SPIN)
    game, _ = play(game, fire(game, ev.SPIN_STEP))
    restored = from_json(to_json(game))
    assert restored == game
    assert step(restored, fire(game, ev.SPIN_STEP), NOW) == step(
        game, fire(game, ev.SPIN_STEP), NOW
    )


def test_a_stale_spin_timer_is_ignored() -> None:
    game = drive_tv(Phase.SPIN)
    moved, _ = play(game, fire(game, ev.SPIN_STEP))
    assert step(moved, fire(game, ev.SPIN_STEP), NOW) == (moved, [])


def test_presses_during_a_spin_are_refused() -> None:
    game = drive_tv(Phase.PAUSE)
    game, _ = play(game, fire(game, ev.PAUSE_END))
    assert (game.phase, game.round) == (Phase.SPIN, 2)
    for press in (
        ev.Early(captain(game), "cb", GAME_ID, 1),  # round 1's button
        ev.Early(captain(game), "cb", GAME_ID, 2),  # no question to answer early yet
        ev.Pick(captain(game), "cb", TEAM[0], GAME_ID, 1),
    ):
        assert step(game, press, NOW) == (
            game,
            [AnswerCallback("cb", captain(game), texts.TOO_LATE)],
        )


# The blitz ------------------------------------------------------------------------------------


def play_blitz(answers: list[str | None], players: tuple[int, ...] = TEAM) -> Game:
    """The first round's blitz with these answers (None: silence) by the named answerer."""
    game = drive_blitz(Phase.DISCUSSION, players=players)
    named = None
    for given in answers:
        if game.phase is not Phase.DISCUSSION:
            break
        game, _ = play(game, early(captain(game)))
        if game.phase is Phase.PICK:
            named = others(game)[0]
            game, _ = play(game, pick(captain(game), named))
        assert game.phase is Phase.ANSWER
        assert named is None or game.answerer_id == named
        if given is None:
            game, _ = play(game, fire(game, ev.ANSWER_END))
        else:
            game, _ = play(game, say(answerer(game), given))
    return game


def test_a_blitz_of_three_right_answers_scores_for_the_team() -> None:
    game = play_blitz(list(TV_ANSWERS_OF_BLITZ))
    assert game.phase is Phase.PAUSE
    assert (game.score_team, game.score_bot, game.blitz_right) == (1, 0, 3)
    result = single(game.results)
    assert (result.number, result.correct, result.question_id) == (1, True, TV_DECK[2].id)
    assert game.extra == BLITZ_QUESTIONS - 1
    # the next round plays the deck's fourth question
    game = spin_out(play(game, fire(game, ev.PAUSE_END))[0])
    assert (game.round, game.question) == (2, TV_DECK[3])


TV_ANSWERS_OF_BLITZ = tuple(q.answer for q in TV_DECK[:BLITZ_QUESTIONS])


def test_the_blitz_stops_at_the_first_wrong_answer() -> None:
    right, _, third = TV_ANSWERS_OF_BLITZ
    game = play_blitz([right, "совсем не то", third])
    assert game.phase is Phase.PAUSE
    assert (game.score_team, game.score_bot, game.blitz_right) == (0, 1, 1)
    result = single(game.results)
    assert (result.correct, result.answer_text, result.question_id) == (
        False,
        "совсем не то",
        TV_DECK[1].id,
    )
    assert game.extra == 1  # the third blitz question stays in the deck
    game = spin_out(play(game, fire(game, ev.PAUSE_END))[0])
    assert game.question == TV_DECK[2]


def test_silence_in_the_blitz_gives_the_bot_the_point() -> None:
    game = play_blitz([None])
    assert (game.score_team, game.score_bot, game.blitz_right) == (0, 1, 0)
    assert single(game.results).reason == "empty"


def test_the_blitz_texts() -> None:
    lobby = drive_tv(Phase.LOBBY, seed=BLITZ_SEED)
    game = spin_out(play(lobby, begin(TEAM[0]))[0])
    assert "Блиц! 3 вопроса подряд, по 20 с" in texts.spin_stopped(game, BLITZ_SECTOR)
    assert "Раунд 1. Блиц: вопрос 1 из 3." in texts.question(game)
    assert f"На обсуждение {TV_SETTINGS.blitz_seconds} с." in texts.question(game)
    game = drive_blitz(Phase.ANSWER)
    _, actions = play(game, say(answerer(game), game.question.answer))
    assert "блиц: 1 из 3" in of_type(actions, SendMessage)[0].text
    game = drive_blitz(Phase.ANSWER, 3)
    _, actions = play(game, say(answerer(game), game.question.answer))
    verdict = of_type(actions, SendMessage)[0].text
    assert "все 3 вопроса блица взяты, очко знатокам" in verdict
    assert "Счёт: Знатоки 1 : 0 Бот." in verdict
    game, actions = play(drive_blitz(Phase.ANSWER, 2), ev.StopRequested(TEAM[0]))
    results = of_type(actions, SendMessage)[-1].text
    assert "Волчок:\n1. сектор 13 — блиц, верных ответов 1 из 3" in results


def test_the_blitz_answerer_is_named_once_and_answers_every_question() -> None:
    game = drive_blitz(Phase.ANSWER, 3)
    assert game.answerer_id == others(game)[0]
    assert game.blitz_answerer_id == others(game)[0]


def test_a_lone_player_plays_the_blitz_alone() -> None:
    game = play_blitz(list(TV_ANSWERS_OF_BLITZ), players=(TEAM[0],))
    assert (game.score_team, game.blitz_right) == (1, 3)
    assert single(game.results).answerer_id == TEAM[0]


def test_an_early_press_of_an_earlier_blitz_question_is_stale() -> None:
    game = drive_blitz(Phase.DISCUSSION, 2)
    chief = captain(game)
    after, actions = step(game, ev.Early(chief, "old", GAME_ID, 1, 1), NOW)
    assert (after, actions) == (game, [AnswerCallback("old", chief, texts.TOO_LATE)])
    after, actions = step(game, ev.Early(chief, "now", GAME_ID, 1, 2), NOW)
    assert after.phase is Phase.ANSWER
    assert actions[0] == AnswerCallback("now", chief, texts.EARLY_OK)


def test_blitz_buttons_name_the_blitz_question() -> None:
    game = drive_blitz(Phase.ANSWER, 1)
    _, actions = play(game, say(answerer(game), game.question.answer))
    question = single([a for a in of_type(actions, SendMessage) if a.keyboard])
    assert question.ref == f"g{GAME_ID}.r1.b2.q"
    assert question.keyboard is not None
    assert question.keyboard[0][0].payload == {"cmd": "early", "g": GAME_ID, "r": 1, "b": 2}


def test_a_blitz_resumes_from_its_json_exactly() -> None:
    game = drive_blitz(Phase.DISCUSSION, 2)
    restored = from_json(to_json(game))
    assert restored == game
    end = fire(game, ev.DISCUSSION_END)
    assert step(restored, end, NOW) == step(game, end, NOW)


# Six points, eleven rounds, a short deck ------------------------------------------------------


def test_the_first_side_to_six_points_wins() -> None:
    for seed in (TV_SEED, BLITZ_SEED):
        game = finish(drive_tv(Phase.DISCUSSION, seed=seed), correct=False)
        assert game.phase is Phase.FINISHED
        assert (game.score_team, game.score_bot, game.round) == (0, TV_TARGET, TV_TARGET)
        assert "Победил бот." in texts.results(game)
        assert "Волчок:" in texts.results(game)


def test_eleven_rounds_at_most() -> None:
    game = drive_tv(Phase.DISCUSSION)
    while not game.phase.over:
        if game.phase is Phase.ANSWER:
            right = game.round % 2 == 1  # 5:5 after ten rounds, then the team's eleventh
            given = game.question.answer if right else "совсем не то"
            game, _ = play(game, say(answerer(game), given))
        else:
            game = finish_step(game)
    assert game.phase is Phase.FINISHED
    assert game.round == len(game.results) == TV_MAX_ROUNDS
    assert (game.score_team, game.score_bot) == (TV_TARGET, TV_TARGET - 1)


def finish_step(game: Game) -> Game:
    """Let the phase's main timer fire."""
    name = {
        Phase.SPIN: ev.SPIN_STEP,
        Phase.DISCUSSION: ev.DISCUSSION_END,
        Phase.PICK: ev.PICK_END,
        Phase.PAUSE: ev.PAUSE_END,
    }[game.phase]
    return play(game, fire(game, name))[0]


def test_a_short_deck_ends_the_game_when_it_runs_out_and_skips_the_blitz() -> None:
    short = TV_DECK[:4]
    for seed in range(30):
        game, _ = open_lobby(GAME_ID, TV_SETTINGS, short, seed, NOW)
        game = finish(play(game, join(TEAM[0]), begin(TEAM[0]))[0])
        assert game.phase is Phase.FINISHED
        played = game.round + game.extra
        assert played <= len(short)
        if game.score_team < TV_TARGET:
            assert played == len(short)
            assert "Вопросы в колоде закончились" in texts.results(game)
        for number, sector in enumerate(game.sectors, start=1):
            if sector == BLITZ_SECTOR:  # only with three questions left for it
                assert len(short) - (number - 1) >= BLITZ_QUESTIONS


def test_the_lobby_and_info_speak_of_the_tv_format() -> None:
    lobby = drive_tv(Phase.LOBBY)
    assert f"игра до {TV_TARGET} очков" in texts.lobby(lobby)
    game = drive_tv(Phase.PAUSE)
    info = texts.info(game, NOW)
    assert f"сектор {game.sectors[0]}." in info
    assert f"\nСыгранные секторы: {game.sectors[0]}.\n" in info
    game = drive_blitz(Phase.ANSWER, 2)
    assert "Сыгранные секторы: 13 (блиц, верных ответов 1 из 3)." in texts.info(game, NOW)


def test_a_tv_verdict_announces_the_next_round_until_six_points() -> None:
    game = drive_tv(Phase.ANSWER)
    _, actions = play(game, say(answerer(game), game.question.answer))
    assert "Следующий вопрос через" in of_type(actions, SendMessage)[0].text
    game = dataclasses.replace(drive_tv(Phase.ANSWER), score_team=TV_TARGET - 1)
    game, actions = play(game, say(answerer(game), game.question.answer))
    assert "Следующий вопрос через" not in of_type(actions, SendMessage)[0].text
    assert game.phase is Phase.FINISHED


def test_classic_games_never_spin() -> None:
    game = finish(drive(Phase.DISCUSSION))
    assert (game.sectors, game.spin_step, game.extra) == ((), 0, 0)
    assert "Волчок" not in texts.results(game)
