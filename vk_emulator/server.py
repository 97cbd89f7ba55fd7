"""Application factory: one World per app, so every test gets an isolated emulator."""

from __future__ import annotations

from aiohttp import web

from vk_emulator import api, callback_push, control, longpoll, uploads, webchat
from vk_emulator.appkeys import CONFIG_KEY, STATE_KEY, WORLD_KEY
from vk_emulator.config import EmulatorConfig, from_env
from vk_emulator.state import StateFileError, StateStore
from vk_emulator.world import World

__all__ = [
    "CONFIG_KEY",
    "STATE_KEY",
    "WORLD_KEY",
    "EmulatorConfig",
    "StateFileError",
    "create_app",
    "from_env",
]


async def _release_waiters(app: web.Application) -> None:
    app[WORLD_KEY].close()


async def _save_state(app: web.Application) -> None:
    app[STATE_KEY].close()


def create_app(config: EmulatorConfig | None = None) -> web.Application:
    """The emulator application. With `config.state_file` the world is loaded from that file
    here (StateFileError if it is unusable) and saved to it after changes and on cleanup."""
    config = config or EmulatorConfig()
    app = web.Application()
    app[CONFIG_KEY] = config
    world = World(
        config.group_id,
        history_size=config.history_size,
        log_size=config.log_size,
        rate_limit=config.rate_limit_per_second,
    )
    app[WORLD_KEY] = world
    if config.state_file:
        store = StateStore(world, config.state_file, config.state_save_interval)
        store.load()
        store.attach()
        app[STATE_KEY] = store
        # Cleanup runs after every handler has finished, so the last change is in the file.
        app.on_cleanup.append(_save_state)
    api.setup(app)
    longpoll.setup(app)
    control.setup(app)
    webchat.setup(app)
    uploads.setup(app)
    callback_push.setup(app)
    app.on_shutdown.append(_release_waiters)
    return app
