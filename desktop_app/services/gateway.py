"""The one place that talks to an OpenAI-compatible server, through `AsyncOpenAI`.

`openai` is imported on first use, off the UI thread: it costs ~0.4 s, which start-up does not
pay. Retries are the SDK's own (`max_retries`, which honours Retry-After); we add no loop.
"""

from __future__ import annotations

import asyncio
import importlib
import time
from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from desktop_app.core.providers import PLACEHOLDER_KEY, PRESETS, is_openai_host, runs_here
from desktop_app.core.reply_endings import PAGE_TEXT
from desktop_app.services.chat_chunks import ChatChunkReader
from desktop_app.services.chat_events import (
    ChatEvent,
    ReasoningDelta,
    StreamEnd,
    TextDelta,
    ToolNote,
    Usage,
)
from desktop_app.services.gateway_embeddings import EmbeddingBatch, create_embeddings
from desktop_app.services.gateway_errors import (
    ErrorKind,
    GatewayError,
    map_error,
    timeout_message,
)
from desktop_app.services.paging import read_pages
from desktop_app.services.redaction import redact
from desktop_app.services.responses_events import ResponsesReader

# TextDelta, ReasoningDelta, Usage, ToolNote and StreamEnd are defined in chat_events and named
# here too: they are what the gateway's streams yield.
__all__ = [
    "ChatEvent",
    "EndpointMissing",
    "Gateway",
    "ModelInfo",
    "ProviderConfig",
    "ReasoningDelta",
    "ResponsesUnavailable",
    "StreamEnd",
    "TextDelta",
    "ToolNote",
    "Usage",
    "is_route_missing",
    "load_openai",
]


@dataclass(frozen=True)
class ProviderConfig:
    provider: str  # a key of PRESETS
    base_url: str = ""
    api_key: str = field(default="", repr=False)  # never in a repr, a log line or a report
    timeout: float = 60.0
    max_retries: int = 2
    azure_api_version: str = ""

    @property
    def label(self) -> str:
        return PRESETS[self.provider].label

    @property
    def has_key(self) -> bool:
        return bool(self.api_key) or not PRESETS[self.provider].needs_key

    @property
    def cache_key(self) -> str:
        """What per-provider caches are keyed by: the same preset pointed at another server
        has other models and other abilities."""
        return f"{self.provider}:{self.base_url}"

    @property
    def is_local(self) -> bool:
        return PRESETS[self.provider].local

    @property
    def runs_here(self) -> bool:
        """On this computer or its network, not a paid gateway: free unless priced."""
        return runs_here(self.provider, self.base_url)

    @property
    def is_openai(self) -> bool:
        """OpenAI's or Azure's own servers (not a compatible one somewhere else)."""
        return is_openai_host(self.provider, self.base_url)


MAX_MODELS = 5000  # a server that pages its models (most send one page) is read this far


class ResponsesUnavailable(GatewayError):
    """The Responses API failed before any of the reply arrived, in a way chat completions
    may not: a 5xx, or an answer that says it is not implemented (`responses_broken`). The
    "auto" wire API falls back on it; `said` is the server's reason."""


class EndpointMissing(ResponsesUnavailable):
    """The server has no such route at all (404 on the URL, 405, 501) — not a missing model
    or object. The "auto" wire API falls back to chat completions on it."""


_NOT_IMPLEMENTED = ("not implemented", "not yet implemented", "notimplementederror")


def responses_broken(status: int | None, said: str) -> bool:
    """A Responses failure worth trying chat completions for: the server failed (5xx) or
    said it does not do this ("not implemented", whatever the status)."""
    return (status is not None and status >= 500) or any(
        words in said.lower() for words in _NOT_IMPLEMENTED
    )


def is_route_missing(exc: BaseException) -> bool:
    status = getattr(exc, "status_code", None)
    if status in (405, 501):
        return True
    if status != 404 or getattr(exc, "code", None):
        return False
    body = getattr(exc, "body", None)
    error = body.get("error", body) if isinstance(body, dict) else None
    said = error.get("message") if isinstance(error, dict) else None
    if not isinstance(said, str) or not said:
        return True  # plain-text or framework 404 pages ({"detail": "Not Found"})
    return said.startswith("Invalid URL") or said.strip().lower() in ("not found", "404")


def refuses_summaries(exc: BaseException) -> bool:
    """A 400 about `reasoning.summary`: OpenAI gives reasoning summaries only to verified
    organisations, and some compatible servers do not know the field."""
    if getattr(exc, "status_code", None) != 400:
        return False
    if getattr(exc, "param", None) == "reasoning.summary":
        return True
    return "summar" in str(getattr(exc, "message", "")).lower()


