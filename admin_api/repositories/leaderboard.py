"""A chat's leaderboard for the admin API: the same statements and definitions as the bot's
``/top`` (:mod:`app.repositories.leaderboard`), run through the API's session, so the chat
and the API can never disagree about a figure."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.repositories import leaderboard
from app.repositories.leaderboard import PlayerLine, TeamRecord

_PLAYERS = text(leaderboard.PLAYERS)
_TEAM = text(leaderboard.TEAM)


async def players(
    session: AsyncSession, peer_id: int, *, limit: int, offset: int
) -> tuple[list[PlayerLine], int]:
    """A page of the chat's players, best first, and how many players it has."""
    params = leaderboard.player_params(peer_id, limit=limit, offset=offset)
    rows = (await session.execute(_PLAYERS, params)).all()
    return leaderboard.player_page(rows)


async def team(session: AsyncSession, peer_id: int) -> TeamRecord:
    """The chat's team against the bot: games played, won/lost/drawn, the current streak."""
    row = (await session.execute(_TEAM, {"peer_id": peer_id})).one()
    return leaderboard.team_record(row)
