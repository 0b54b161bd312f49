"""``/v1/vector_stores``: stores of uploaded files that the Responses file search reads.

"Indexing" is immediate: a file is ``completed`` as soon as it is attached, and searching is
a case-insensitive word match over its text, which is all a test needs to check that the
right files reach the right tool call.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from .errors import error_response
from .features import not_offered
from .routing import JSONResponse, Request, Response, Router

_WORD = re.compile(r"\w{3,}")


def _store_object(record: dict[str, Any]) -> dict[str, Any]:
    count = len(record["file_ids"])
    return {
        "id": record["id"],
        "object": "vector_store",
        "created_at": record["created_at"],
        "name": record["name"],
        "usage_bytes": record["usage_bytes"],
        "file_counts": {
            "in_progress": 0,
            "completed": count,
            "failed": 0,
            "cancelled": 0,
            "total": count,
        },
        "status": "completed",
        "expires_after": None,
        "expires_at": None,
        "last_active_at": record["created_at"],
        "metadata": {},
    }


def _file_object(store_id: str, file: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": file["id"],
        "object": "vector_store.file",
        "usage_bytes": file["bytes"],
        "created_at": file["created_at"],
        "vector_store_id": store_id,
        "status": "completed",
        "last_error": None,
    }


def _attach(request: Request, record: dict[str, Any], file_ids: list[Any]) -> Response | None:
    """Attach files (under the server lock); an error reply if one does not exist."""
    for file_id in file_ids:
        file = request.server.files.get(file_id) if isinstance(file_id, str) else None
        if file is None:
            return error_response(404, f"No such File object: {file_id}", param="file_id")
        if file_id not in record["file_ids"]:
            record["file_ids"].append(file_id)
            record["usage_bytes"] += file["bytes"]
    return None


def create_store(request: Request) -> Response:
    missing = not_offered(request, "vector_stores")
    if missing:
        return missing
    body = request.body if isinstance(request.body, dict) else {}
    file_ids = body.get("file_ids") or []
    if not isinstance(file_ids, list):
        return error_response(400, "'file_ids' must be an array", param="file_ids")
    record = {
        "id": f"vs_{uuid.uuid4().hex[:24]}",
        "name": body.get("name") or "",
        "created_at": int(time.time()),
        "file_ids": [],
        "usage_bytes": 0,
    }
    with request.server.lock:
        problem = _attach(request, record, file_ids)
        if problem:
            return problem
        request.server.vector_stores[record["id"]] = record
        return JSONResponse(_store_object(record))


def _find(request: Request) -> tuple[dict[str, Any] | None, Response | None]:
    missing = not_offered(request, "vector_stores")
    if missing:
        return None, missing
    store_id = request.params["store_id"]
    record = request.server.vector_stores.get(store_id)
    if record is None:
        return None, error_response(404, f"No vector store found with id '{store_id}'.")
    return record, None


def retrieve_store(request: Request) -> Response:
    with request.server.lock:
        record, problem = _find(request)
        return problem or JSONResponse(_store_object(record or {}))


def list_stores(request: Request) -> Response:
    missing = not_offered(request, "vector_stores")
    if missing:
        return missing
    with request.server.lock:
        data = [_store_object(r) for r in request.server.vector_stores.values()]
    return JSONResponse({"object": "list", "data": data, "has_more": False})


def attach_file(request: Request) -> Response:
    body = request.body if isinstance(request.body, dict) else {}
    with request.server.lock:
        record, problem = _find(request)
        if problem or record is None:
            return problem or error_response(404, "not found")
        problem = _attach(request, record, [body.get("file_id")])
        if problem:
            return problem
        file = request.server.files[body["file_id"]]
        return JSONResponse(_file_object(record["id"], file))


def list_store_files(request: Request) -> Response:
    with request.server.lock:
        record, problem = _find(request)
        if problem or record is None:
            return problem or error_response(404, "not found")
        files = [request.server.files[f] for f in record["file_ids"] if f in request.server.files]
        data = [_file_object(record["id"], f) for f in files]
    return JSONResponse({"object": "list", "data": data, "has_more": False})


def search(server: Any, store_ids: list[Any], query: str) -> list[dict[str, Any]]:
    """Files in the stores whose text shares a word (3+ letters) with the query, best first."""
    words = {w.lower() for w in _WORD.findall(query)}
    results = []
    with server.lock:
        for store_id in store_ids:
            record = server.vector_stores.get(store_id)
            for file_id in record["file_ids"] if record else []:
                file = server.files.get(file_id)
                text = file["content"].decode("utf-8", "replace") if file else ""
                hits = words & {w.lower() for w in _WORD.findall(text)}
                if hits:
                    results.append(
                        {
                            "file_id": file_id,
                            "filename": file["filename"],
                            "score": round(len(hits) / len(words), 3),
                            "text": text[:200],
                            "attributes": {},
                        }
                    )
    return sorted(results, key=lambda r: -r["score"])


def register(router: Router) -> None:
    router.add("POST", "/v1/vector_stores", create_store)
    router.add("GET", "/v1/vector_stores", list_stores)
    router.add("GET", "/v1/vector_stores/{store_id}", retrieve_store)
    router.add("POST", "/v1/vector_stores/{store_id}/files", attach_file)
    router.add("GET", "/v1/vector_stores/{store_id}/files", list_store_files)
