"""The HTTP layer: parse a request, apply faults and the API key, route, and write the reply.

Streams are written here with chunked transfer encoding so that a connection dropped in the
middle of a body is a protocol error the client must notice (with Content-Length or
close-delimited bodies an early close can look like a normal end). Between chunks the handler
watches its socket, so a client that closes a stream is noticed even while the server waits.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import select
import socket
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from .endings import HTML_PAGE
from .endless import endless, forget_cursor
from .errors import error_response, mask_key
from .faults import Fault
from .personalities import keyless_answer, reshape_error
from .routing import (
    BytesResponse,
    EventStream,
    JSONResponse,
    RecordedRequest,
    Request,
    Response,
)

if TYPE_CHECKING:
    from .httpd import ThreadedServer
    from .server import OpenAIServer

MALFORMED_EVENT = b"data: {this is not json\n\n"
_GONE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


class Handler(BaseHTTPRequestHandler):
    """One connection; HTTP/1.1 so the SDK's connection pool can keep it alive."""

    protocol_version = "HTTP/1.1"
    server_version = "openai-test-server/1"
    server: ThreadedServer

    def version_string(self) -> str:
        """The ``Server`` header, without the stdlib's Python version suffix."""
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet: per-request lines on stderr would drown test output."""

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_PATCH(self) -> None:
        self._dispatch()

    # request ---------------------------------------------------------------------------------
    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                parts.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass  # trailers
            return b"".join(parts)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _dispatch(self) -> None:
        app = self.server.app
        url = urlsplit(self.path)
        raw = self._read_body()
        headers = {key.lower(): value for key, value in self.headers.items()}
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        request = Request(
            self.command, url.path, dict(parse_qsl(url.query)), headers, body, raw, app
        )
        if url.path.startswith("/_control"):
            self._send(self._route(request), None)
            return
        app.record(RecordedRequest(self.command, url.path, headers, body, raw, request.query))
        streaming = isinstance(body, dict) and body.get("stream") is True
        fault = app.take_fault(url.path, streaming, self.command)
        if fault is not None and fault.delay > 0 and not self._pause(fault.delay):
            self._abandoned(count=streaming)
            return
        early = (fault.error_response() if fault else None) or self._denied(headers, app, url.path)
        if early is None and raw and body is None and "json" in headers.get("content-type", ""):
            early = error_response(400, "We could not parse the JSON body of your request.")
        if early is None and fault is not None and fault.ending == "html":
            self._send_page(HTML_PAGE)
            return
        if streaming and fault is not None:
            request.ending = fault.ending
        mode = getattr(app, "endless_pages", "")
        forget_cursor(request, mode)
        response = early or endless(self._route(request), request, mode)
        if isinstance(response, JSONResponse):
            response = reshape_error(app.persona, response)
        self._send(response, fault if streaming else None)

    def _route(self, request: Request) -> Response:
        found = self.server.app.router.match(request.method, request.path)
        if found is None:
            return error_response(404, f"Invalid URL ({request.method} {request.path})")
        handler, request.params = found
        try:
            return handler(request)
        except Exception as exc:  # a bug in a handler: say so, like the API's 500
            traceback.print_exc()
            return error_response(500, f"Test server error: {exc!r}", "server_error")

    def _denied(self, headers: dict[str, str], app: OpenAIServer, path: str) -> JSONResponse | None:
        with app.lock:
            key, persona = app.api_key, app.persona
        auth = headers.get("authorization", "")
        if key is None or auth == f"Bearer {key}" or path in persona.public:
            return None
        odd = keyless_answer(persona)
        if odd is not None:
            return odd
        given = auth.removeprefix("Bearer").strip()
        hint = "You can find your API key at https://platform.openai.com/account/api-keys."
        if given:
            # Some proxies echo the whole key they were given: `server.echo_key = True`.
            shown = given if getattr(app, "echo_key", False) else mask_key(given)
            message = f"Incorrect API key provided: {shown}. {hint}"
        else:
            message = f"You didn't provide an API key. {hint}"
        return error_response(401, message, code="invalid_api_key")

    # response --------------------------------------------------------------------------------
    def _send(self, response: Response, fault: Fault | None) -> None:
        if isinstance(response, EventStream):
            self._send_stream(response, fault)
            return
        if isinstance(response, BytesResponse):
            self.send_response(200)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            self._common_headers({})
            self.wfile.write(response.body)
            return
        data = json.dumps(response.body).encode()
        self.send_response(response.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self._common_headers(response.headers)
        self.wfile.write(data)

    def _send_page(self, page: str) -> None:
        """A 200 web page where the API was expected (a captive portal, a proxy's sign-in)."""
        data = page.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self._common_headers({})
        self.wfile.write(data)

    def _common_headers(self, extra: dict[str, str]) -> None:
        self.send_header("x-request-id", f"req_{uuid.uuid4().hex}")
        self.send_header("openai-processing-ms", "1")
        for name, value in extra.items():
            self.send_header(name, value)
        self.end_headers()

    def _send_stream(self, stream: EventStream, fault: Fault | None) -> None:
        app = self.server.app
        delay = app.chunk_delay if fault is None or fault.chunk_delay is None else fault.chunk_delay
        cut = fault.cut_after if fault else None
        malformed = fault.malformed_after if fault else None
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        try:
            self._common_headers(stream.headers)
            sent = 0
            # None stands for the end of the stream ([DONE] and the terminating chunk).
            for index, event in enumerate(itertools.chain(stream.events, [None])):
                if index and not self._pause(delay):
                    self._abandoned()
                    return
                if cut is not None and sent >= cut:
                    self._cut()
                    return
                if malformed is not None and sent >= malformed:
                    self._write_chunk(MALFORMED_EVENT, last=True)
                    return
                if event is None:
                    self._write_chunk(b"data: [DONE]\n\n" if stream.done else b"", last=True)
                    return
                self._write_chunk(event.encode())
                sent += event.content
        except _GONE:
            self._abandoned()

    def _write_chunk(self, data: bytes, last: bool = False) -> None:
        payload = f"{len(data):X}\r\n".encode() + data + b"\r\n" if data else b""
        self.wfile.write(payload + (b"0\r\n\r\n" if last else b""))

    # connection ------------------------------------------------------------------------------
    def _pause(self, seconds: float) -> bool:
        """Wait ``seconds`` unless the client hangs up first; False means it is gone."""
        deadline = time.monotonic() + seconds
        try:
            readable, _, _ = select.select([self.connection], [], [], max(seconds, 0))
            if readable and not self.connection.recv(1, socket.MSG_PEEK):
                return False
        except (OSError, ValueError):  # reset, or closed under us by stop()
            return False
        time.sleep(max(0.0, deadline - time.monotonic()))  # the client sent bytes early
        return True

    def _abandoned(self, count: bool = True) -> None:
        self.close_connection = True
        if count and not self.server.stopping:
            self.server.app.note_disconnect()

    def _cut(self) -> None:
        """Drop the connection mid-body, without the terminating chunk."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
