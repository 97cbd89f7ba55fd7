"""Headless Debian Chromium for the browser tests (the web chat, the web admin), through
Playwright: where the browser is, its flags, why a test is skipped, and a page that fails
the test on any JavaScript error. The browser is never downloaded (``executable_path``)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

try:
    from playwright.async_api import async_playwright, expect
except ImportError:  # pragma: no cover - depends on the machine
    PLAYWRIGHT = False
else:
    PLAYWRIGHT = True

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
# Without the background-networking flags Chromium's own connections are refused here and
# slow the start down; the rest are the usual flags for a headless browser in a container.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 20_000  # one step of a game through the poller, RabbitMQ and the bot


def _skip_reason() -> str | None:
    if not PLAYWRIGHT:
        return (
            "Playwright for Python is not installed: run `.venv/bin/pip install -e '.[test]'` "
            "(it only needs the pip package, never `playwright install`)"
        )
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        return (
            f"Chromium is missing at {CHROMIUM}: run `bash scripts/ensure-chromium.sh` "
            "(installs Debian's `chromium` package with apt-get as root) or point "
            "CHROMIUM_PATH at a Chromium binary"
        )
    return None


SKIP_REASON = _skip_reason()


@contextlib.asynccontextmanager
async def browser_page(width: int, height: int) -> AsyncIterator[Any]:
    """A Russian-locale page of that size; on leaving, no JavaScript error may have happened."""
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        context = await browser.new_context(
            viewport={"width": width, "height": height},
            locale="ru-RU",
            timezone_id="Europe/Moscow",
        )
        context.set_default_timeout(TIMEOUT_MS)
        expect.set_options(timeout=TIMEOUT_MS)
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page
        await browser.close()
        assert errors == [], f"JavaScript errors in the page: {errors}"
