"""Injected faults: the failures a desktop client must survive, made on demand.

A fault is a small declarative record so it can be built in a test (``server.add_fault(...)``)
or sent as JSON from another process (``POST /_control/faults``) with the same meaning.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from .endings import ENDINGS
from .errors import status_error
from .routing import JSONResponse


@dataclass
class Fault:
    """What to break, for which requests, and how many times.

    - ``path``: prefix of the request path (``"*"`` matches every path).
    - ``status``: answer with this HTTP status and an OpenAI-shaped error body.
    - ``retry_after``: seconds for the ``Retry-After`` header (with ``status``).
    - ``delay``: seconds to wait before answering at all (to trigger client timeouts).
    - ``cut_after``: streams only; after N content chunks drop the connection mid-body.
    - ``malformed_after``: streams only; after N content chunks send one broken JSON event.
    - ``chunk_delay``: streams only; seconds between chunks, overriding the server's setting.
    - ``ending``: streams only; end the reply the wrong way (``endings.ENDINGS``): a body
      that stops without its finish (``no_finish``), an HTML page (``html``), the token limit
      (``length``), a refusal, only tool calls, no text, a quota error mid-stream, two
      interleaved choices, a Responses stream that fails before any text (``failed``).
    - ``times``: how many matching requests it applies to; ``None`` means all of them.
    - ``body``: with ``status``, answer with this JSON document instead of the OpenAI-shaped
      error: the shapes other servers use (``{"detail": …}``, ``{"error": "text"}``, …).
    - ``method``: only requests with this HTTP method (``"POST"``: a job's creation, not the
      list of jobs a poll reads from the same path); ``None``: any.

    A fault with neither ``status`` nor ``delay`` only affects streams, so it is never used up
    by a non-streaming request that happens to hit the same path first.
    """

    path: str = "/v1/chat/completions"
    status: int | None = None
    retry_after: float | None = None
    delay: float = 0.0
    cut_after: int | None = None
    malformed_after: int | None = None
    chunk_delay: float | None = None
    ending: str | None = None
    times: int | None = 1
    body: Any = None
    method: str | None = None

    @property
    def stream_only(self) -> bool:
        """True when the fault can only change a streamed reply."""
        return self.status is None and not self.delay

    def matches(self, path: str, streaming: bool, method: str = "") -> bool:
        """Whether this fault applies to a ``method`` request for ``path``."""
        if self.path != "*" and not path.startswith(self.path):
            return False
        if self.method is not None and method and method.upper() != self.method.upper():
            return False
        return streaming or not self.stream_only

    def error_response(self) -> JSONResponse | None:
        """The error reply this fault forces, or None when it sets no status."""
        if self.status is None:
            return None
        headers = {}
        if self.retry_after is not None:
            headers["Retry-After"] = f"{self.retry_after:g}"
        if self.body is not None:
            return JSONResponse(self.body, self.status, headers)
        return status_error(self.status, headers)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, the inverse of ``from_dict``."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> Fault:
        """Build a fault from JSON; raises ValueError on unknown fields or wrong types."""
        if not isinstance(data, dict):
            raise ValueError("a fault must be a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown fault field(s): {', '.join(unknown)}")
        fault = cls(**data)
        if not isinstance(fault.path, str):
            raise ValueError("path must be a string")
        for name in ("status", "cut_after", "malformed_after", "times"):
            value = getattr(fault, name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise ValueError(f"{name} must be an integer or null")
        for name in ("retry_after", "delay", "chunk_delay"):
            value = getattr(fault, name)
            if value is not None and not isinstance(value, int | float):
                raise ValueError(f"{name} must be a number")
        if fault.delay is None:
            raise ValueError("delay must be a number")
        if fault.method is not None and not isinstance(fault.method, str):
            raise ValueError("method must be a string or null")
        if fault.ending is not None and fault.ending not in ENDINGS:
            raise ValueError(f"ending must be one of {', '.join(ENDINGS)}")
        return fault
