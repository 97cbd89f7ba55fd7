"""Games: how a game's phase maps to the status column its mirror and the admin API use.

The bot writes games with the rest of a batch (:mod:`app.repositories.batch`); the admin
API reads them (:mod:`app.repositories.admin_games`).
"""

from __future__ import annotations

from app.game.model import Game, Phase

STATUS_BY_PHASE = {Phase.FINISHED: "finished", Phase.STOPPED: "stopped", Phase.CLOSED: "closed"}


def status_of(game: Game) -> str:
    return STATUS_BY_PHASE.get(game.phase, "active")
