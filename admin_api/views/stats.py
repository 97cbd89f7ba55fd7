"""Statistics: the players' leaderboard, the overview, games per day, the hardest questions."""

from __future__ import annotations

from datetime import UTC, datetime

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


@docs(
    tags=TAGS,
    summary="Games and their results per day, for a chart",
    description=(
        "One item per UTC day of the last `days` (today included), oldest first, days without "
        "games included with zeros. A game counts on the day it began; team_wins, bot_wins "
        "and draws count those of them that finished (as in the overview)."
    ),
    responses=errors(401, 422),
)
@querystring_schema(schemas.DailyQuery)
@returns(schemas.DailyStats, 200)
async def daily(request: web.Request) -> web.Response:
    today = datetime.now(UTC).date()
    async with db(request).begin() as session:
        items = await stats.daily(session, days=request[QUERY]["days"], today=today)
    return reply(schemas.DailyStats(), {"items": items})


@docs(
    tags=TAGS,
    summary="The hardest questions: the largest share of rounds not answered right",
    description=(
        "From the rounds played with each question that still exists: played (rounds), wrong "
        "(not answered right, unanswered included), wrong_rate = wrong / played. Ordered by "
        "wrong_rate, then played, both descending; min_played leaves out the rarely played."
    ),
    responses=errors(401, 422),
)
@querystring_schema(schemas.HardestQuery)
@returns(schemas.HardestQuestions, 200)
async def hardest_questions(request: web.Request) -> web.Response:
    query = request[QUERY]
    async with db(request).begin() as session:
        items = await stats.hardest_questions(
            session, limit=query["limit"], min_played=query["min_played"]
        )
    return reply(schemas.HardestQuestions(), {"items": items})
