"""What the MCP service hands out: plain values, nothing of the SDK (which stays unimported
until a server is first started).

The tool loop calls tools through `ToolHost` (McpSessions is one); the Settings page shows
`ServerStatus`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

# A server's state: not started yet (or stopped), starting, ready, failed (with a reason),
# or waiting for the user to accept its command line.
STOPPED, STARTING, READY, FAILED, NEEDS_APPROVAL = (
    "stopped",
    "starting",
    "ready",
    "failed",
    "needs approval",
)

MAX_RESULT_CHARS = 200_000  # text a tool may answer with before the rest is cut
MAX_IMAGE_BYTES = 8 * 1024 * 1024  # one image from a tool
DEFAULT_CALL_TIMEOUT = 60.0
DEFAULT_START_TIMEOUT = 30.0


class McpError(RuntimeError):
    """A server could not be started or a call failed; the message is a sentence for the user
    (no traceback, secrets taken out)."""

    def __init__(self, server: str, message: str) -> None:
        super().__init__(message)
        self.server = server


class McpTimeout(McpError):
    """A call did not answer in time (it was cancelled on the server)."""


@dataclass(frozen=True)
class ToolInfo:
    server: str
    name: str
    description: str = ""
    input_schema: Mapping[str, Any] = field(default_factory=dict)
    output_schema: Mapping[str, Any] | None = None
    title: str = ""


@dataclass(frozen=True)
class PromptInfo:
    server: str
    name: str
    description: str = ""
    arguments: tuple[str, ...] = ()


@dataclass(frozen=True)
class ResourceInfo:
    server: str
    uri: str
    name: str = ""
    description: str = ""
    mime_type: str = ""


@dataclass(frozen=True)
class ImagePart:
    data: bytes
    mime_type: str


@dataclass(frozen=True)
class ToolResult:
    """A tool's answer. `texts`: its text parts (a resource link or embedded text resource
    becomes text too); `images`: its images, decoded; `structured`: its structuredContent;
    `truncated`: text or images were cut to the caps above; `duration`: seconds."""

    texts: tuple[str, ...] = ()
    images: tuple[ImagePart, ...] = ()
    structured: Mapping[str, Any] | None = None
    is_error: bool = False
    duration: float = 0.0
    truncated: bool = False

    @property
    def text(self) -> str:
        return "\n".join(self.texts)


@dataclass(frozen=True)
class ServerStatus:
    name: str
    state: str = STOPPED
    reason: str = ""  # a sentence when failed
    tools: tuple[ToolInfo, ...] = ()
    prompts: tuple[PromptInfo, ...] = ()
    resources: tuple[ResourceInfo, ...] = ()
    server_info: str = ""  # the name and version the server gave


class ToolHost(Protocol):
    """What the tool loop's adapter (mcp_tools.McpTools) needs from the MCP service."""

    async def list_tools(self, servers: Iterable[str] | None = None) -> list[ToolInfo]: ...

    async def call_tool(
        self,
        server: str,
        name: str,
        arguments: Mapping[str, Any],
        timeout: float | None = None,
    ) -> ToolResult: ...
