"""Responses API stream events → the gateway's own events (reasoning, text, tool notes, usage).

The SDK parses each SSE event into a typed object; this reader looks only at the attributes it
needs (duck typing, so it is testable with simple stand-ins). Tool calls the server ran become
`ToolNote`s; a citation that arrives later, inside the text, is added to the note of the tool
that found it and the note is yielded again (same id: the consumer replaces it).

Reasoning arrives as summary text (asked for with `reasoning.summary`; one or more parts, kept
apart by a blank line) or, from servers that expose it (gpt-oss on vLLM, say), as raw reasoning
text. A part whose deltas never came is taken whole from its `.done` event.
"""

from __future__ import annotations

from typing import Any

from desktop_app.core.server_text import reason
from desktop_app.core.tool_calls import ToolCallAssembler
from desktop_app.core.tool_notes import Citation, ToolNote
from desktop_app.services.chat_events import (
    ChatEvent,
    HostedApprovals,
    HostedRequest,
    ReasoningDelta,
    StreamEnd,
    TextDelta,
    ToolCallsMade,
    read_usage,
)
from desktop_app.services.gateway_errors import ErrorKind, GatewayError, limit_error

TOOL_KINDS = {
    "web_search_call": "web_search",
    "file_search_call": "file_search",
    "code_interpreter_call": "code_interpreter",
}
SUMMARY_LENGTH = 80
REASONING_DELTAS = ("response.reasoning_summary_text.delta", "response.reasoning_text.delta")
REASONING_DONE = ("response.reasoning_summary_text.done", "response.reasoning_text.done")
PART_BREAK = "\n\n"