def without_summary(request: Mapping[str, Any]) -> dict[str, Any] | None:
    """The request without its reasoning summary, or None if it asked for none."""
    reasoning = request.get("reasoning")
    if not isinstance(reasoning, Mapping) or "summary" not in reasoning:
        return None
    rest = {k: v for k, v in reasoning.items() if k != "summary"}
    trimmed = {k: v for k, v in request.items() if k != "reasoning"}
    if rest:
        trimmed["reasoning"] = rest
    return trimmed


@dataclass(frozen=True)
class ModelInfo:
    id: str
    owned_by: str = ""
    created: int | None = None
    # Fields beyond the API's own; some servers say what a model takes (input_modalities…).
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False)
    shutdown_date: str = ""  # when the provider stops serving it, if announced


_MODEL_FIELDS = frozenset(("id", "object", "created", "owned_by", "shutdown_date"))


def _extra_fields(model: Any) -> dict[str, Any]:
    """A listed model's fields beyond the API's own. The SDK builds response objects without
    validation, so unknown fields are plain attributes (in `to_dict()`), not `model_extra`."""
    fields = dict(getattr(model, "model_extra", None) or {})
    if hasattr(model, "to_dict"):
        fields.update(model.to_dict(warnings=False))
    return {k: v for k, v in fields.items() if k not in _MODEL_FIELDS}


def _check_is_stream(stream: Any) -> None:
    """A 200 answer that is a web page (a captive portal, a proxy's login, a base URL that
    points at a website) reads as an empty stream: say what it is instead."""
    response = getattr(stream, "response", None)
    headers = getattr(response, "headers", None)
    kind = str(headers.get("content-type", "")) if headers is not None else ""
    if kind.split(";")[0].strip().lower() in ("text/html", "application/xhtml+xml"):
        raise GatewayError(ErrorKind.CUT, PAGE_TEXT, getattr(response, "status_code", None))


async def load_openai() -> Any:
    """Import the SDK in a worker thread so the window keeps painting meanwhile."""
    return await asyncio.to_thread(importlib.import_module, "openai")


