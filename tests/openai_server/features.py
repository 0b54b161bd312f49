"""Switches that make a part of the API "not found", as on a server that never had it.

``server.unsupported`` holds feature names (``FEATURES``); a handler of a switched-off feature
answers exactly as the HTTP layer answers an unknown route, so the client cannot tell the
difference — which is the point: Parley must cope with servers without Responses, vector stores,
embeddings or the (shut down) Assistants API.
"""

from __future__ import annotations

from .errors import error_response
from .personalities import missing_feature
from .routing import JSONResponse, Request, Router

# "reasoning_summaries" is the exception: asking for them is a 400, as OpenAI answers an
# organisation that is not verified (see `reasoning.summaries_refused`).
FEATURES = (
    "responses", "files", "vector_stores", "assistants", "fine_tuning", "reasoning_summaries",
    "embeddings",
)  # fmt: skip


def not_offered(request: Request, feature: str) -> JSONResponse | None:
    """The unknown-route 404 when ``feature`` is switched off (or what the personality
    answers instead), else None."""
    with request.server.lock:
        off = feature in request.server.unsupported
    if not off:
        return None
    return missing_feature(request)


def set_unsupported(request: Request) -> JSONResponse:
    """``POST /_control/unsupported {"features": [...]}``: which features answer 404."""
    body = request.body
    features = body.get("features") if isinstance(body, dict) else None
    if not isinstance(features, list) or not set(features) <= set(FEATURES):
        return error_response(400, f"features must be a list drawn from {', '.join(FEATURES)}")
    with request.server.lock:
        request.server.unsupported = set(features)
    return JSONResponse({"features": sorted(features)})


def register(router: Router) -> None:
    router.add("POST", "/_control/unsupported", set_unsupported)
