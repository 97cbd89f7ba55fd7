"""Write games as the bot writes them (its batch statements), for tests that need a game
in the database without running the bot."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from app.db.pool import Pool, create_pool
from app.game.model import Game
from app.repositories import batch
from app.repositories.batch import ChatWrites


async def save_game(pool: Pool, peer_id: int, game: Game, *, new: bool = True) -> None:
    """Save ``game`` (state, players and rounds mirror); it is the chat's active game unless
    it is over."""
    async with pool.acquire() as conn, conn.transaction():
        await batch.lock_and_load(conn, [], [peer_id])
        writes = ChatWrites(peer_id, games={game.id: (game, None)}, decks={game.id})
        writes.active_game = (None if game.phase.over else game.id,)
        await batch.persist(conn, [writes])


async def pool_for(engine: AsyncEngine) -> Pool:
    """An asyncpg pool on the engine's database (the caller closes it)."""
    return await create_pool(engine.url.render_as_string(hide_password=False), size=2)
