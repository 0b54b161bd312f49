"""MCP servers' tools as the tool loop sees them: a `ToolProvider` over the MCP service.

`list_tools` asks the host for the tools of the servers that are on and gives each a name the
model may see: OpenAI allows `^[a-zA-Z0-9_-]{1,64}$` for a function, and the names in one
request must be unique. A tool keeps its own name when that fits and no other tool listed has
it; otherwise it is called `server_tool` (characters outside the rule become `_`, the whole cut
to 64, a `_2`, `_3`... suffix when that is taken too). The names are kept from the last listing,
so that `call` finds the server and the tool's real name again.

Nothing here imports the MCP SDK; the host (McpSessions) starts servers as they are needed.
"""

from __future__ import annotations

import asyncio
import base64
import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from desktop_app.core.tool_calls import EMPTY_SCHEMA, ToolImage, ToolResult, ToolSpec
from desktop_app.services import mcp_types
from desktop_app.services.mcp_types import McpError, ToolInfo
from desktop_app.services.tool_loop import ToolFailed

NAME_LIMIT = 64
VALID_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_INVALID = re.compile(r"[^a-zA-Z0-9_-]")
TRUNCATED_NOTE = "[Parley cut this tool's output: it was longer than Parley accepts from a tool.]"


McpToolHost = mcp_types.ToolHost  # what McpTools needs (McpSessions is one)


def sanitized(text: str) -> str:
    """`text` with every character a function name may not have made `_`, cut to 64."""
    return _INVALID.sub("_", text)[:NAME_LIMIT] or "_"


def _with_suffix(base: str, taken: set[str]) -> str:
    if base not in taken:
        return base
    number = 2
    while True:
        suffix = f"_{number}"
        name = base[: NAME_LIMIT - len(suffix)] + suffix
        if name not in taken:
            return name
        number += 1


def model_names(tools: Iterable[ToolInfo]) -> list[str]:
    """A model-facing name for each tool, in order: valid, unique among them."""
    tools = list(tools)
    counts = Counter(t.name for t in tools)
    own = [bool(VALID_NAME.match(t.name)) and counts[t.name] == 1 for t in tools]
    taken = {t.name for t, keeps in zip(tools, own, strict=True) if keeps}
    names = []
    for tool, keeps in zip(tools, own, strict=True):
        if keeps:
            names.append(tool.name)
            continue
        name = _with_suffix(sanitized(f"{tool.server}_{tool.name}"), taken)
        taken.add(name)
        names.append(name)
    return names


def core_result(result: mcp_types.ToolResult) -> ToolResult:
    """An MCP tool's answer as the loop keeps it (the loop measures the time itself)."""
    text = result.text
    if result.truncated:
        text = f"{text}\n\n{TRUNCATED_NOTE}" if text else TRUNCATED_NOTE
    images = tuple(
        ToolImage(base64.b64encode(image.data).decode("ascii"), image.mime_type or "image/png")
        for image in result.images
    )
    structured = dict(result.structured) if result.structured is not None else None
    return ToolResult(
        text=text, images=images, structured=structured, is_error=result.is_error, seconds=None
    )


class McpTools:
    """A ToolProvider over MCP servers."""

    def __init__(
        self,
        host: McpToolHost,
        servers: Collection[str] | None = None,
        tools: Collection[str] | None = None,
        call_timeout: float | None = None,
    ) -> None:
        self.host = host
        self.servers = None if servers is None else tuple(servers)
        self.tools = None if tools is None else frozenset(tools)
        self.call_timeout = call_timeout
        self._targets: dict[str, tuple[str, str]] = {}  # model name → (server, real name)
        self.problems: list[str] = []  # why servers asked for offer nothing (last listing)

    async def list_tools(self) -> list[ToolSpec]:
        found = await self.host.list_tools(self.servers)
        if self.servers is not None:
            wanted = set(self.servers)
            found = [t for t in found if t.server in wanted]
        if self.tools is not None:
            found = [t for t in found if f"{t.server}/{t.name}" in self.tools]
        specs, targets = [], {}
        for tool, name in zip(found, model_names(found), strict=True):
            targets[name] = (tool.server, tool.name)
            specs.append(
                ToolSpec(
                    name,
                    tool.description or tool.title,
                    dict(tool.input_schema) if tool.input_schema else dict(EMPTY_SCHEMA),
                    tool.server,
                    tool.name,
                )
            )
        self._targets = targets
        self.problems = self._problems({t.server for t in found})
        return specs

    def _problems(self, listed: set[str]) -> list[str]:
        """A sentence for each server asked for that offers no tools because it is not
        running (it failed, waits for the user's OK, or is gone from Settings)."""
        status_of = getattr(self.host, "status", None)
        if status_of is None or self.servers is None:
            return []
        problems = []
        for name in self.servers:
            if name in listed:
                continue
            try:
                status = status_of(name)
            except McpError:
                problems.append(f"The MCP server “{name}” is no longer in Settings → Tools.")
                continue
            if status.state == mcp_types.NEEDS_APPROVAL:
                problems.append(
                    f"The MCP server “{name}” has not been started: its command waits for your "
                    "OK in Settings → Tools."
                )
            elif status.state != mcp_types.READY:
                why = status.reason or "it did not start"
                problems.append(f"The MCP server “{name}” offers no tools now: {why}")
        return problems

    def exclude(self, servers: Iterable[str]) -> None:
        """Offer nothing from these servers (the provider calls them itself)."""
        left = set(servers)
        if self.servers is not None:
            self.servers = tuple(s for s in self.servers if s not in left)

    def server_of(self, name: str) -> str:
        """The server a model-facing name belongs to ("" if unknown)."""
        target = self._targets.get(name)
        return target[0] if target is not None else ""

    async def call(
        self, name: str, arguments: Mapping[str, Any], cancel: asyncio.Event
    ) -> ToolResult:
        target = self._targets.get(name)
        if target is None:
            raise ToolFailed(f"There is no MCP tool named {name!r} among the tools Parley offered.")
        if cancel.is_set():
            raise asyncio.CancelledError
        server, real_name = target
        try:
            result = await self.host.call_tool(
                server, real_name, dict(arguments), timeout=self.call_timeout
            )
        except McpError as exc:
            raise ToolFailed(str(exc)) from exc
        return core_result(result)
