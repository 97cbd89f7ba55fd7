"""Appeals: the captains' contested verdicts, decided by an admin here or in the chat.

A decision is one atomic update of the appeal (whoever is first, here or a conversation admin
in the chat, wins; the other gets 409). The bot then applies it: it flips the round in the
stored game (running or finished), adds an accepted answer to the question's зачёт list and
tells the chat. The API hands the decision over through the chat's queue; if RabbitMQ is not
there, the bot's own sweep applies it within seconds.
"""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp_apispec import docs, match_info_schema, querystring_schema
from aiohttp_apispec import response_schema as returns

from admin_api import schemas
from admin_api.broker import BrokerNotConfigured, BrokerUnavailable
from admin_api.docs import errors
from admin_api.errors import ApiError, not_found
from admin_api.keys import ADMIN, PUBLISHER
from admin_api.repositories import appeals
from admin_api.validation import PATH, QUERY
from admin_api.views import db, page, reply

log = logging.getLogger(__name__)

TAGS = ["appeals"]


@docs(tags=TAGS, summary="Appeals (pending ones oldest first)", responses=errors(401, 422))
@querystring_schema(schemas.AppealQuery)
@returns(schemas.AppealPage, 200)
async def list_appeals(request: web.Request) -> web.Response:
    query = request[QUERY]
    async with db(request).begin() as session:
        items, total = await appeals.page(
            session, query.get("status"), query["limit"], query["offset"]
        )
    return reply(schemas.AppealPage(), page(items, total, query["limit"], query["offset"]))


async def _decide(request: web.Request, accepted: bool) -> web.Response:
    appeal_id = request[PATH]["id"]
    admin = request[ADMIN]
    async with db(request).begin() as session:
        if not await appeals.decide(session, appeal_id, accepted, admin.id):
            found = await appeals.get(session, appeal_id)
            if found is None:
                raise not_found("Appeal")
            raise ApiError(
                409, "appeal_decided", f"Appeal {appeal_id} is already {found['status']}"
            )
        decided = await appeals.get(session, appeal_id)
    assert decided is not None
    try:
        await request.app[PUBLISHER].publish_appeal_decided(
            peer_id=decided["peer_id"], appeal_id=appeal_id
        )
    except (BrokerNotConfigured, BrokerUnavailable) as exc:
        # Decided and stored: the bot's sweep applies it without the update.
        log.warning("appeal %d decided, the bot will find it: %s", appeal_id, exc)
    log.info(
        "admin %d %s appeal %d",
        admin.id,
        "accepted" if accepted else "rejected",
        appeal_id,
        extra={"peer_id": decided["peer_id"], "game_id": decided["game_id"]},
    )
    return reply(schemas.Appeal(), decided)


_DECIDE_DESCRIPTION = (
    "Decides a pending appeal; the bot then corrects the game (running or finished) and tells "
    "the chat (`applied` turns true). 409 when it was decided already, here or in the chat."
)


@docs(
    tags=TAGS,
    summary="Accept an appeal: the round counts for the team, the answer joins the зачёт",
    description=_DECIDE_DESCRIPTION,
    responses=errors(401, 404, 409, 422, e409="The appeal was decided already"),
)
@match_info_schema(schemas.AppealPath)
@returns(schemas.Appeal, 200)
async def accept_appeal(request: web.Request) -> web.Response:
    return await _decide(request, True)


@docs(
    tags=TAGS,
    summary="Reject an appeal: the verdict stands",
    description=_DECIDE_DESCRIPTION,
    responses=errors(401, 404, 409, 422, e409="The appeal was decided already"),
)
@match_info_schema(schemas.AppealPath)
@returns(schemas.Appeal, 200)
async def reject_appeal(request: web.Request) -> web.Response:
    return await _decide(request, False)
