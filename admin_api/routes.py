"""Every route of the admin API in one table (names mark the public ones, see auth.PUBLIC)."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler

from admin_api import webui
from admin_api.views import (
    appeals,
    auth,
    chats,
    games,
    health,
    images,
    packs,
    questions,
    stats,
)


def setup_routes(app: web.Application) -> None:
    router = app.router

    def get(path: str, handler: Handler, **kwargs: Any) -> None:
        # No implicit HEAD: the spec lists exactly the methods each path answers.
        router.add_get(path, handler, allow_head=False, **kwargs)

    router.add_post("/api/auth/login", auth.login, name="auth.login")
    router.add_post("/api/auth/logout", auth.logout)
    get("/api/auth/me", auth.me)

    # Ids are digits in the path itself, so /api/questions/export is never taken for an id
    # (PATCH there is a 405, not a 422) and /api/questions/abc is simply a 404; a number out of
    # range is a 422 from the path schema.
    get("/api/questions", questions.list_questions)
    router.add_post("/api/questions", questions.create_question)
    get("/api/questions/export", questions.export_questions)
    router.add_post("/api/questions/import", questions.import_questions)
    get(r"/api/questions/{id:\d+}", questions.get_question)
    router.add_patch(r"/api/questions/{id:\d+}", questions.update_question)
    router.add_delete(r"/api/questions/{id:\d+}", questions.delete_question)
    get(r"/api/questions/{id:\d+}/image", images.get_question_image)
    router.add_put(r"/api/questions/{id:\d+}/image", images.put_question_image)
    router.add_delete(r"/api/questions/{id:\d+}/image", images.delete_question_image)

    get("/api/packs", packs.list_packs)
    router.add_post("/api/packs/import", packs.import_pack_file)
    get(r"/api/packs/{id:\d+}", packs.get_pack)
    router.add_patch(r"/api/packs/{id:\d+}", packs.patch_pack)
    router.add_delete(r"/api/packs/{id:\d+}", packs.delete_pack)

    get("/api/chats", chats.list_chats)
    get(r"/api/chats/{peer_id:-?\d+}", chats.get_chat)
    get(r"/api/chats/{peer_id:-?\d+}/leaderboard", chats.get_leaderboard)
    router.add_patch(r"/api/chats/{peer_id:-?\d+}/settings", chats.patch_chat_settings)

    get("/api/games", games.list_games)
    get(r"/api/games/{id:\d+}", games.get_game)
    router.add_post(r"/api/games/{id:\d+}/stop", games.stop_game)

    get("/api/appeals", appeals.list_appeals)
    router.add_post(r"/api/appeals/{id:\d+}/accept", appeals.accept_appeal)
    router.add_post(r"/api/appeals/{id:\d+}/reject", appeals.reject_appeal)

    get("/api/stats/players", stats.players)
    get("/api/stats/overview", stats.overview)
    get("/api/stats/daily", stats.daily)
    get("/api/stats/questions", stats.hardest_questions)

    get("/api/health", health.health, name="health")

    webui.setup(app)
