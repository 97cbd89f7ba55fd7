"""Typed application keys shared by the HTTP modules."""

from aiohttp import web

from vk_emulator.config import EmulatorConfig
from vk_emulator.state import StateStore
from vk_emulator.world import World

WORLD_KEY = web.AppKey("vk_emulator_world", World)
CONFIG_KEY = web.AppKey("vk_emulator_config", EmulatorConfig)
# Present only when the config names a state file.
STATE_KEY = web.AppKey("vk_emulator_state", StateStore)
