"""`python -m vk_emulator`: serve the emulator until SIGINT/SIGTERM."""

from __future__ import annotations

import logging

from aiohttp import web

from vk_emulator.server import EmulatorConfig, StateFileError, create_app

logger = logging.getLogger("vk_emulator")


def main() -> None:
    config = EmulatorConfig.from_env()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        app = create_app(config)
    except StateFileError as exc:
        raise SystemExit(f"vk_emulator: {exc}") from None
    logger.info(
        "VK emulator on http://%s:%d group_id=%d rate_limit=%d/s history_size=%d state_file=%s",
        config.host,
        config.port,
        config.group_id,
        config.rate_limit_per_second,
        config.history_size,
        config.state_file or "-",
    )
    logger.info("web chat: http://%s:%d/", config.host, config.port)
    # run_app installs SIGINT/SIGTERM handlers and shuts down gracefully; on_shutdown releases
    # held long polls, and handler_cancellation frees polls whose client went away.
    web.run_app(
        app,
        host=config.host,
        port=config.port,
        print=None,
        access_log=None,
        shutdown_timeout=5.0,
        handler_cancellation=True,
    )


if __name__ == "__main__":
    main()
