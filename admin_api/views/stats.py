"""Statistics: the players' leaderboard and the overview."""

from __future__ import annotations

from aiohttp import web
from aiohttp_apispec import docs, querystring_schema
from aiohttp_apispec import response_schema as returns

from admin_api import schemas
from admin_api.docs import errors
from admin_api.repositories import stats
from admin_api.validation import QUERY
from admin_api.views import db, page, reply

TAGS = ["statistics"]


@docs(
    tags=TAGS,
    summary="Players by correct answers",
    description=(
        "games: games the player was in that began; wins and win_rate count finished games "
        "only (win_rate = wins / finished_games, null without any)."
    ),
    responses=errors(401, 422),
)
@querystring_schema(schemas.PageQuery)
@returns(schemas.PlayerStatsPage, 200)
async def players(request: web.Request) -> web.Response:
    query = request[QUERY]
    async with db(request).begin() as session:
        items, total = await stats.leaderboard(
            session, limit=query["limit"], offset=query["offset"]
        )
    return reply(schemas.PlayerStatsPage(), page(items, total, query["limit"], query["offset"]))


@docs(
    tags=TAGS,
    summary="Chats, games, questions, players; team vs bot results",
    description=(
        "games counts the games that began; team_wins, bot_wins and draws count finished "
        "games; games_by_status counts every game row, closed lobbies included."
    ),
    responses=errors(401),
)
@returns(schemas.Overview, 200)
async def overview(request: web.Request) -> web.Response:
    async with db(request).begin() as session:
        numbers = await stats.overview(session)
    return reply(schemas.Overview(), numbers)
