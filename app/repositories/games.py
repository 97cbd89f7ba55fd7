"""Games: the state machine's state plus the queryable mirror (players, rounds, scores)."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import GamePlayer, GameRound, GameRow
from app.game.model import Game, Phase, from_json, to_json

STATUS_BY_PHASE = {Phase.FINISHED: "finished", Phase.STOPPED: "stopped", Phase.CLOSED: "closed"}


def status_of(game: Game) -> str:
    return STATUS_BY_PHASE.get(game.phase, "active")


async def create(session: AsyncSession, peer_id: int) -> int:
    """Reserve a game id; the caller saves the opened lobby right after."""
    result = await session.execute(insert(GameRow).values(peer_id=peer_id).returning(GameRow.id))
    return int(result.scalar_one())


async def load(session: AsyncSession, game_id: int) -> Game:
    state = await session.scalar(select(GameRow.state).where(GameRow.id == game_id))
    if state is None:
        raise LookupError(f"game {game_id} not found")
    return from_json(state)


async def last_over(session: AsyncSession, peer_id: int) -> Game | None:
    """The chat's most recent finished or stopped game (for /info between games)."""
    state = await session.scalar(
        select(GameRow.state)
        .where(GameRow.peer_id == peer_id, GameRow.status.in_(("finished", "stopped")))
        .order_by(GameRow.id.desc())
        .limit(1)
    )
    return from_json(state) if state is not None else None


async def save(session: AsyncSession, game: Game, before: Game | None = None) -> None:
    """Write the state and its mirror: scores and phase, players, finished rounds.

    With ``before`` (the state this one came from), players and rounds are written only when
    they changed: most events change neither, and each skipped write is a round trip saved.
    """
    await session.execute(
        update(GameRow)
        .where(GameRow.id == game.id)
        .values(
            status=status_of(game),
            phase=game.phase.value,
            round=game.round,
            rounds_total=game.rounds_total,
            score_team=game.score_team,
            score_bot=game.score_bot,
            captain_id=game.captain_id,
            state=to_json(game),
            started_at=game.started_at,
            finished_at=game.finished_at,
            updated_at=func.now(),
        )
    )
    players_changed = before is None or (before.players, before.captain_id) != (
        game.players,
        game.captain_id,
    )
    if game.players and players_changed:
        players = insert(GamePlayer).values(
            [
                {
                    "game_id": game.id,
                    "user_id": player.user_id,
                    "name": player.name,
                    "position": position,
                    "is_captain": player.user_id == game.captain_id,
                }
                for position, player in enumerate(game.players)
            ]
        )
        await session.execute(
            players.on_conflict_do_update(
                index_elements=[GamePlayer.game_id, GamePlayer.user_id],
                set_={"is_captain": players.excluded.is_captain},
            )
        )
    known = len(before.results) if before is not None else 0
    if len(game.results) > known:
        by_id = {question.id: question for question in game.questions}
        rows = [
            {
                "game_id": game.id,
                "number": result.number,
                "question_id": result.question_id,
                "question_text": by_id[result.question_id].text,
                "correct_answer": by_id[result.question_id].answer,
                "answerer_id": result.answerer_id,
                "answer_text": result.answer_text,
                "correct": result.correct,
                "started_at": result.started_at,
                "answered_at": result.answered_at,
            }
            for result in game.results[known:]
        ]
        await session.execute(
            insert(GameRound)
            .values(rows)
            .on_conflict_do_nothing(index_elements=[GameRound.game_id, GameRound.number])
        )
