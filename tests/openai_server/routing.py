"""Routes, requests and responses shared by every resource module.

A resource module (``models.py``, ``chat.py``, …) is a set of plain functions
``handler(request) -> Response`` plus a ``register(router)`` that binds them to paths, so a new
part of the API is one new module and one line in ``server.py``. Handlers never touch sockets:
they return a ``JSONResponse`` or an ``EventStream`` and the HTTP layer (``handler.py``) does the
writing, the pacing, the fault injection and the disconnect detection in one place.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

if TYPE_CHECKING:
    from .server import OpenAIServer


@dataclass
class Request:
    """One parsed HTTP request, as a route handler sees it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    raw: bytes
    server: OpenAIServer
    params: dict[str, str] = field(default_factory=dict)
    ending: str | None = None  # a stream fault's wrong ending (``endings.py``), for the handler


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server received it (``headers`` keys are lower-case)."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    raw: bytes
    query: dict[str, str] = field(default_factory=dict)


@dataclass
class JSONResponse:
    """A complete JSON reply (sent with Content-Length, so the connection stays reusable)."""

    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Event:
    """One server-sent event; ``content`` marks events that carry generated text.

    Faults count content events (``cut_after=3`` means "after three pieces of text"), so the
    role chunk and the finish chunk of a chat stream are not counted.
    """

    data: Any
    event: str | None = None
    content: bool = False

    def encode(self) -> bytes:
        """The event as it appears on the wire."""
        data = self.data if isinstance(self.data, str) else json.dumps(self.data)
        head = f"event: {self.event}\n" if self.event else ""
        return f"{head}data: {data}\n\n".encode()


@dataclass
class EventStream:
    """A ``text/event-stream`` reply; ``done`` appends the chat API's ``data: [DONE]``."""

    events: Iterable[Event]
    done: bool = True
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class BytesResponse:
    """A file's bytes (``/content`` routes), sent with Content-Length."""

    body: bytes
    content_type: str = "application/octet-stream"


Response = JSONResponse | EventStream | BytesResponse
Handler = Callable[[Request], Response]


class Router:
    """Maps ``(method, path)`` to a handler; ``{name}`` in a pattern captures one path segment."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        """Register ``handler`` for ``method`` on paths matching ``pattern``."""
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern)
        self._routes.append((method.upper(), re.compile(f"^{regex}$"), handler))

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | None:
        """The handler for a request and the captured path parameters, or None."""
        for route_method, regex, handler in self._routes:
            found = regex.match(path)
            if found and route_method == method.upper():
                return handler, {k: unquote(v) for k, v in found.groupdict().items()}
        return None
