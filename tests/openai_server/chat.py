"""``POST /v1/chat/completions``: whole replies and SSE streams in the API's exact shapes."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

from .errors import error_response
from .images import ImageRejected, check_part, image_parts
from .models import model_not_found
from .replies import expected_reply, split_into_chunks
from .routing import Event, EventStream, JSONResponse, Request, Response, Router
from .usage import chat_usage

FINGERPRINT = "fp_parley_test"


def _validate(body: Any, request: Request) -> Response | None:
    """The API's 400/404 answers for a request it cannot serve, or None when it is fine."""
    if not isinstance(body, dict):
        return error_response(400, "We could not parse the JSON body of your request.")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        return error_response(400, "you must provide a model parameter", param="model")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return error_response(
            400, "'messages' must be a non-empty array of messages.", param="messages"
        )
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            return error_response(
                400,
                f"Invalid value for 'messages[{index}]': a role is required.",
                param=f"messages[{index}]",
            )
    if request.server.find_model(model) is None:
        return model_not_found(model)
    with request.server.lock:
        limits = (request.server.image_max_side, request.server.image_max_bytes)
    for index, part in image_parts(messages):
        try:
            check_part(part, *limits)
        except ImageRejected as exc:
            return error_response(
                400, str(exc), param=f"messages[{index}].content", code="invalid_image"
            )
    return None


def _chunk(
    base: dict[str, Any], delta: dict[str, Any], finish: str | None = None
) -> dict[str, Any]:
    choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
    return {**base, "choices": [choice], "usage": None}


def _stream(body: dict[str, Any], base: dict[str, Any], pieces: list[str]) -> Iterator[Event]:
    yield Event(_chunk(base, {"role": "assistant", "content": "", "refusal": None}))
    for piece in pieces:
        yield Event(_chunk(base, {"content": piece}), content=True)
    yield Event(_chunk(base, {}, "stop"))
    options = body.get("stream_options")
    if isinstance(options, dict) and options.get("include_usage") is True:
        usage = chat_usage(body["messages"], len(pieces), body["model"])
        yield Event({**base, "choices": [], "usage": usage})


def create_completion(request: Request) -> Response:
    body = request.body
    problem = _validate(body, request)
    if problem is not None:
        return problem
    reply = expected_reply(body["messages"], body["model"])
    pieces = split_into_chunks(reply)
    base = {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body["model"],
        "system_fingerprint": FINGERPRINT,
    }
    if body.get("stream") is True:
        return EventStream(_stream(body, {**base, "object": "chat.completion.chunk"}, pieces))
    message = {"role": "assistant", "content": reply, "refusal": None, "annotations": []}
    choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}
    usage = chat_usage(body["messages"], len(pieces), body["model"])
    return JSONResponse({**base, "choices": [choice], "usage": usage})


def register(router: Router) -> None:
    """Bind the chat completion route."""
    router.add("POST", "/v1/chat/completions", create_completion)
