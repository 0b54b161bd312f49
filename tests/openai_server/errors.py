"""OpenAI-shaped error bodies.

The SDK turns a non-2xx response into a typed exception by status code and keeps the JSON
``error`` object on it (``err.code``, ``err.type``), so every error the server sends has the
exact envelope the real API uses: ``{"error": {"message", "type", "param", "code"}}``.
"""

from __future__ import annotations

from typing import Any

from .routing import JSONResponse

# status -> (type, code, message) used for injected faults; shaped like the real API's replies.
STATUS_ERRORS: dict[int, tuple[str, str | None, str]] = {
    400: ("invalid_request_error", None, "Injected fault: the request was invalid."),
    401: (
        "invalid_request_error",
        "invalid_api_key",
        "Incorrect API key provided. You can find your API key at "
        "https://platform.openai.com/account/api-keys.",
    ),
    403: ("invalid_request_error", "permission_denied", "Injected fault: permission denied."),
    404: ("invalid_request_error", "not_found", "Injected fault: the resource was not found."),
    409: ("invalid_request_error", "conflict", "Injected fault: conflict."),
    422: ("invalid_request_error", "unprocessable_entity", "Injected fault: unprocessable."),
    429: (
        "requests",
        "rate_limit_exceeded",
        "Rate limit reached for requests. Please try again later.",
    ),
    500: ("server_error", "server_error", "The server had an error while processing your request."),
    502: ("server_error", "bad_gateway", "Bad gateway."),
    503: (
        "server_error",
        "overloaded",
        "The engine is currently overloaded, please try again later.",
    ),
}


def error_body(
    message: str, type_: str, code: str | None = None, param: str | None = None
) -> dict[str, Any]:
    """The JSON document of an API error."""
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def error_response(
    status: int,
    message: str,
    type_: str = "invalid_request_error",
    code: str | None = None,
    param: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """An error reply ready for the wire."""
    return JSONResponse(error_body(message, type_, code, param), status, dict(headers or {}))


def status_error(status: int, headers: dict[str, str] | None = None) -> JSONResponse:
    """A plausible error reply for any status (known ones get the real API's type and code)."""
    default_type = "server_error" if status >= 500 else "invalid_request_error"
    type_, code, message = STATUS_ERRORS.get(
        status, (default_type, None, f"Injected fault: HTTP {status}.")
    )
    return error_response(status, message, type_, code, headers=headers)


def mask_key(key: str) -> str:
    """Hide most of a key the way the API does in its 401 message (``sk-ab***wxyz``)."""
    if len(key) <= 8:
        return "*" * len(key)
    return f"{key[:5]}{'*' * min(len(key) - 9, 20)}{key[-4:]}"