def _shorten(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_LENGTH else text[: SUMMARY_LENGTH - 1] + "…"


def _note_for(item: Any) -> ToolNote | None:
    kind = TOOL_KINDS.get(getattr(item, "type", ""))
    if kind is None:
        return None
    item_id = getattr(item, "id", "") or ""
    citations: list[Citation] = []
    summary = ""
    if kind == "web_search":
        action = getattr(item, "action", None)
        queries = getattr(action, "queries", None) or []
        summary = (
            getattr(action, "query", None) or "; ".join(queries) or getattr(action, "url", "")
        ) or ""
        for source in getattr(action, "sources", None) or []:
            url = getattr(source, "url", "")
            if url:
                citations.append(Citation(url, url=url))
    elif kind == "file_search":
        summary = "; ".join(getattr(item, "queries", None) or [])
        for result in getattr(item, "results", None) or []:
            name = getattr(result, "filename", None) or getattr(result, "file_id", None) or ""
            if name:
                citations.append(Citation(name, file=name))
    else:
        code = getattr(item, "code", None) or ""
        summary = code.strip().splitlines()[0] if code.strip() else "ran code"
    unique = tuple(dict.fromkeys(citations))
    return ToolNote(kind, _shorten(summary), unique, item_id)


def _mcp_note(item: Any) -> ToolNote:
    """A call of the hosted `mcp` tool the provider made: the tool, its server, what it gave."""
    name = getattr(item, "name", "") or "a tool"
    summary = f"{name} on {getattr(item, 'server_label', '') or 'its server'}"
    error = getattr(item, "error", None)
    output = getattr(item, "output", None)
    said = output if isinstance(output, str) and output else ""
    if error:
        summary += " (failed)"
        said = str(getattr(error, "message", None) or error)
    citations = (Citation(_shorten(said)),) if said else ()
    return ToolNote("mcp", _shorten(summary), citations, getattr(item, "id", "") or "")


def _as_input(item: Any) -> dict[str, Any]:
    """An output item as the next request's input item (the SDK's object, or a stand-in)."""
    dump = getattr(item, "model_dump", None)
    if callable(dump):
        data = dump(mode="json", exclude_none=True)
    else:
        data = {k: v for k, v in vars(item).items() if v is not None}
    return {k: v for k, v in data.items() if k != "status"} if isinstance(data, dict) else {}


def _error_kind(code: str) -> ErrorKind:
    if code.lower() in ("invalid_prompt", "invalid_request_error", "context_length_exceeded"):
        return ErrorKind.BAD_REQUEST
    return ErrorKind.SERVER


def _failure(code: Any, message: Any) -> GatewayError:
    said = reason(message)  # a crashed server's traceback becomes its last line
    code = code if isinstance(code, str) else ""
    limited = limit_error(code, f" The server said: {said}" if said else "", None)
    if limited is not None:  # the same words as the 429 before streaming
        return limited
    return GatewayError(
        _error_kind(code),
        f"The server reported an error while writing the reply: {said or 'no details'}",
        said=said,
    )


class ResponsesReader:
    """Feed it events in order; each call returns the gateway events they mean (maybe none)."""

    def __init__(self) -> None:
        self._notes: dict[str, ToolNote] = {}
        self._last_of_kind: dict[str, str] = {}
        self._parts: set[tuple[str, int]] = set()  # reasoning parts that had deltas
        self._reasoned = False
        self.refused = False
        self.tool_calls = ToolCallAssembler()  # function calls the model asked for
        self.hosted_items: list[dict[str, Any]] = []  # hosted MCP listings and requests
        self.hosted_requests: list[HostedRequest] = []

    def feed(self, event: Any) -> list[ChatEvent]:
        kind = getattr(event, "type", "")
        if kind in REASONING_DELTAS or kind in REASONING_DONE:
            return self._reasoning(event, kind)
        if kind == "response.output_text.delta":
            return [TextDelta(event.delta)] if event.delta else []
        if kind == "response.refusal.delta":  # the model's refusal is the reply's text
            self.refused = True
            return [TextDelta(event.delta)] if event.delta else []
        if kind == "response.function_call_arguments.delta":
            self.tool_calls.add_arguments_delta(str(event.item_id), event.delta)
            return []
        if kind == "response.function_call_arguments.done":
            self.tool_calls.arguments_done(str(event.item_id), event.arguments)
            return []
        if kind == "response.output_item.added":
            self.tool_calls.add_item(event.item)
            return []
        if kind == "response.output_item.done":
            item = event.item
            self.tool_calls.add_item(item)
            item_type = getattr(item, "type", "")
            if item_type == "mcp_call":
                self.hosted_items.append(_as_input(item))  # the next request carries it
                return [self._remember(_mcp_note(item))]
            if item_type in ("mcp_list_tools", "mcp_approval_request"):
                self.hosted_items.append(_as_input(item))
                if item_type == "mcp_approval_request":
                    self.hosted_requests.append(
                        HostedRequest(
                            str(getattr(item, "id", "")),
                            str(getattr(item, "name", "")),
                            str(getattr(item, "arguments", "") or ""),
                            str(getattr(item, "server_label", "")),
                        )
                    )
                return []
            note = _note_for(item)
            return [self._remember(note)] if note is not None else []
        if kind == "response.output_text.annotation.added":
            note = self._cite(getattr(event, "annotation", None))
            return [note] if note is not None else []
        if kind in ("response.completed", "response.incomplete"):
            usage = getattr(event.response, "usage", None)
            out: list[ChatEvent] = [] if usage is None else [read_usage(usage)]
            reason = "completed"
            if kind == "response.incomplete":
                details = getattr(event.response, "incomplete_details", None)
                reason = getattr(details, "reason", None) or "incomplete"
            calls = self.tool_calls.calls()
            if calls:
                out.append(ToolCallsMade(tuple(calls)))
            if self.hosted_items:
                requests, items = tuple(self.hosted_requests), tuple(self.hosted_items)
                out.append(HostedApprovals(requests, items))
            out.append(StreamEnd(reason, self.refused))
            return out
        if kind == "response.failed":
            error = getattr(event.response, "error", None)
            raise _failure(getattr(error, "code", ""), getattr(error, "message", ""))
        if kind == "error":
            raise _failure(getattr(event, "code", ""), getattr(event, "message", ""))
        return []

    def _reasoning(self, event: Any, kind: str) -> list[ChatEvent]:
        part = (
            str(getattr(event, "item_id", "")),
            int(getattr(event, "summary_index", getattr(event, "content_index", 0)) or 0),
        )
        if kind in REASONING_DONE:
            if part in self._parts:
                return []
            text = getattr(event, "text", "")
        else:
            text = getattr(event, "delta", "")
        if not isinstance(text, str) or not text:
            return []
        out: list[ChatEvent] = []
        if part not in self._parts:
            if self._reasoned:
                out.append(ReasoningDelta(PART_BREAK))
            self._parts.add(part)
        self._reasoned = True
        out.append(ReasoningDelta(text))
        return out

    def _remember(self, note: ToolNote) -> ToolNote:
        key = note.id or f"{note.kind}-{len(self._notes)}"
        self._notes[key] = note
        self._last_of_kind[note.kind] = key
        return note

    def _cite(self, annotation: Any) -> ToolNote | None:
        kind = getattr(annotation, "type", "")
        if kind == "url_citation":
            tool = "web_search"
            citation = Citation(getattr(annotation, "title", "") or "", url=annotation.url)
        elif kind == "file_citation":
            tool = "file_search"
            name = getattr(annotation, "filename", "") or annotation.file_id
            citation = Citation(name, file=name)
        elif kind == "container_file_citation":  # a file code interpreter made
            tool = "code_interpreter"
            name = getattr(annotation, "filename", "") or annotation.file_id
            citation = Citation(
                name, file=name, container=annotation.container_id, file_id=annotation.file_id
            )
        else:
            return None
        key = self._last_of_kind.get(tool)
        if key is None:  # cited without a visible call (the server ran it silently)
            key = self._remember(ToolNote(tool, "", (), f"{tool}-implicit")).id
        note = self._notes[key]
        if tool == "web_search":  # a titled citation replaces the bare source URL
            bare = Citation(citation.url, url=citation.url)
            if bare in note.citations:
                note = ToolNote(
                    note.kind,
                    note.summary,
                    tuple(c for c in note.citations if c != bare),
                    note.id,
                )
        updated = note.with_citation(citation)
        self._notes[key] = updated
        return updated
