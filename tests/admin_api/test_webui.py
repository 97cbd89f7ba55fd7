"""The web admin's static files (admin_api/webui.py): served without a session, an allow-list,
the right types and the security headers; the page's modules import only allow-listed files."""

from __future__ import annotations

import re

import pytest

from admin_api import webui
from tests.admin_api.conftest import Client

SECURITY_HEADERS = {
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "Referrer-Policy": "same-origin",
}


def assert_secured(headers: object) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert headers[name] == value, name  # type: ignore[index]


async def test_the_page_loads_without_a_session(anon: Client) -> None:
    response = await anon.get("/admin/")
    assert response.status == 200
    assert response.content_type == "text/html"
    assert response.charset == "utf-8"
    assert_secured(response.headers)
    page = await response.text()
    assert '<html lang="ru">' in page
    assert "Вход" in page
    # Only the page's own files, by absolute path under /admin/static/.
    assets = re.findall(r'(?:src|href)="([^"#]+)"', page)
    assert assets
    for asset in assets:
        assert asset.startswith("/admin/static/"), asset
        assert (await anon.get(asset)).status == 200, asset


async def test_admin_without_the_slash_redirects(anon: Client) -> None:
    response = await anon.get("/admin", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "/admin/"


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("app.js", "text/javascript"),
        ("api.js", "text/javascript"),
        ("stats.js", "text/javascript"),
        ("style.css", "text/css"),
        ("favicon.svg", "image/svg+xml"),
    ],
)
async def test_static_files_with_their_types_and_headers(
    anon: Client, name: str, content_type: str
) -> None:
    response = await anon.get(f"/admin/static/{name}")
    assert response.status == 200
    assert response.content_type == content_type
    assert_secured(response.headers)
    assert await response.read() == (webui.WEB_DIR / name).read_bytes()


@pytest.mark.parametrize(
    "name", ["nope.js", "__init__.py", "..%2Fwebui.py", "%2E%2E%2Fapp.py", "index.htm", "APP.JS"]
)
async def test_files_off_the_list_are_a_404(anon: Client, name: str) -> None:
    response = await anon.get(f"/admin/static/{name}")
    assert response.status == 404


def test_every_file_on_the_list_exists_and_every_module_import_is_on_it() -> None:
    on_disk = {path.name for path in webui.WEB_DIR.iterdir() if path.is_file()}
    assert set(webui.FILES) <= on_disk
    for name in webui.FILES:
        if not name.endswith(".js"):
            continue
        source = (webui.WEB_DIR / name).read_text(encoding="utf-8")
        for imported in re.findall(r'from "\./([^"]+)"', source):
            assert imported in webui.FILES, (name, imported)
        # Data never goes through innerHTML (question texts are user content).
        assert ".innerHTML" not in source, name
        assert ".outerHTML" not in source, name
        assert "insertAdjacentHTML" not in source, name


async def test_the_api_still_needs_a_session(anon: Client) -> None:
    assert (await anon.get("/api/questions")).status == 401
    assert (await anon.get("/api/auth/me")).status == 401
