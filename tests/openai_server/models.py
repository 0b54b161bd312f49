"""``/v1/models``: the model list the app offers in its picker."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from .errors import error_response
from .routing import JSONResponse, Request, Router

DEFAULT_MODEL_IDS = ("gpt-4o-mini", "gpt-4o", "o4-mini", "o3-mini", "text-embedding-3-small")
_CREATED = 1_715_367_049  # a fixed timestamp keeps replies reproducible
# A model being retired: its entry carries a `shutdown_date` this many days from today, counted
# once per test run (so the date is always near whenever the tests run, and a run that crosses
# midnight does not see two different dates: the server's and the one a test expects).
RETIRING_MODEL = "o3-mini"
RETIRING_IN_DAYS = 45
_RETIRING_ON = (date.today() + timedelta(days=RETIRING_IN_DAYS)).isoformat()


def retiring_date() -> str:
    """The `shutdown_date` the retiring model carries (ISO), the same all run long."""
    return _RETIRING_ON


def make_model(model_id: str, owned_by: str = "system", created: int = _CREATED) -> dict[str, Any]:
    """A model object as the API lists it."""
    return {"id": model_id, "object": "model", "created": created, "owned_by": owned_by}


def default_models() -> list[dict[str, Any]]:
    """A fresh copy of the models every new server starts with."""
    models = [make_model(model_id) for model_id in DEFAULT_MODEL_IDS]
    for model in models:
        if model["id"] == RETIRING_MODEL:
            model["shutdown_date"] = retiring_date()
    return models


def model_not_found(model_id: str) -> JSONResponse:
    """The API's 404 for an unknown model (also used by chat completions)."""
    return error_response(
        404,
        f"The model `{model_id}` does not exist or you do not have access to it.",
        code="model_not_found",
    )


def list_models(request: Request) -> JSONResponse:
    with request.server.lock:
        data = [dict(model) for model in request.server.models]
    return JSONResponse({"object": "list", "data": data})


def retrieve_model(request: Request) -> JSONResponse:
    model = request.server.find_model(request.params["model"])
    if model is None:
        return model_not_found(request.params["model"])
    return JSONResponse(model)


def register(router: Router) -> None:
    """Bind the model routes."""
    router.add("GET", "/v1/models", list_models)
    router.add("GET", "/v1/models/{model}", retrieve_model)