class Gateway:
    """One `AsyncOpenAI` client for one provider configuration."""

    def __init__(self, config: ProviderConfig) -> None:
        self.config = config
        self._client: Any = None
        self.summaries = True  # False once the server refused reasoning summaries

    async def client(self) -> Any:
        if self._client is None:
            if not self.config.has_key:
                raise GatewayError(
                    ErrorKind.AUTH,
                    f"No API key is set for {self.config.label}. Open Settings (Ctrl+,) to add "
                    "one, or set OPENAI_API_KEY in the environment.",
                )
            openai = await load_openai()
            if self._client is not None:  # a concurrent caller built it while the SDK loaded
                return self._client
            key = self.config.api_key or PLACEHOLDER_KEY
            common: dict[str, Any] = {
                "api_key": key,
                "timeout": self.config.timeout,
                "max_retries": self.config.max_retries,
            }
            if self.config.provider == "azure":
                self._client = openai.AsyncAzureOpenAI(
                    azure_endpoint=self.config.base_url,
                    api_version=self.config.azure_api_version,
                    **common,
                )
            else:
                self._client = openai.AsyncOpenAI(base_url=self.config.base_url or None, **common)
        return self._client

    def _error(
        self,
        exc: BaseException,
        mid_stream: bool = False,
        since: float | None = None,
        retries: int | None = None,
        reading: bool = False,
    ) -> GatewayError:
        """The error for the user. `since`: `time.monotonic()` when the call began (a timeout
        then says how long the tries took); `retries`: the SDK's retries for this call (the
        client's `max_retries` unless the call changed it); `reading`: it came while an open
        stream was read (the SDK retries nothing then)."""
        retries = self.config.max_retries if retries is None else retries
        elapsed = None if since is None else time.monotonic() - since
        error = map_error(
            exc, self.config.base_url, self.config.timeout, mid_stream, 1 + retries, elapsed
        )
        if reading and error.kind is ErrorKind.TIMEOUT:  # the stream was open, then stalled
            error.message = timeout_message(self.config.timeout, mid_stream=True)
        # A server (or proxy) may echo the key in its error text: out before it is shown or
        # stored with the reply.
        return self._redacted(error)

    def _redacted(self, error: GatewayError) -> GatewayError:
        error.message = redact(error.message, [self.config.api_key])
        error.said = redact(error.said, [self.config.api_key])
        error.args = (error.message,)
        return error

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.close()

    async def list_models(self) -> list[ModelInfo]:
        client = await self.client()
        since = time.monotonic()
        try:
            listed = await read_pages(await client.models.list(), max_items=MAX_MODELS)
            models = [
                ModelInfo(
                    m.id,
                    getattr(m, "owned_by", "") or "",
                    m.created,
                    _extra_fields(m),
                    str(getattr(m, "shutdown_date", None) or ""),
                )
                for m in listed
            ]
        except Exception as exc:
            raise self._error(exc, since=since) from exc
        return sorted(models, key=lambda m: m.id)

    async def embeddings(self, model: str, texts: Sequence[str]) -> EmbeddingBatch:
        """Vectors for `texts` in one request (`gateway_embeddings`); raises GatewayError."""
        return await create_embeddings(self, model, texts)

    async def container_file(self, container_id: str, file_id: str) -> bytes:
        """The bytes of a file code interpreter made (cited in a reply), from its container.
        Containers expire (about 20 minutes idle on OpenAI): then this raises NOT_SUPPORTED."""
        client = await self.client()
        try:
            content = await client.containers.files.content.retrieve(
                file_id, container_id=container_id
            )
        except Exception as exc:
            raise self._error(exc) from exc
        return bytes(content.content)

    async def stream_chat(
        self, model: str, messages: Sequence[dict[str, Any]], **params: Any
    ) -> AsyncGenerator[ChatEvent, None]:
        """Yield reasoning and text deltas of choice 0 as they arrive (a refusal as its
        text), the usage if the server reports it, and a `StreamEnd` with the finish reason —
        none when the body stopped without one (the caller counts that as a cut).

        Cancelling the consumer closes the HTTP response, so the server sees the client go
        away and stops generating (and billing).
        """
        client = await self.client()
        extra = dict(params.pop("extra_body", None) or {})
        # The history goes in as the JSON it already is: the SDK's pure-Python transform of
        # typed params costs ~0.5 ms a message, a quarter second a turn in a long dialogue.
        extra["messages"] = list(messages)
        since = time.monotonic()
        try:
            stream = await client.chat.completions.create(
                model=model,
                messages=[],
                stream=True,
                stream_options={"include_usage": True},
                extra_body=extra,
                **params,
            )
        except Exception as exc:
            raise self._error(exc, since=since) from exc
        reader = ChatChunkReader()
        try:
            _check_is_stream(stream)
            async for chunk in stream:
                for event in reader.feed(chunk):
                    yield event
            for event in reader.end():
                yield event
        except (GeneratorExit, asyncio.CancelledError, GatewayError):
            raise
        except Exception as exc:
            raise self._error(exc, mid_stream=reader.started, retries=0, reading=True) from exc
        finally:
            await stream.close()

    async def stream_responses(self, request: Mapping[str, Any]) -> AsyncGenerator[ChatEvent, None]:
        """Like `stream_chat`, through the Responses API: text deltas, a `ToolNote` for each
        tool the server ran (again when a citation is added to it), then the usage.

        Raises `EndpointMissing` (before yielding anything) when the server has no Responses
        API, `ResponsesUnavailable` when it failed before any of the reply came, so the caller
        can fall back; other failures map as for chat completions. A server
        that refuses reasoning summaries is asked again without, and not asked for them again.
        """
        client = await self.client()
        trimmed = without_summary(request)
        if trimmed is not None and not self.summaries:
            request = trimmed
        since = time.monotonic()
        try:
            try:
                stream = await client.responses.create(**request, stream=True)
            except Exception as exc:
                if trimmed is None or not self.summaries or not refuses_summaries(exc):
                    raise
                self.summaries = False
                stream = await client.responses.create(**trimmed, stream=True)
        except Exception as exc:
            error = self._error(exc, since=since)
            if is_route_missing(exc):
                raise EndpointMissing(ErrorKind.NOT_SUPPORTED, error.message, 404) from exc
            if error.kind is not ErrorKind.AUTH and responses_broken(error.status, error.said):
                raise ResponsesUnavailable(
                    error.kind, error.message, error.status, error.said
                ) from exc
            raise error from exc
        reader = ResponsesReader()
        started = yielded = False
        try:
            _check_is_stream(stream)
            async for event in stream:
                for out in reader.feed(event):
                    started = started or isinstance(out, TextDelta | ReasoningDelta)
                    yielded = True
                    yield out
        except GatewayError as error:
            # The stream opened, then failed before a word of the reply (a `response.failed`
            # from a gateway that bridges Responses to something without it).
            if not yielded and error.kind is ErrorKind.SERVER:
                self._redacted(error)
                raise ResponsesUnavailable(
                    error.kind, error.message, error.status, error.said
                ) from error
            raise
        except (GeneratorExit, asyncio.CancelledError):
            raise
        except Exception as exc:
            raise self._error(exc, mid_stream=started, retries=0, reading=True) from exc
        finally:
            await stream.close()
