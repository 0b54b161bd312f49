"""Replies that end the wrong way, shaped as OpenAI's servers (and proxies) actually send them.

A fault's ``ending`` names one; ``chat.py`` and ``responses.py`` shape their streams with it:

- ``no_finish``: the body ends with neither a ``finish_reason`` nor ``[DONE]`` (Responses:
  no ``response.completed``) — a proxy that closed the stream cleanly, early.
- ``html``: a 200 answer that is a web page (``text/html``), as a captive portal sends.
- ``length``: stopped at the output-token limit after ``LIMIT_PIECES`` pieces
  (``finish_reason: "length"``; Responses: ``response.incomplete``, ``max_output_tokens``).
  A request's own token cap does the same without a fault.
- ``refusal``: the model declines, in ``delta.refusal`` (Responses: a ``refusal`` part).
- ``tool_calls``: only a tool call, no text (``finish_reason: "tool_calls"``).
- ``empty``: no text at all, yet finished (``finish_reason: "stop"``).
- ``quota``: after ``QUOTA_AFTER`` pieces an error object inside the stream,
  ``insufficient_quota`` (Responses: an ``error`` event).
- ``choices``: two choices (``n = 2``), their deltas interleaved chunk by chunk.
- ``failed``: Responses only; ``response.failed`` before any text, its message a Python
  traceback (``TRACEBACK``), as a gateway that bridges Responses to a backend without it sends.
"""

from __future__ import annotations

from typing import Any

ENDINGS = (
    "no_finish", "html", "length", "refusal", "tool_calls", "empty", "quota", "choices", "failed"
)  # fmt: skip
LIMIT_PIECES = 6
QUOTA_AFTER = 3
REFUSAL = "I'm sorry, but I can't help with that request."
SECOND_CHOICE = "A second, different answer that must never mix with the first one."
QUOTA_MESSAGE = "You exceeded your current quota, please check your plan and billing details."
TRACEBACK = (
    "Traceback (most recent call last):\n"
    '  File "/srv/proxy/server.py", line 4120, in responses_api\n'
    "    response = await llm_router.aresponses(**data)\n"
    '  File "/srv/proxy/router.py", line 88, in aresponses\n'
    "    raise NotImplementedError(msg)\n"
    "NotImplementedError: Responses API is not implemented for this model. Use "
    "/chat/completions instead.\n"
)
HTML_PAGE = (
    "<!DOCTYPE html>\n<html><head><title>Sign in to the network</title></head>\n"
    "<body><h1>Welcome</h1><p>Please sign in to continue.</p></body></html>\n"
)


def quota_error() -> dict[str, Any]:
    """The error object OpenAI puts in the stream when the account runs dry."""
    return {
        "message": QUOTA_MESSAGE,
        "type": "insufficient_quota",
        "param": None,
        "code": "insufficient_quota",
    }


def tool_call_deltas(name: str = "get_weather") -> list[dict[str, Any]]:
    """The deltas of one streamed tool call: its id and name, then its arguments in pieces."""
    first = {
        "index": 0,
        "id": "call_parley_test",
        "type": "function",
        "function": {"name": name, "arguments": ""},
    }
    pieces = ['{"city"', ': "Par', 'is"}']
    return [
        {"tool_calls": [first]},
        *({"tool_calls": [{"index": 0, "function": {"arguments": p}}]} for p in pieces),
    ]


def token_cap(body: dict[str, Any], *names: str) -> int | None:
    """The request's own output-token cap (a positive integer), if it set one."""
    for name in names:
        value = body.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None
