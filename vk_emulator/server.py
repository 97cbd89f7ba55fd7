"""Application factory: one World per app, so every test gets an isolated emulator."""

from __future__ import annotations

from aiohttp import web

from vk_emulator import api, control, longpoll
from vk_emulator.appkeys import CONFIG_KEY, WORLD_KEY
from vk_emulator.config import EmulatorConfig, from_env
from vk_emulator.world import World

__all__ = ["CONFIG_KEY", "WORLD_KEY", "EmulatorConfig", "create_app", "from_env"]


async def _release_waiters(app: web.Application) -> None:
    app[WORLD_KEY].close()


def create_app(config: EmulatorConfig | None = None) -> web.Application:
    config = config or EmulatorConfig()
    app = web.Application()
    app[CONFIG_KEY] = config
    app[WORLD_KEY] = World(
        config.group_id,
        history_size=config.history_size,
        log_size=config.log_size,
        rate_limit=config.rate_limit_per_second,
    )
    api.setup(app)
    longpoll.setup(app)
    control.setup(app)
    app.on_shutdown.append(_release_waiters)
    return app
