"""Log in, log out, who am I."""

from __future__ import annotations

from aiohttp import web
from aiohttp_apispec import docs, json_schema, response_schema

from admin_api import auth, schemas
from admin_api.docs import BODY_ERRORS, errors
from admin_api.keys import ADMIN, CurrentAdmin
from admin_api.validation import BODY
from admin_api.views import reply


def _me(admin: CurrentAdmin) -> dict[str, object]:
    return {
        "id": admin.id,
        "email": admin.email,
        "session_expires_at": admin.session_expires_at,
        "csrf_token": admin.csrf_token,
    }


@docs(
    tags=["auth"],
    summary="Log in; sets the session cookie",
    description=(
        "Answers 401 with the same message whether the email is unknown or the password is "
        f"wrong. After {auth.MAX_FAILURES_PER_EMAIL} failures per email or "
        f"{auth.MAX_FAILURES_PER_ADDRESS} per client address within "
        f"{int(auth.THROTTLE_WINDOW.total_seconds() // 60)} minutes it answers 429 with "
        "Retry-After."
    ),
    consumes=["application/json"],
    responses={
        **errors(*BODY_ERRORS, 429),
        **errors(401, e401="Wrong email or password"),
    },
)
@json_schema(schemas.Login, required=True)
@response_schema(schemas.Me, 200, description="Logged in; Set-Cookie carries the session")
async def login(request: web.Request) -> web.Response:
    body = request[BODY]
    admin, token = await auth.login(request, body["email"], body["password"])
    response = reply(schemas.Me(), _me(admin))
    auth.set_session_cookie(response, request, token, admin.session_expires_at)
    return response


@docs(tags=["auth"], summary="Log out: revoke this session", responses=errors(401))
@response_schema(schemas.LoggedOut, 200, description="The session no longer works anywhere")
async def logout(request: web.Request) -> web.Response:
    await auth.logout(request)
    response = reply(schemas.LoggedOut(), {"logged_out": True})
    auth.clear_session_cookie(response, request)
    return response


@docs(tags=["auth"], summary="The logged-in admin", responses=errors(401))
@response_schema(schemas.Me, 200)
async def me(request: web.Request) -> web.Response:
    return reply(schemas.Me(), _me(request[ADMIN]))
