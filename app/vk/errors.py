"""VK API errors as a small hierarchy, so callers decide by kind rather than by number."""

from __future__ import annotations


class VKError(Exception):
    """Base of every failure talking to VK."""


class VKTransportError(VKError):
    """Network failure, timeout, HTTP 5xx or a body that is not VK JSON: safe to retry."""


class VKUploadError(VKError):
    """The upload server did not take a file: ``"photo": "[]"`` (not a JPG/PNG/GIF, too big),
    an error answer, a body that is not JSON or an HTTP error status. Not retried by the client:
    a new attempt needs a new upload URL, so the caller decides."""


class VKAPIError(VKError):
    """VK answered ``{"error": {...}}``."""

    code: int = 0
    retryable = False

    def __init__(self, code: int, msg: str) -> None:
        super().__init__(f"VK error {code}: {msg}")
        self.code = code
        self.msg = msg


class VKRateLimitError(VKAPIError):
    """6: too many requests per second."""

    retryable = True


class VKInternalError(VKAPIError):
    """10: internal server error on VK's side."""

    retryable = True


class VKAuthError(VKAPIError):
    """5 / 27: the token is invalid or revoked; nothing will work until an operator fixes it."""


class VKInvalidRequestError(VKAPIError):
    """100-class and keyboard/format errors: a bug on our side, never retried."""


class VKFloodError(VKAPIError):
    """9: flood control; do not retry straight away."""


class VKPeerUnavailableError(VKAPIError):
    """The bot cannot write to this chat any more (removed, no access, chat disabled)."""


PEER_UNAVAILABLE_CODES = frozenset({7, 15, 901, 902, 917, 925, 927, 935, 945, 946})
INVALID_REQUEST_CODES = frozenset({8, 12, 13, 100, 113, 121, 129, 909, 911, 912, 914, 920})

_BY_CODE: dict[int, type[VKAPIError]] = {
    5: VKAuthError,
    27: VKAuthError,
    6: VKRateLimitError,
    9: VKFloodError,
    10: VKInternalError,
    **{code: VKPeerUnavailableError for code in PEER_UNAVAILABLE_CODES},
    **{code: VKInvalidRequestError for code in INVALID_REQUEST_CODES},
}


def error_for(code: int, msg: str) -> VKAPIError:
    """Build the most specific error class for a VK error code."""
    return _BY_CODE.get(code, VKAPIError)(code, msg)
