"""SDK exceptions → one GatewayError with a kind and a sentence a user can act on."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any


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


def timeout_message(
    timeout: float, attempts: int = 1, elapsed: float | None = None, mid_stream: bool = False
) -> str:
    """What a timeout cost the user: the SDK retries a request that timed out by itself
    (`max_retries`), so a 5 s timeout can take 17 s; say so, and how long it took."""
    if mid_stream:
        return (
            f"The server stopped sending for more than {timeout:g} seconds, so the reply was "
            "cut off; whatever had arrived is kept. Press Regenerate to try again."
        )
    took = f"{elapsed:.1f}" if elapsed is not None else f"about {attempts * timeout:g}"
    if attempts > 1:
        retries = attempts - 1
        tried = (
            f" Parley tried {attempts} times ({retries} automatic "
            f"{'retry' if retries == 1 else 'retries'}), {took} seconds in all."
        )
    else:
        tried = f" Parley waited {took} seconds and did not retry."
    return (
        f"The server did not answer within {timeout:g} seconds.{tried} Try again later, or "
        "raise the request timeout in Settings."
    )


def is_timeout(exc: BaseException) -> bool:
    """The SDK's timeout, or its transport's raised while a stream was being read (httpx's
    ReadTimeout is not wrapped there)."""
    import openai

    if isinstance(exc, openai.APITimeoutError | TimeoutError):
        return True
    return any(cls.__name__ in ("TimeoutException", "ReadTimeout") for cls in type(exc).__mro__)


def map_error(
    exc: BaseException,
    base_url: str,
    timeout: float,
    mid_stream: bool = False,
    attempts: int = 1,
    elapsed: float | None = None,
) -> GatewayError:
    """Translate an exception raised by the openai SDK (or its transport) for the user.

    `attempts`: how many times the request went out (1 + the client's max_retries when the
    SDK retried it); `elapsed`: seconds from the first attempt to the failure, if measured."""
    import openai

    where = base_url or "api.openai.com"
    said = _server_message(exc)
    detail = f" The server said: {said}" if said else ""
    if isinstance(exc, GatewayError):
        return exc
    if is_timeout(exc):
        return GatewayError(
            ErrorKind.TIMEOUT, timeout_message(timeout, attempts, elapsed, mid_stream)
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
    return GatewayError(ErrorKind.SERVER, f"Unexpected error talking to the server: {exc}")
