"""``POST /v1/responses``: whole responses and SSE streams with the event types the SDK parses.

A stream runs ``response.created`` → ``response.in_progress`` → for each server tool its
``output_item.added``, ``<tool>.in_progress/searching/completed`` and ``output_item.done`` →
the message (``output_item.added``, ``content_part.added``, ``output_text.delta``…, each
``output_text.annotation.added`` once the cited text has arrived, ``output_text.done``,
``content_part.done``, ``output_item.done``) → ``response.completed`` with ``usage``. There is
no ``[DONE]``: the Responses stream simply ends. A reply that shows its reasoning
(``reasoning.py``) starts with a reasoning item: its summary parts or its raw text, delta by
delta. Text and reasoning deltas are the "content" events that faults count (``cut_after``,
``malformed_after``).
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Iterator
from typing import Any

from .containers import run_code
from .endings import LIMIT_PIECES, QUOTA_AFTER, REFUSAL, TRACEBACK, quota_error, token_cap
from .errors import error_response
from .features import not_offered
from .hosted_mcp import hosted_plan
from .models import model_not_found
from .reasoning import (
    SUMMARIES_REFUSED,
    Plan,
    asks_for_summary,
    is_reasoning_model,
    responses_plan,
    think_pieces,
    unsupported_reasoning,
)
from .replies import split_into_chunks
from .response_replies import Reply, build_reply, input_items, item_text, last_user_text
from .routing import Event, EventStream, JSONResponse, Request, Response, Router
from .tool_replies import PlannedCall
from .tool_replies import responses_plan as tool_plan
from .usage import responses_usage
from .vector_stores import search

TOOL_TYPES = (
    "web_search",
    "web_search_preview",
    "file_search",
    "code_interpreter",
    "function",
    "mcp",
)
# The events between an output item's added and done, by its type (approval requests: none).
ITEM_STEPS = {
    "mcp_call": ("in_progress", "completed"),
    "mcp_list_tools": ("in_progress", "completed"),
    "mcp_approval_request": (),
}


def _validate(body: Any, request: Request) -> Response | None:
    if not isinstance(body, dict):
        return error_response(400, "We could not parse the JSON body of your request.")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        return error_response(400, "Missing required parameter: 'model'.", param="model")
    value = body.get("input")
    if not isinstance(value, str | list) or not value:
        return error_response(400, "Missing required parameter: 'input'.", param="input")
    for index, tool in enumerate(body.get("tools") or []):
        if not isinstance(tool, dict) or tool.get("type") not in TOOL_TYPES:
            return error_response(
                400, f"Invalid value for 'tools[{index}].type'.", param=f"tools[{index}].type"
            )
    if request.server.find_model(model) is None:
        return model_not_found(model)
    if body.get("reasoning") is not None and not is_reasoning_model(model):
        return error_response(
            400,
            unsupported_reasoning("reasoning.effort"),
            code="unsupported_parameter",
            param="reasoning.effort",
        )
    with request.server.lock:
        refused = "reasoning_summaries" in request.server.unsupported
    if refused and asks_for_summary(body):
        return error_response(
            400, SUMMARIES_REFUSED, code="unsupported_value", param="reasoning.summary"
        )
    return None


def _response(body: dict[str, Any], response_id: str) -> dict[str, Any]:
    return {
        "id": response_id,
        "object": "response",
        "created_at": int(time.time()),
        "status": "in_progress",
        "model": body["model"],
        "instructions": body.get("instructions"),
        "output": [],
        "parallel_tool_calls": True,
        "tool_choice": "auto",
        "tools": body.get("tools") or [],
        "temperature": body.get("temperature", 1.0),
        "top_p": body.get("top_p", 1.0),
        "max_output_tokens": body.get("max_output_tokens"),
        "text": body.get("text") or {"format": {"type": "text"}},
        "error": None,
        "incomplete_details": None,
        "metadata": {},
        "usage": None,
    }


def _part(text: str, annotations: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "output_text", "text": text, "annotations": annotations, "logprobs": []}


def _message(message_id: str, status: str, content: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "status": status,
        "content": content,
    }


def _reasoning_item(item_id: str, plan: Plan, status: str, done: bool) -> dict[str, Any]:
    item: dict[str, Any] = {"id": item_id, "type": "reasoning", "summary": [], "status": status}
    if done and plan.mode == "summary":
        item["summary"] = [{"type": "summary_text", "text": part} for part in plan.parts]
    elif done:
        item["content"] = [{"type": "reasoning_text", "text": plan.text}]
    return item


def _reasoning_events(event: Any, plan: Plan) -> Iterator[Event]:
    """The reasoning item at output 0: summary parts, or raw reasoning text, delta by delta."""
    item_id = f"rs_{uuid.uuid4().hex[:24]}"
    where = {"item_id": item_id, "output_index": 0}
    item = _reasoning_item(item_id, plan, "in_progress", False)
    yield event("response.output_item.added", output_index=0, item=item)
    if plan.mode == "raw":
        for piece in plan.pieces:
            yield event(
                "response.reasoning_text.delta", True, **where, content_index=0, delta=piece
            )
        yield event("response.reasoning_text.done", **where, content_index=0, text=plan.text)
    else:
        for number, text in enumerate(plan.parts):
            at = {**where, "summary_index": number}
            part = {"type": "summary_text", "text": ""}
            yield event("response.reasoning_summary_part.added", **at, part=part)
            for piece in split_into_chunks(text):
                yield event("response.reasoning_summary_text.delta", True, **at, delta=piece)
            yield event("response.reasoning_summary_text.done", **at, text=text)
            part = {"type": "summary_text", "text": text}
            yield event("response.reasoning_summary_part.done", **at, part=part)
    item = _reasoning_item(item_id, plan, "completed", True)
    yield event("response.output_item.done", output_index=0, item=item)


def _stream(
    base: dict[str, Any],
    reply: Reply,
    pieces: list[str],
    usage: dict[str, Any],
    plan: Plan,
    ending: str | None = None,
) -> Iterator[Event]:
    numbers = itertools.count()

    def event(kind: str, content: bool = False, **data: Any) -> Event:
        return Event({"type": kind, "sequence_number": next(numbers), **data}, kind, content)

    yield event("response.created", response=base)
    yield event("response.in_progress", response=base)
    if ending == "failed":
        error = {"code": "server_error", "message": TRACEBACK}
        yield event("response.failed", response={**base, "status": "failed", "error": error})
        return
    first = 0
    if plan.mode in ("summary", "raw"):
        yield from _reasoning_events(event, plan)
        first = 1
    for index, call in enumerate(reply.tool_calls, start=first):
        prefix = f"response.{call['type']}"
        yield event("response.output_item.added", output_index=index, item=_running(call))
        for step in ITEM_STEPS.get(call["type"], ("in_progress", "searching", "completed")):
            yield event(f"{prefix}.{step}", output_index=index, item_id=call["id"])
        yield event("response.output_item.done", output_index=index, item=call)
    where = {
        "item_id": f"msg_{uuid.uuid4().hex[:24]}",
        "output_index": first + len(reply.tool_calls),
    }
    yield event(
        "response.output_item.added",
        output_index=where["output_index"],
        item=_message(where["item_id"], "in_progress", []),
    )
    if ending == "refusal":
        yield from _refusal(event, where)
        message = _message(where["item_id"], "completed", [_refusal_part(REFUSAL)])
        yield event("response.output_item.done", output_index=where["output_index"], item=message)
        done = {**base, "status": "completed", "output": [message], "usage": usage}
        yield event("response.completed", response=done)
        return
    yield event("response.content_part.added", **where, content_index=0, part=_part("", []))
    cap = token_cap(base, "max_output_tokens")
    limited = ending == "length" or (cap is not None and cap < len(pieces))
    if limited:
        pieces = pieces[: cap or LIMIT_PIECES]
    sent, pending = 0, list(enumerate(reply.annotations))
    if plan.mode == "think":
        shown = think_pieces(plan, pieces)
        # Annotations count from the start of the answer, after the block.
        sent = -sum(len(p) for p in shown[: len(shown) - len(pieces)])
        pieces = shown
    for number, piece in enumerate(pieces):
        if ending == "quota" and number == QUOTA_AFTER:
            said = quota_error()
            yield event("error", code=said["code"], message=said["message"], param=None)
            return
        yield event(
            "response.output_text.delta", True, **where, content_index=0, delta=piece, logprobs=[]
        )
        sent += len(piece)
        while pending and _end(pending[0][1]) <= sent:
            number, annotation = pending.pop(0)
            yield event(
                "response.output_text.annotation.added",
                **where,
                content_index=0,
                annotation_index=number,
                annotation=annotation,
            )
    text = "".join(pieces)
    part = _part(text, reply.annotations)
    yield event("response.output_text.done", **where, content_index=0, text=text, logprobs=[])
    yield event("response.content_part.done", **where, content_index=0, part=part)
    status = "incomplete" if limited else "completed"
    message = _message(where["item_id"], status, [part])
    yield event("response.output_item.done", output_index=where["output_index"], item=message)
    if ending == "no_finish":
        return  # the stream just ends: no response.completed
    done = {**base, "status": status, "output": [*reply.tool_calls, message], "usage": usage}
    if limited:
        done["incomplete_details"] = {"reason": "max_output_tokens"}
        yield event("response.incomplete", response=done)
    else:
        yield event("response.completed", response=done)


def _refusal_part(text: str) -> dict[str, Any]:
    return {"type": "refusal", "refusal": text}


def _refusal(event: Any, where: dict[str, Any]) -> Iterator[Event]:
    """The model declines: a `refusal` content part, delta by delta."""
    yield event("response.content_part.added", **where, content_index=0, part=_refusal_part(""))
    for piece in split_into_chunks(REFUSAL):
        yield event("response.refusal.delta", True, **where, content_index=0, delta=piece)
    yield event("response.refusal.done", **where, content_index=0, refusal=REFUSAL)
    yield event("response.content_part.done", **where, content_index=0, part=_refusal_part(REFUSAL))


def _running(call: dict[str, Any]) -> dict[str, Any]:
    """An output item as announced, before it is done (items without a status keep none)."""
    item = dict(call)
    if "status" in item:
        item["status"] = "in_progress"
    if "results" in item:
        item["results"] = None
    if item.get("type") == "mcp_call":
        item["output"] = item["error"] = None
    return item


def _end(annotation: dict[str, Any]) -> int:
    return int(annotation.get("end_index", annotation.get("index", 0)))


def _call_item(call: PlannedCall, item_id: str, done: bool) -> dict[str, Any]:
    return {
        "id": item_id,
        "type": "function_call",
        "status": "completed" if done else "in_progress",
        "call_id": call.id,
        "name": call.name,
        "arguments": call.arguments if done else "",
    }


def _call_stream(
    base: dict[str, Any], calls: list[PlannedCall], usage: dict[str, Any]
) -> Iterator[Event]:
    """Function calls as the Responses API streams them: for each, its item announced, its
    arguments delta by delta, `.done` with the whole text, the item closed; then completed."""
    numbers = itertools.count()

    def event(kind: str, content: bool = False, **data: Any) -> Event:
        return Event({"type": kind, "sequence_number": next(numbers), **data}, kind, content)

    yield event("response.created", response=base)
    yield event("response.in_progress", response=base)
    items = []
    for index, call in enumerate(calls):
        item_id = f"fc_{uuid.uuid4().hex[:24]}"
        where = {"item_id": item_id, "output_index": index}
        yield event(
            "response.output_item.added", output_index=index, item=_call_item(call, item_id, False)
        )
        for piece in call.pieces():
            yield event("response.function_call_arguments.delta", True, **where, delta=piece)
        yield event("response.function_call_arguments.done", **where, arguments=call.arguments)
        items.append(_call_item(call, item_id, True))
        yield event("response.output_item.done", output_index=index, item=items[-1])
    done = {**base, "status": "completed", "output": items, "usage": usage}
    yield event("response.completed", response=done)


def _items_stream(
    base: dict[str, Any], items: list[dict[str, Any]], usage: dict[str, Any]
) -> Iterator[Event]:
    """Output items with no message after them (a response waiting for approvals)."""
    numbers = itertools.count()

    def event(kind: str, **data: Any) -> Event:
        return Event({"type": kind, "sequence_number": next(numbers), **data}, kind, False)

    yield event("response.created", response=base)
    yield event("response.in_progress", response=base)
    for index, item in enumerate(items):
        yield event("response.output_item.added", output_index=index, item=_running(item))
        for step in ITEM_STEPS.get(item["type"], ()):
            yield event(f"response.{item['type']}.{step}", output_index=index, item_id=item["id"])
        yield event("response.output_item.done", output_index=index, item=item)
    done = {**base, "status": "completed", "output": items, "usage": usage}
    yield event("response.completed", response=done)


def create_response(request: Request) -> Response:
    missing = not_offered(request, "responses")
    if missing:
        return missing
    body = request.body
    problem = _validate(body, request)
    if problem is not None:
        return problem
    reply = build_reply(body, lambda stores, query: search(request.server, stores, query))
    calls, answer = tool_plan(body, last_user_text(body)[0])
    if answer is not None:
        reply = Reply(answer)
    hosted = hosted_plan(body, last_user_text(body)[0])
    if hosted is not None and hosted.text is None:  # waits for the user's approval
        base = _response(body, f"resp_{uuid.uuid4().hex[:24]}")
        usage = responses_usage(input_items(body), 1, body["model"], item_text, None)
        if body.get("stream") is True:
            return EventStream(_items_stream(base, hosted.items, usage), done=False)
        return JSONResponse({**base, "status": "completed", "output": hosted.items, "usage": usage})
    if hosted is not None:
        reply = Reply(hosted.text or "", tool_calls=hosted.items)
    if "code_interpreter" in [t.get("type") for t in body.get("tools") or []]:
        run_code(request.server, reply, last_user_text(body)[0])
    pieces = split_into_chunks(reply.text)
    base = _response(body, f"resp_{uuid.uuid4().hex[:24]}")
    plan = responses_plan(body, last_user_text(body)[0])
    thoughts = len(plan.pieces) if plan.mode in ("raw", "think") else None
    usage = responses_usage(input_items(body), len(pieces), body["model"], item_text, thoughts)
    if calls and body.get("stream") is True:
        return EventStream(_call_stream(base, calls, usage), done=False)
    if calls:
        output = [_call_item(c, f"fc_{uuid.uuid4().hex[:24]}", True) for c in calls]
        return JSONResponse({**base, "status": "completed", "output": output, "usage": usage})
    if body.get("stream") is True:
        stream = _stream(base, reply, pieces, usage, plan, request.ending)
        return EventStream(stream, done=False)
    message = _message(f"msg_{uuid.uuid4().hex[:24]}", "completed", [])
    text = "".join(think_pieces(plan, pieces)) if plan.mode == "think" else reply.text
    message["content"] = [_part(text, reply.annotations)]
    output = [*reply.tool_calls, message]
    if plan.mode in ("summary", "raw"):
        output.insert(0, _reasoning_item(f"rs_{uuid.uuid4().hex[:24]}", plan, "completed", True))
    return JSONResponse({**base, "status": "completed", "output": output, "usage": usage})


def register(router: Router) -> None:
    router.add("POST", "/v1/responses", create_response)
