"""SDK exceptions → one GatewayError with a kind and a sentence a user can act on."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from desktop_app.core.server_text import first_sentence, reason
from desktop_app.services.failure_text import report_failure


class ErrorKind(StrEnum):
    AUTH = "auth"
    RATE_LIMIT = "rate_limit"
    SERVER = "server"
    TIMEOUT = "timeout"
    OFFLINE = "offline"
    BAD_REQUEST = "bad_request"
    NOT_SUPPORTED = "not_supported"
    CUT = "cut"  # the answer was not a stream of the reply (a web page): kept as interrupted


class GatewayError(Exception):
    """What went wrong talking to the server. `message` is written for the user."""

    def __init__(
        self, kind: ErrorKind, message: str, status: int | None = None, said: str = ""
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status
        self.said = said  # the server's own reason, cleaned (`server_text.reason`), if any

    def trimmed(self, context: str = "") -> tuple[str, str]:
        """(the message, after `context` — what Parley was doing — with the server's reason
        cut to its first sentence; the whole reason for "Details…", or '' when nothing was
        cut). Every tab shows a server's answer this way."""
        message = f"{context} {self.message}" if context else self.message
        said = self.said
        first = first_sentence(said, limit=len(said)) if said else ""
        if not first or first == said or said not in message:
            return message, ""
        return message.replace(said, first), said


def server_reason(exc: Any) -> str:
    """What the server said, from whichever error shape it uses, trimmed to one sentence."""
    return reason(getattr(exc, "body", None))


def _code(exc: Any) -> str:
    code = getattr(exc, "code", None)
    return code if isinstance(code, str) else ""


# 5xx answers that say the server is busy or a hop is down: worth another try. A 500 that
# gives a reason (an exception, "not implemented", a missing credential) says the same again.
PASSING_STATUSES = (502, 503, 504, 529)


def retry_may_help(status: int, said: str) -> bool:
    return status in PASSING_STATUSES or (status == 500 and not said)


QUOTA_TEXT = "The account has run out of credit (quota exceeded)."
RATE_TEXT = "The server is limiting requests right now. Wait a moment and try again."


def limit_error(code: str, detail: str = "", status: int | None = 429) -> GatewayError | None:
    """The quota or rate-limit error a code means (before streaming as a 429, or inside the
    stream as an error event), else None: the same words wherever it arrives."""
    code = code.lower()
    if "quota" in code:
        return GatewayError(ErrorKind.RATE_LIMIT, QUOTA_TEXT + detail, status)
    if "rate_limit" in code or status == 429:
        return GatewayError(ErrorKind.RATE_LIMIT, RATE_TEXT + detail, status)
    return None


def _codes(exc: Any) -> str:
    """The error's code and type together: a quota error says so in either."""
    kind = getattr(exc, "type", None)
    return " ".join(v for v in (_code(exc), kind if isinstance(kind, str) else "") if v)


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
    said = server_reason(exc)
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
            return GatewayError(ErrorKind.AUTH, text + detail, status, said)
        if status == 429:
            limited = limit_error(_codes(exc), detail, status)
            assert limited is not None
            return limited
        if status == 404:
            return GatewayError(
                ErrorKind.NOT_SUPPORTED,
                (said or "The server does not offer this.") + " (404)",
                status,
                said,
            )
        if status >= 500:
            later = " Try again in a moment." if retry_may_help(status, said) else ""
            return GatewayError(
                ErrorKind.SERVER,
                f"The server had a problem ({status}).{later}{detail}",
                status,
                said,
            )
        return GatewayError(
            ErrorKind.BAD_REQUEST,
            f"The server rejected the request ({status}).{detail}",
            status,
            said,
        )
    if isinstance(exc, json.JSONDecodeError | ValueError):
        return GatewayError(
            ErrorKind.SERVER,
            "The server sent data Parley could not read; the part of the reply that arrived "
            "is kept.",
        )
    if isinstance(exc, openai.APIError):  # an error object inside the stream
        limited = limit_error(_codes(exc), detail, None)
        if limited is not None:
            return limited
        said = said or reason(exc.message)
        return GatewayError(
            ErrorKind.SERVER,
            f"The server reported an error while writing the reply: {said}",
            said=said,
        )
    return GatewayError(ErrorKind.SERVER, report_failure("Talking to the server", exc))
