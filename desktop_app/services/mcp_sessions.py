"""The MCP client service: one session per configured server, each started when first needed.

Nothing starts at app start: `list_tools` and `call_tool` start the servers they need (on the
asyncio loop, never blocking the UI thread), `restart` starts one again, `shutdown` stops them
all at app quit (their processes with them). `on_change` (a plain callable; the UI turns it
into a signal) runs whenever a server's state changes.

It implements mcp_types.ToolHost, what the tool loop calls tools through.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from desktop_app.core.mcp_config import HTTP, McpServerConfig, secret_id
from desktop_app.services.mcp_connection import McpConnection
from desktop_app.services.mcp_types import (
    DEFAULT_START_TIMEOUT,
    READY,
    McpError,
    ServerStatus,
    ToolInfo,
    ToolResult,
)

# keyring id → value ("" when none is kept)
ReadSecret = Callable[[str], str]


class McpSessions:
    def __init__(
        self,
        servers: Iterable[McpServerConfig],
        read_secret: ReadSecret,
        on_change: Callable[[str], None] = lambda _name: None,
        start_timeout: float = DEFAULT_START_TIMEOUT,
    ) -> None:
        self._read_secret = read_secret
        self._on_change = on_change
        self._start_timeout = start_timeout
        self._connections: dict[str, McpConnection] = {}
        self._stopping: set[asyncio.Task[None]] = set()
        self.configure(servers)

    # ---- configuration ----------------------------------------------------------------

    @property
    def servers(self) -> list[McpServerConfig]:
        return [c.config for c in self._connections.values()]

    def configure(self, servers: Iterable[McpServerConfig]) -> None:
        """Take the servers as the settings now have them: a removed or changed server is
        stopped (a changed one starts again, as changed, when next needed)."""
        wanted = {s.name: s for s in servers}
        for name, connection in list(self._connections.items()):
            config = wanted.get(name)
            if config == connection.config:
                continue
            if config is not None and _same_launch(config, connection.config):
                connection.config = config  # only its approval or switch changed
                continue
            del self._connections[name]
            self._stop_later(connection)
        for name, config in wanted.items():
            if name not in self._connections:
                self._connections[name] = self._connect(config)
        # Keep the settings' order.
        self._connections = {n: self._connections[n] for n in wanted}

    def _connect(self, config: McpServerConfig) -> McpConnection:
        return McpConnection(
            config,
            self._read_secret,
            lambda: self._on_change(config.name),
            self._start_timeout,
        )

    def _stop_later(self, connection: McpConnection) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # nothing was started without a loop
        task = loop.create_task(connection.stop())
        self._stopping.add(task)
        task.add_done_callback(self._stopping.discard)

    def forget(self, server: str) -> None:
        """Stop a server whose secrets changed: it starts with the new ones when next needed."""
        connection = self._connections.get(server)
        if connection is not None:
            self._connections[server] = self._connect(connection.config)
            self._stop_later(connection)

    def _connection(self, server: str) -> McpConnection:
        try:
            return self._connections[server]
        except KeyError:
            raise McpError(server, f"There is no MCP server named {server!r}.") from None

    # ---- state ------------------------------------------------------------------------

    def status(self, server: str) -> ServerStatus:
        return self._connection(server).status

    def statuses(self) -> list[ServerStatus]:
        return [c.status for c in self._connections.values()]

    def secrets_in_use(self) -> list[str]:
        """The secret values the running servers were given (crash reports redact them)."""
        return [s for c in self._connections.values() for s in c.secrets_in_use]

    def stderr(self, server: str) -> str:
        """What the server wrote on its stderr lately (secrets taken out)."""
        return self._connection(server).stderr_text()

    def hosted_tool(self, server: str) -> dict[str, Any]:
        """The Responses API tool entry that lets OpenAI connect to this server itself: its
        secret headers are read from the keyring now, as the request is built (never kept)."""
        config = self._connection(server).config
        if not (config.hosted and config.transport == HTTP):
            raise McpError(
                server,
                f"The MCP server {server!r} is not one OpenAI may connect to itself "
                "(only a remote server with that box ticked is).",
            )
        headers = dict(config.headers)
        for name in config.secret_headers:
            value = self._read_secret(secret_id(config.name, "header", name))
            if value:
                headers[name] = value
        tool: dict[str, Any] = {
            "type": "mcp",
            "server_label": re.sub(r"[^A-Za-z0-9_-]", "_", config.name),
            "server_url": config.url,
        }
        if headers:
            tool["headers"] = headers
        return tool

    # ---- ToolHost ---------------------------------------------------------------------

    async def start(self, server: str) -> ServerStatus:
        """Start one server if it is not running; its status after (failed ones included,
        no exception)."""
        connection = self._connection(server)
        with contextlib.suppress(McpError):
            await connection.ensure_started()
        return connection.status

    async def list_tools(self, servers: Iterable[str] | None = None) -> list[ToolInfo]:
        """The tools of the enabled servers (or of those named), starting them as needed;
        a server that cannot start offers none (its status says why)."""
        names = (
            [name for name in servers if name in self._connections]  # removed ones: none
            if servers is not None
            else [c.config.name for c in self._connections.values() if c.config.enabled]
        )
        statuses = await asyncio.gather(*(self.start(name) for name in names))
        return [tool for status in statuses if status.state == READY for tool in status.tools]

    async def call_tool(
        self,
        server: str,
        name: str,
        arguments: Mapping[str, Any],
        timeout: float | None = None,
    ) -> ToolResult:
        """Call a tool; McpError (McpTimeout) with a sentence when that fails. A tool that
        ran and failed is a result with `is_error`, not an exception. Cancelling the caller
        cancels the call."""
        return await self._connection(server).call_tool(name, arguments, timeout)

    async def restart(self, server: str) -> ServerStatus:
        connection = self._connection(server)
        await connection.stop()
        if connection.config.needs_approval:
            return connection.status
        return await self.start(server)

    async def stop(self, server: str) -> None:
        await self._connection(server).stop()

    async def shutdown(self) -> None:
        """Stop every server (at app quit); their processes end with them."""
        await asyncio.gather(
            *(c.stop() for c in self._connections.values()),
            *self._stopping,
            return_exceptions=True,
        )


def _same_launch(a: McpServerConfig, b: McpServerConfig) -> bool:
    """Whether two configs start the same server (they differ at most in switches)."""
    return (
        a.transport,
        a.command,
        a.args,
        a.env,
        a.cwd,
        a.url,
        a.headers,
        a.secret_env,
        a.secret_headers,
    ) == (
        b.transport,
        b.command,
        b.args,
        b.env,
        b.cwd,
        b.url,
        b.headers,
        b.secret_env,
        b.secret_headers,
    )
