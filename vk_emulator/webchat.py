"""The web chat: a VK-like conversation page served by the emulator at `/`.

Plain static files (vk_emulator/web/), no build step and nothing from a CDN. The page talks
only to the control API: `GET /control/world` for a snapshot, `GET /control/stream` (Server-Sent
Events) for live updates, and the existing POST routes to create users and chats, send messages
as a member and press buttons.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

WEB_DIR = Path(__file__).resolve().parent / "web"
FILES = {
    "index.html": "text/html",
    "app.js": "text/javascript",
    "style.css": "text/css",
}
# A local tool whose files change with the checkout: always revalidate.
HEADERS = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}


def _file(name: str) -> web.Response:
    body = (WEB_DIR / name).read_bytes()
    return web.Response(body=body, content_type=FILES[name], charset="utf-8", headers=HEADERS)


async def index(request: web.Request) -> web.Response:
    return _file("index.html")


async def static(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name not in FILES:
        raise web.HTTPNotFound(text=f"no such web chat file: {name}")
    return _file(name)


def setup(app: web.Application) -> None:
    app.router.add_get("/", index)
    app.router.add_get("/web/{name}", static)
