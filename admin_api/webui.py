"""The web admin: a static single-page app served at ``/admin/`` by the admin API itself.

Plain HTML, CSS and JavaScript modules from ``admin_api/web/`` (no build step, nothing from a
CDN). The page talks only to this REST API (same origin, the session cookie, the CSRF header),
so there is no second source of truth. The routes are public by name (``webui.*``, see
``auth.auth_middleware``): the login page has to load without a session; the data it shows
does not.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

WEB_DIR = Path(__file__).resolve().parent / "web"
PREFIX = "/admin"

# The allow-list: nothing else under web/ is ever served.
FILES = {
    "index.html": "text/html",
    "style.css": "text/css",
    "app.js": "text/javascript",
    "api.js": "text/javascript",
    "dom.js": "text/javascript",
    "questions.js": "text/javascript",
    "packs.js": "text/javascript",
    "chats.js": "text/javascript",
    "games.js": "text/javascript",
    "appeals.js": "text/javascript",
    "stats.js": "text/javascript",
    "favicon.svg": "image/svg+xml",
}

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
# Files that change with the checkout: always revalidated; never sniffed, framed or inlined.
HEADERS = {
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "same-origin",
}


def _file(name: str) -> web.Response:
    body = (WEB_DIR / name).read_bytes()
    return web.Response(body=body, content_type=FILES[name], charset="utf-8", headers=HEADERS)


async def index(request: web.Request) -> web.Response:
    return _file("index.html")


async def static(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name not in FILES:
        raise web.HTTPNotFound()
    return _file(name)


async def to_index(request: web.Request) -> web.Response:
    raise web.HTTPFound(f"{PREFIX}/")


def setup(app: web.Application) -> None:
    """GET /admin/ (the page), /admin/static/{name} (its files), /admin (a redirect)."""
    router = app.router
    router.add_get(f"{PREFIX}/", index, name="webui.index", allow_head=False)
    router.add_get(f"{PREFIX}/static/{{name}}", static, name="webui.static", allow_head=False)
    router.add_get(PREFIX, to_index, name="webui.redirect", allow_head=False)
