"""`python -m vk_emulator`: serve the emulator until SIGINT/SIGTERM."""

from __future__ import annotations

import logging

from aiohttp import web

from vk_emulator.server import EmulatorConfig, create_app

logger = logging.getLogger("vk_emulator")


def main() -> None:
    config = EmulatorConfig.from_env()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logger.info(
        "VK emulator on http://%s:%d group_id=%d rate_limit=%d/s history_size=%d",
        config.host,
        config.port,
        config.group_id,
        config.rate_limit_per_second,
        config.history_size,
    )
    # run_app installs SIGINT/SIGTERM handlers and shuts down gracefully; on_shutdown releases
    # held long polls, and handler_cancellation frees polls whose client went away.
    web.run_app(
        create_app(config),
        host=config.host,
        port=config.port,
        print=None,
        access_log=None,
        shutdown_timeout=5.0,
        handler_cancellation=True,
    )


if __name__ == "__main__":
    main()
