"""``/v1/assistants``: the (shut down) Assistants API as older or compatible servers still have it.

List with cursor paging (``limit``, ``order``, ``after``, ``before``; ``has_more``) and
retrieve. Tests add assistants with ``server.add_assistant(...)``; switch the whole API off with
``server.unsupported.add("assistants")``.
"""

from __future__ import annotations

from typing import Any

from .errors import error_response
from .features import not_offered
from .routing import JSONResponse, Request, Response, Router

_CREATED = 1_700_000_000


def make_assistant(number: int, name: str, **fields: Any) -> dict[str, Any]:
    """An assistant object as the API returns it; ``number`` fixes its id and creation time."""
    assistant = {
        "id": f"asst_test{number:04d}",
        "object": "assistant",
        "created_at": _CREATED + number,
        "name": name,
        "description": None,
        "model": "gpt-4o-mini",
        "instructions": None,
        "tools": [],
        "tool_resources": {},
        "metadata": {},
        "temperature": 1.0,
        "top_p": 1.0,
        "response_format": "auto",
    }
    assistant.update(fields)
    return assistant


def list_assistants(request: Request) -> Response:
    missing = not_offered(request, "assistants")
    if missing:
        return missing
    query = request.query
    try:
        limit = int(query.get("limit", "20"))
    except ValueError:
        limit = 0
    if not 1 <= limit <= 100:
        return error_response(400, "limit must be between 1 and 100", param="limit")
    order = query.get("order", "desc")
    with request.server.lock:
        items = sorted(
            request.server.assistants, key=lambda a: a["created_at"], reverse=order != "asc"
        )
    ids = [a["id"] for a in items]
    if query.get("after") in ids:
        items = items[ids.index(query["after"]) + 1 :]
    elif query.get("before") in ids:
        items = items[: ids.index(query["before"])][-limit:]
    page = items[:limit]
    return JSONResponse(
        {
            "object": "list",
            "data": page,
            "first_id": page[0]["id"] if page else None,
            "last_id": page[-1]["id"] if page else None,
            "has_more": len(items) > limit,
        }
    )


def retrieve_assistant(request: Request) -> Response:
    missing = not_offered(request, "assistants")
    if missing:
        return missing
    assistant_id = request.params["assistant_id"]
    with request.server.lock:
        found = next((a for a in request.server.assistants if a["id"] == assistant_id), None)
    if found is None:
        return error_response(404, f"No assistant found with id '{assistant_id}'.")
    return JSONResponse(found)


def register(router: Router) -> None:
    router.add("GET", "/v1/assistants", list_assistants)
    router.add("GET", "/v1/assistants/{assistant_id}", retrieve_assistant)
