"""The `/method/{name}` endpoint: VK's request pipeline (auth, version, per-token rate limit,
fault injection) in front of the method implementations, plus `execute`."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web

from vk_emulator import vkscript
from vk_emulator.appkeys import CONFIG_KEY, WORLD_KEY
from vk_emulator.errors import ApiError
from vk_emulator.methods import METHODS, NOT_IN_EXECUTE, Context, Params
from vk_emulator.world import JSON, World

logger = logging.getLogger(__name__)

MAX_EXECUTE_CALLS = 25
MIN_VERSION = (5, 81)


async def read_params(request: web.Request) -> dict[str, str]:
    """Query string merged with a form body (form wins), as VK accepts both."""
    params = dict(request.query)
    if request.method == "POST" and request.content_type in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        form = await request.post()
        params.update((key, value) for key, value in form.items() if isinstance(value, str))
    return params


def _token(request: web.Request, params: Params) -> str | None:
    token = params.get("access_token")
    if token:
        return token
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def _check_version(params: Params) -> None:
    raw = params.get("v")
    if not raw:
        raise ApiError(8, "v (version) is required")
    try:
        major, minor = (int(part) for part in raw.split(".", 1))
    except ValueError:
        raise ApiError(8, f"invalid version {raw!r}") from None
    if (major, minor) < MIN_VERSION:
        raise ApiError(8, "versions below 5.81 are deprecated")


def _inject_error(world: World, method: str) -> None:
    faults = world.faults
    if not faults.applies_to(method):
        return
    for code, rate in faults.error_rates.items():
        if rate > 0 and world.rng.random() < rate:
            raise ApiError(code, "injected by the emulator")


def _request_params(method: str, params: Params) -> list[JSON]:
    shown = [{"key": "method", "value": method}, {"key": "oauth", "value": "1"}]
    shown += [{"key": k, "value": v} for k, v in params.items() if k != "access_token"]
    return shown


def _call(ctx: Context, method: str, params: Params) -> Any:
    impl = METHODS.get(method)
    if impl is None:
        raise ApiError(3)
    try:
        return impl(ctx, params)
    except ApiError:
        raise
    except Exception:
        logger.exception("emulator bug in %s", method)
        raise ApiError(10) from None


def _execute(ctx: Context, params: Params) -> tuple[Any, list[JSON]]:
    code = params.get("code", "")
    if not code.strip():
        raise ApiError(100, "code is a required parameter")
    try:
        script = vkscript.parse(code)
    except vkscript.ScriptError as exc:
        raise ApiError(12, str(exc)) from None
    if len(script.calls) > MAX_EXECUTE_CALLS:
        raise ApiError(13, f"too many API calls (at most {MAX_EXECUTE_CALLS})")
    world = ctx.world
    world.counters.execute_requests += 1
    results: list[Any] = []
    errors: list[JSON] = []
    for call in script.calls:
        inner = {key: vkscript.to_param(value) for key, value in call.args.items()}
        try:
            if call.method == "execute":
                raise ApiError(13, "execute cannot be nested")
            if call.method in NOT_IN_EXECUTE:
                raise ApiError(13, f"{call.method} cannot be called from execute")
            _inject_error(world, call.method)
            results.append(_call(ctx, call.method, inner))
        except ApiError as exc:
            world.record_api_error(call.method, exc.code, exc.msg, dict(inner))
            results.append(False)
            errors.append({"method": call.method, "error_code": exc.code, "error_msg": exc.msg})
    return (results if script.returns_list else results[0]), errors


def _dispatch(request: web.Request, world: World, method: str, params: Params) -> JSON:
    token = _token(request, params)
    if token is None:
        raise ApiError(5, "no access_token passed.")
    if token != request.app[CONFIG_KEY].token:
        raise ApiError(5, "invalid access_token.")
    if not world.rate_limiter.allow(token):
        world.counters.rate_limited += 1
        raise ApiError(6)
    _check_version(params)
    _inject_error(world, method)
    ctx = Context(world, f"{request.scheme}://{request.host}")
    if method == "execute":
        response, errors = _execute(ctx, params)
        return (
            {"response": response, "execute_errors": errors} if errors else {"response": response}
        )
    return {"response": _call(ctx, method, params)}


async def handle_method(request: web.Request) -> web.StreamResponse:
    world = request.app[WORLD_KEY]
    method = request.match_info["name"]
    params = await read_params(request)
    counters = world.counters
    counters.requests += 1
    counters.requests_by_method[method] = counters.requests_by_method.get(method, 0) + 1
    faults = world.faults
    if faults.applies_to(method):
        if faults.latency_ms > 0:
            await asyncio.sleep(faults.latency_ms / 1000)
        if faults.http_500_rate > 0 and world.rng.random() < faults.http_500_rate:
            return web.Response(status=500, text="500 Internal Server Error")
    try:
        body = _dispatch(request, world, method, params)
    except ApiError as exc:
        shown = {k: v for k, v in params.items() if k != "access_token"}
        world.record_api_error(method, exc.code, exc.msg, shown)
        error = {
            "error_code": exc.code,
            "error_msg": exc.msg,
            "request_params": _request_params(method, params),
        }
        body = {"error": error}
    return web.json_response(body)


def setup(app: web.Application) -> None:
    app.router.add_get("/method/{name}", handle_method)
    app.router.add_post("/method/{name}", handle_method)
