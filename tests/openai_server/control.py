"""``/_control``: drive the server from outside (a manual session or another process).

In-process tests use the ``OpenAIServer`` attributes directly; these routes expose the same
knobs over HTTP. They are never recorded, never faulted and never need the API key.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from .errors import error_response
from .faults import Fault
from .routing import JSONResponse, Request, Router


def _settings(request: Request) -> dict[str, Any]:
    server = request.server
    with server.lock:
        return {
            "chunk_delay": server.chunk_delay,
            "api_key": server.api_key,
            "disconnects": server.disconnects,
        }


def add_fault(request: Request) -> JSONResponse:
    try:
        fault = Fault.from_dict(request.body)
    except (TypeError, ValueError) as exc:
        return error_response(400, f"Invalid fault: {exc}")
    request.server.add_fault(fault)
    return JSONResponse(fault.to_dict(), 201)


def list_faults(request: Request) -> JSONResponse:
    with request.server.lock:
        faults = [fault.to_dict() for fault in request.server.faults]
    return JSONResponse({"object": "list", "data": faults})


def clear_faults(request: Request) -> JSONResponse:
    request.server.clear_faults()
    return JSONResponse({"deleted": True})


def list_requests(request: Request) -> JSONResponse:
    with request.server.lock:
        recorded = list(request.server.requests)
    data = [{k: v for k, v in asdict(r).items() if k != "raw"} for r in recorded]
    return JSONResponse({"object": "list", "data": data})


def clear_requests(request: Request) -> JSONResponse:
    with request.server.lock:
        request.server.requests.clear()
    return JSONResponse({"deleted": True})


def get_settings(request: Request) -> JSONResponse:
    return JSONResponse(_settings(request))


def update_settings(request: Request) -> JSONResponse:
    body = request.body
    if not isinstance(body, dict) or set(body) - {"chunk_delay", "api_key"}:
        return error_response(400, "settings take only 'chunk_delay' and 'api_key'")
    delay = body.get("chunk_delay", 0)
    key = body.get("api_key")
    if not isinstance(delay, int | float) or delay < 0:
        return error_response(400, "chunk_delay must be a non-negative number", param="chunk_delay")
    if key is not None and not isinstance(key, str):
        return error_response(400, "api_key must be a string or null", param="api_key")
    with request.server.lock:
        if "chunk_delay" in body:
            request.server.chunk_delay = float(delay)
        if "api_key" in body:
            request.server.api_key = key
    return JSONResponse(_settings(request))


def reset(request: Request) -> JSONResponse:
    request.server.reset()
    return JSONResponse(_settings(request))


def register(router: Router) -> None:
    """Bind the control routes."""
    router.add("GET", "/_control/faults", list_faults)
    router.add("POST", "/_control/faults", add_fault)
    router.add("DELETE", "/_control/faults", clear_faults)
    router.add("GET", "/_control/requests", list_requests)
    router.add("DELETE", "/_control/requests", clear_requests)
    router.add("GET", "/_control/settings", get_settings)
    router.add("POST", "/_control/settings", update_settings)
    router.add("POST", "/_control/reset", reset)
