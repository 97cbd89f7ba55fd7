"""Typed keys for what the application and each request carry (aiohttp AppKey/RequestKey)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from admin_api.broker import ChatPublisher
from app.settings import Settings


@dataclass(frozen=True)
class CurrentAdmin:
    """The admin a request's session belongs to."""

    id: int
    email: str
    session_expires_at: datetime
    token_hash: str
    csrf_token: str  # what unsafe requests must echo in X-CSRF-Token (auth.csrf_token)


SETTINGS = web.AppKey("settings", Settings)
ENGINE = web.AppKey("engine", AsyncEngine)
SESSIONMAKER: web.AppKey[async_sessionmaker[AsyncSession]] = web.AppKey("sessionmaker")
PUBLISHER = web.AppKey("publisher", ChatPublisher)
ADMIN = web.RequestKey("admin", CurrentAdmin)
