"""SDK exceptions → one GatewayError with a kind and a sentence a user can act on."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from desktop_app.services.failure_text import report_failure


class ErrorKind(StrEnum):
    AUTH = "auth"
    RATE_LIMIT = "rate_limit"
    SERVER = "server"
    TIMEOUT = "timeout"
    OFFLINE = "offline"
    BAD_REQUEST = "bad_request"
    NOT_SUPPORTED = "not_supported"


class GatewayError(Exception):
    """What went wrong talking to the server. `message` is written for the user."""

    def __init__(self, kind: ErrorKind, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status


def _server_message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return error["message"]
        if isinstance(body.get("message"), str):
            return body["message"]
    return ""


def _code(exc: Any) -> str:
    code = getattr(exc, "code", None)
    return code if isinstance(code, str) else ""


def map_error(
    exc: BaseException, base_url: str, timeout: float, mid_stream: bool = False
) -> GatewayError:
    """Translate an exception raised by the openai SDK (or its transport) for the user."""
    import openai

    where = base_url or "api.openai.com"
    said = _server_message(exc)
    detail = f" The server said: {said}" if said else ""
    if isinstance(exc, GatewayError):
        return exc
    if isinstance(exc, openai.APITimeoutError):
        return GatewayError(
            ErrorKind.TIMEOUT,
            f"The server did not answer within {timeout:g} seconds. Try again, or raise the "
            "request timeout in Settings.",
        )
    if isinstance(exc, openai.APIConnectionError):
        if mid_stream:
            return GatewayError(
                ErrorKind.OFFLINE,
                "The connection to the server was lost before the reply finished; the part "
                "that arrived is kept. Press Regenerate to try again.",
            )
        return GatewayError(
            ErrorKind.OFFLINE,
            f"Could not reach {where}. Check the network connection, or that the server is "
            "running and the base URL in Settings is right.",
        )
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        if status in (401, 403):
            text = (
                "The server refused the API key. Open Settings (Ctrl+,) and check the key."
                if status == 401
                else "This API key is not allowed to do that."
            )
            return GatewayError(ErrorKind.AUTH, text + detail, status)
        if status == 429:
            if _code(exc) == "insufficient_quota":
                text = "The account has run out of credit (quota exceeded)."
            else:
                text = "The server is limiting requests right now. Wait a moment and try again."
            return GatewayError(ErrorKind.RATE_LIMIT, text + detail, status)
        if status == 404:
            return GatewayError(
                ErrorKind.NOT_SUPPORTED,
                (said or "The server does not offer this.") + " (404)",
                status,
            )
        if status >= 500:
            return GatewayError(
                ErrorKind.SERVER,
                f"The server had a problem ({status}). Try again in a moment.{detail}",
                status,
            )
        return GatewayError(
            ErrorKind.BAD_REQUEST,
            f"The server rejected the request ({status}).{detail}",
            status,
        )
    if isinstance(exc, json.JSONDecodeError | ValueError):
        return GatewayError(
            ErrorKind.SERVER,
            "The server sent data Parley could not read; the part of the reply that arrived "
            "is kept.",
        )
    if isinstance(exc, openai.APIError):
        return GatewayError(ErrorKind.SERVER, f"The server reported an error: {exc}")
    return GatewayError(ErrorKind.SERVER, report_failure("Talking to the server", exc))
