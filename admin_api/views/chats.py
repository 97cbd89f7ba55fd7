"""Chats the bot plays in, and their per-chat game settings."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aiohttp import web
from aiohttp_apispec import docs, json_schema, match_info_schema, querystring_schema
from aiohttp_apispec import response_schema as returns
from sqlalchemy.ext.asyncio import AsyncSession

from admin_api import schemas
from admin_api.docs import BODY_ERRORS, errors
from admin_api.errors import invalid, not_found
from admin_api.keys import SETTINGS
from admin_api.repositories import chats as admin_chats
from admin_api.repositories import leaderboard
from admin_api.repositories import packs as admin_packs
from admin_api.repositories.chats import ChatRecord
from admin_api.validation import BODY, PATH, QUERY
from admin_api.views import db, page, reply
from app.game import config
from app.settings import Settings

TAGS = ["chats"]
PACK_ID = "pack_id"  # the settings key the bot reads for the pack a chat plays


def _detail(chat: ChatRecord, settings: Settings) -> dict[str, Any]:
    """The chat with its settings: defaults (environment), overrides, what the bot uses."""
    defaults = settings.game_defaults()
    effective = config.effective(defaults, chat.settings)
    # Only the overrides the bot applies (effective() ignores unknown or out-of-range ones).
    overrides = {
        name: value
        for name, value in chat.settings.items()
        if config.valid(name, value) and value == getattr(effective, name)
    }
    pack_id = chat.settings.get(PACK_ID)
    return {
        **asdict(chat),
        "settings": {
            "defaults": asdict(defaults),
            "overrides": overrides,
            "effective": asdict(effective),
            "bounds": {name: list(bound) for name, bound in config.BOUNDS.items()},
            "choices": {name: list(values) for name, values in config.CHOICES.items()},
            "pack_id": pack_id
            if isinstance(pack_id, int) and not isinstance(pack_id, bool)
            else None,
        },
    }


async def _check_pack(session: AsyncSession, pack_id: int) -> None:
    """A chat may play only a pack that exists and is enabled (a 422 naming the problem)."""
    enabled = await admin_packs.enabled(session, pack_id)
    if enabled is None:
        raise invalid({PACK_ID: [f"There is no pack {pack_id}."]})
    if not enabled:
        raise invalid({PACK_ID: [f"Pack {pack_id} is disabled; enable it first."]})


@docs(
    tags=TAGS,
    summary="Chats, most recently active first",
    description="games_played counts the games that began (left the lobby).",
    responses=errors(401, 422),
)
@querystring_schema(schemas.PageQuery)
@returns(schemas.ChatPage, 200)
async def list_chats(request: web.Request) -> web.Response:
    query = request[QUERY]
    async with db(request).begin() as session:
        items, total = await admin_chats.page(session, limit=query["limit"], offset=query["offset"])
    return reply(schemas.ChatPage(), page(items, total, query["limit"], query["offset"]))


@docs(tags=TAGS, summary="One chat with its game settings", responses=errors(401, 404, 422))
@match_info_schema(schemas.ChatPath)
@returns(schemas.ChatDetail, 200)
async def get_chat(request: web.Request) -> web.Response:
    async with db(request).begin() as session:
        chat = await admin_chats.get(session, request[PATH]["peer_id"])
    if chat is None:
        raise not_found("Chat")
    return reply(schemas.ChatDetail(), _detail(chat, request.app[SETTINGS]))


@docs(
    tags=TAGS,
    summary="Override the chat's game settings or pick its pack (null removes either)",
    description=(
        "Only the keys sent change. The bot reads the settings when it opens a lobby, so a "
        "running game keeps the settings it started with. pack_id must name an enabled pack. "
        "mode: classic (rounds questions) or tv (to 6 points, the spinning top and the blitz, "
        "timed by spin_step_seconds and blitz_seconds)."
    ),
    consumes=["application/json"],
    responses=errors(401, 404, *BODY_ERRORS),
)
@match_info_schema(schemas.ChatPath)
@json_schema(schemas.SettingsPatch, required=True)
@returns(schemas.ChatDetail, 200)
async def patch_chat_settings(request: web.Request) -> web.Response:
    peer_id = request[PATH]["peer_id"]
    body: dict[str, int | str | None] = request[BODY]
    changes = {name: value for name, value in body.items() if value is not None}
    removed = [name for name, value in body.items() if value is None]
    async with db(request).begin() as session:
        if not await admin_chats.patch_settings(session, peer_id, changes, removed):
            raise not_found("Chat")
        pack_id = changes.get(PACK_ID)
        if isinstance(pack_id, int):  # raised here, the change is rolled back
            await _check_pack(session, pack_id)
        chat = await admin_chats.get(session, peer_id)
    assert chat is not None
    return reply(schemas.ChatDetail(), _detail(chat, request.app[SETTINGS]))


@docs(
    tags=TAGS,
    summary="The chat's leaderboard, as /top shows it in the chat",
    description=(
        "items: the chat's players by correct answers over its games (rank: ties share it; "
        "games: the chat's games they played, that is began); team: the chat's team against "
        "the bot, won/lost/drawn counting finished games only, streak the run of equal results "
        "of the latest finished games (stopped games skipped; null before the first)."
    ),
    responses=errors(401, 404, 422),
)
@match_info_schema(schemas.ChatPath)
@querystring_schema(schemas.PageQuery)
@returns(schemas.Leaderboard, 200)
async def get_leaderboard(request: web.Request) -> web.Response:
    peer_id, query = request[PATH]["peer_id"], request[QUERY]
    async with db(request).begin() as session:
        if await admin_chats.get(session, peer_id) is None:
            raise not_found("Chat")
        items, total = await leaderboard.players(
            session, peer_id, limit=query["limit"], offset=query["offset"]
        )
        team = await leaderboard.team(session, peer_id)
    body = {**page(items, total, query["limit"], query["offset"]), "team": team}
    return reply(schemas.Leaderboard(), body)
