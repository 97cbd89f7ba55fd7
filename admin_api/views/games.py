"""Games: list, one game in detail, and stopping a running game."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import asdict
from typing import Any

from aiohttp import web
from aiohttp_apispec import docs, match_info_schema, querystring_schema
from aiohttp_apispec import response_schema as returns
from sqlalchemy.ext.asyncio import AsyncSession

from admin_api import schemas
from admin_api.broker import BrokerNotConfigured, BrokerUnavailable
from admin_api.docs import errors
from admin_api.errors import ApiError, not_found
from admin_api.keys import ADMIN, PUBLISHER
from admin_api.repositories import games as admin_games
from admin_api.repositories.games import GameRecord, RoundRecord
from admin_api.validation import PATH, QUERY
from admin_api.views import db, page, reply

log = logging.getLogger(__name__)

TAGS = ["games"]


def _summary(game: GameRecord) -> dict[str, Any]:
    data = asdict(game)
    data["score"] = {"team": data.pop("score_team"), "bot": data.pop("score_bot")}
    return data


def _verdict(played: RoundRecord) -> str:
    if played.correct:
        return "correct"
    return "wrong" if played.answer_text else "no_answer"


async def _detail(session: AsyncSession, game: GameRecord) -> dict[str, Any]:
    rounds = await admin_games.rounds(session, game.id)
    answers = Counter(r.answerer_id for r in rounds if r.answerer_id is not None)
    correct = Counter(r.answerer_id for r in rounds if r.answerer_id is not None and r.correct)
    players = [
        {**asdict(p), "answers": answers[p.user_id], "correct": correct[p.user_id]}
        for p in await admin_games.players(session, game.id)
    ]
    return {
        **_summary(game),
        "players": players,
        "rounds": [{**asdict(r), "verdict": _verdict(r)} for r in rounds],
    }


@docs(
    tags=TAGS,
    summary="Games, newest first (filter by chat and status)",
    description=(
        "status: active (lobby or running), finished (all rounds played), stopped (/stop or "
        "an admin stop), closed (the lobby timed out with nobody joined: no game was played)."
    ),
    responses=errors(401, 422),
)
@querystring_schema(schemas.GameQuery)
@returns(schemas.GamePage, 200)
async def list_games(request: web.Request) -> web.Response:
    query = request[QUERY]
    async with db(request).begin() as session:
        items, total = await admin_games.page(
            session,
            peer_id=query.get("peer_id"),
            status=query.get("status"),
            limit=query["limit"],
            offset=query["offset"],
        )
    summaries = [_summary(game) for game in items]
    return reply(schemas.GamePage(), page(summaries, total, query["limit"], query["offset"]))


def _reasons() -> str:
    accepted = "; ".join(
        f"{r.value} — {meaning}" for r, meaning in schemas.REASONS.items() if r.accepted
    )
    refused = "; ".join(
        f"{r.value} — {meaning}" for r, meaning in schemas.REASONS.items() if not r.accepted
    )
    return f"Accepted as {accepted}. Refused as {refused}."


@docs(
    tags=TAGS,
    summary="One game: score, captain, players, rounds with answers and verdicts",
    description=(
        "Rounds are the finished ones; each keeps the question as it was asked. A round's "
        "verdict is correct, wrong or no_answer (nobody answered in time); its reason says "
        "which of the judge's rules decided (null for rounds judged before reasons were "
        f"recorded). {_reasons()}"
    ),
    responses=errors(401, 404, 422),
)
@match_info_schema(schemas.GamePath)
@returns(schemas.GameDetail, 200)
async def get_game(request: web.Request) -> web.Response:
    async with db(request).begin() as session:
        game = await admin_games.get(session, request[PATH]["id"])
        if game is None:
            raise not_found("Game")
        detail = await _detail(session, game)
    return reply(schemas.GameDetail(), detail)


@docs(
    tags=TAGS,
    summary="Stop a running game, as /stop in the chat would (results are sent)",
    description=(
        "Queues a stop into the chat's RabbitMQ shard queue, so the bot applies it in order "
        "with the chat's messages; the answer (202) shows the game as it was when queued. "
        "Needs AMQP_URL."
    ),
    responses=errors(
        401,
        404,
        409,
        422,
        503,
        e409="The game is not active (already finished, stopped or closed)",
    ),
)
@match_info_schema(schemas.GamePath)
@returns(schemas.GameDetail, 202, description="Stop queued")
async def stop_game(request: web.Request) -> web.Response:
    publisher = request.app[PUBLISHER]
    if not publisher.configured:
        raise ApiError(
            503, "broker_not_configured", "Stopping games needs AMQP_URL (RabbitMQ) to be set"
        )
    async with db(request).begin() as session:
        game = await admin_games.get(session, request[PATH]["id"])
        if game is None:
            raise not_found("Game")
        if game.status != "active":
            raise ApiError(409, "game_not_active", f"Game {game.id} is already {game.status}")
        detail = await _detail(session, game)
    admin = request[ADMIN]
    try:
        event_id = await publisher.publish_stop(
            peer_id=game.peer_id, game_id=game.id, admin_id=admin.id
        )
    except (BrokerNotConfigured, BrokerUnavailable) as exc:
        raise ApiError(503, "broker_unavailable", f"RabbitMQ did not take the stop: {exc}") from exc
    log.info(
        "admin %d stopped game %d",
        admin.id,
        game.id,
        extra={"peer_id": game.peer_id, "game_id": game.id, "event_id": event_id},
    )
    return reply(schemas.GameDetail(), detail, status=202)
