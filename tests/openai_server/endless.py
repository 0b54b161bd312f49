"""A server whose lists never end: every list page says ``has_more: true``.

``server.endless_pages`` picks how:

- ``"repeat"``: the server ignores the ``after`` cursor and answers the first page again and
  again (the cursor a client sends never moves on);
- ``"fresh"``: the same, with every item's id made new on each page, so the cursor moves on
  for ever and only a page cap can stop a client.

The empty string (the default) turns it off. Only GET requests for lists are changed.
"""

from __future__ import annotations

import itertools
from typing import Any

from .routing import JSONResponse, Request

MODES = ("", "repeat", "fresh")
_pages = itertools.count(1)


def forget_cursor(request: Request, mode: str) -> None:
    """Before routing: the endless server does not honour ``after``."""
    if mode and request.method == "GET":  # a new dict: the recorded request keeps its own
        request.query = {k: v for k, v in request.query.items() if k != "after"}


def endless(response: Any, request: Request, mode: str) -> Any:
    """After routing: a list page that claims there is always more."""
    if not mode or request.method != "GET" or not isinstance(response, JSONResponse):
        return response
    body = response.body
    if not isinstance(body, dict) or body.get("object") != "list" or not body.get("data"):
        return response
    data = body["data"]
    if mode == "fresh":
        page = next(_pages)
        data = [
            {**item, "id": f"{item['id']}~{page}"} if isinstance(item, dict) else item
            for item in data
        ]
    ids = [item.get("id") for item in data if isinstance(item, dict)]
    changed = {**body, "data": data, "has_more": True}
    if ids:
        changed.update(first_id=ids[0], last_id=ids[-1])
    return JSONResponse(changed, response.status, response.headers)
