"""``POST /v1/chat/completions``: whole replies and SSE streams in the API's exact shapes."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

from .endings import (
    LIMIT_PIECES,
    QUOTA_AFTER,
    REFUSAL,
    SECOND_CHOICE,
    quota_error,
    token_cap,
    tool_call_deltas,
)
from .errors import error_response
from .images import ImageRejected, check_part, image_parts
from .models import model_not_found
from .personalities import Personality
from .reasoning import Plan, is_reasoning_model, think_pieces, unsupported_reasoning
from .reasoning import chat_plan as reasoning_plan
from .replies import expected_reply, last_user, split_into_chunks
from .routing import Event, EventStream, JSONResponse, Request, Response, Router
from .tool_replies import PlannedCall, chat_plan
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
    persona = request.server.persona
    if isinstance(messages, list) and not messages and persona.generates_on_empty:
        return None  # llama.cpp writes a whole reply to nothing at all
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
    if body.get("tools") and persona.tools_refused:
        return error_response(400, persona.tools_refused, param="tools")
    if request.server.find_model(model) is None and not persona.any_model:
        return model_not_found(model)
    if "reasoning_effort" in body and not is_reasoning_model(model):
        return error_response(
            400,
            unsupported_reasoning("reasoning_effort"),
            code="unsupported_parameter",
            param="reasoning_effort",
        )
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
    base: dict[str, Any], delta: dict[str, Any], finish: str | None = None, index: int = 0
) -> dict[str, Any]:
    choice = {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}
    return {**base, "choices": [choice], "usage": None}


def _stream(
    body: dict[str, Any],
    base: dict[str, Any],
    pieces: list[str],
    plan: Plan,
    persona: Personality,
    ending: str | None = None,
) -> Iterator[Event]:
    yield Event(_chunk(base, {"role": "assistant", "content": "", "refusal": None}))
    if ending == "choices":
        yield Event(_chunk(base, {"role": "assistant", "content": ""}, index=1))
    if plan.mode == "field":  # thoughts first, in a field of their own; content stays null
        for thought in plan.pieces:
            yield Event(_chunk(base, {"content": None, plan.field_name: thought}), content=True)
    finish = "stop"
    if ending == "refusal":
        for piece in split_into_chunks(REFUSAL):
            yield Event(_chunk(base, {"content": None, "refusal": piece}), content=True)
        pieces = []
    elif ending == "tool_calls":
        for delta in tool_call_deltas():
            yield Event(_chunk(base, {"content": None, **delta}), content=True)
        pieces, finish = [], "tool_calls"
    elif ending == "empty":
        pieces = []
    cap = token_cap(body, *persona.token_caps)
    if ending == "length" or (cap is not None and cap < len(pieces)):
        pieces, finish = pieces[: cap or LIMIT_PIECES], "length"
    others = split_into_chunks(SECOND_CHOICE) if ending == "choices" else []
    shown = think_pieces(plan, pieces) if plan.mode == "think" else pieces
    for number, piece in enumerate(shown):
        if ending == "quota" and number == QUOTA_AFTER:
            yield Event({"error": quota_error()})
            return
        yield Event(_chunk(base, {"content": piece}), content=True)
        if number < len(others):  # the second choice's piece right after the first's
            yield Event(_chunk(base, {"content": others[number]}, index=1), content=True)
    for piece in others[len(shown) :]:
        yield Event(_chunk(base, {"content": piece}, index=1), content=True)
    if ending == "no_finish":
        return  # and no [DONE]: the body just ends
    if ending == "choices":
        yield Event(_chunk(base, {}, "stop", index=1))
    yield Event(_chunk(base, {}, finish))
    options = body.get("stream_options")
    if isinstance(options, dict) and options.get("include_usage") is True and persona.stream_usage:
        yield Event({**base, "choices": [], "usage": _usage(body, pieces, plan)})


def _call_stream(
    body: dict[str, Any], base: dict[str, Any], calls: list[PlannedCall], persona: Personality
) -> Iterator[Event]:
    """Tool calls as OpenAI streams them: one after another, each announced with its id,
    type and name (arguments ""), then its arguments in pieces; finish ``tool_calls``."""
    yield Event(_chunk(base, {"role": "assistant", "content": None, "refusal": None}))
    for index, call in enumerate(calls):
        first = {
            "index": index,
            "id": call.id,
            "type": "function",
            "function": {"name": call.name, "arguments": ""},
        }
        yield Event(_chunk(base, {"tool_calls": [first]}), content=True)
        for piece in call.pieces():
            delta = {"tool_calls": [{"index": index, "function": {"arguments": piece}}]}
            yield Event(_chunk(base, delta), content=True)
    yield Event(_chunk(base, {}, "tool_calls"))
    options = body.get("stream_options")
    if isinstance(options, dict) and options.get("include_usage") is True and persona.stream_usage:
        pieces = sum(len(c.pieces()) for c in calls)
        yield Event(
            {**base, "choices": [], "usage": chat_usage(body["messages"], pieces, body["model"])}
        )


def _call_message(calls: list[PlannedCall]) -> dict[str, Any]:
    return {
        "role": "assistant",
        "content": None,
        "refusal": None,
        "annotations": [],
        "tool_calls": [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in calls
        ],
    }


def _usage(body: dict[str, Any], pieces: list[str], plan: Plan) -> dict[str, Any]:
    thoughts = len(plan.pieces) if plan.mode else None
    return chat_usage(body["messages"], len(pieces), body["model"], thoughts)


def create_completion(request: Request) -> Response:
    body = request.body
    problem = _validate(body, request)
    if problem is not None:
        return problem
    reply = expected_reply(body["messages"], body["model"])
    calls, answer = chat_plan(body, last_user(body["messages"])[0])
    reply = answer if answer is not None else reply
    pieces = split_into_chunks(reply)
    plan = reasoning_plan(body["model"], last_user(body["messages"])[0])
    base = {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body["model"],
        "system_fingerprint": FINGERPRINT,
    }
    if calls and body.get("stream") is True:
        chunk = {**base, "object": "chat.completion.chunk"}
        return EventStream(_call_stream(body, chunk, calls, request.server.persona))
    if calls:
        choice = {"index": 0, "message": _call_message(calls), "logprobs": None}
        usage = chat_usage(body["messages"], 1, body["model"])
        return JSONResponse(
            {**base, "choices": [{**choice, "finish_reason": "tool_calls"}], "usage": usage}
        )
    if body.get("stream") is True:
        chunk = {**base, "object": "chat.completion.chunk"}
        ending = request.ending
        done = ending not in ("no_finish", "quota")
        stream = _stream(body, chunk, pieces, plan, request.server.persona, ending)
        return EventStream(stream, done=done)
    message: dict[str, Any] = {"role": "assistant", "content": reply, "refusal": None}
    if plan.mode == "field":
        message[plan.field_name] = plan.text
    elif plan.mode == "think":
        message["content"] = "".join(think_pieces(plan, pieces))
    message["annotations"] = []
    choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}
    return JSONResponse({**base, "choices": [choice], "usage": _usage(body, pieces, plan)})


def register(router: Router) -> None:
    """Bind the chat completion route."""
    router.add("POST", "/v1/chat/completions", create_completion)
