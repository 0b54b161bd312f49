"""One MCP server's session, run on the app's asyncio loop (qasync) with the SDK's transports.

A single owner task enters the transport and the ClientSession and leaves them (anyio's cancel
scopes must be left by the task that entered them); callers from any task send requests through
the session meanwhile. The SDK is imported here, inside `_run`, when a server first starts.

States: stopped → starting → ready, or failed with a sentence saying why; a stdio server the
user has not accepted is "needs approval" and never starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Mapping
from typing import Any

from desktop_app.core.mcp_config import HTTP, McpServerConfig, secret_id, secret_ids
from desktop_app.services.mcp_results import prompt_infos, resource_infos, tool_infos, tool_result
from desktop_app.services.mcp_stderr import StderrCapture
from desktop_app.services.mcp_types import (
    DEFAULT_CALL_TIMEOUT,
    DEFAULT_START_TIMEOUT,
    FAILED,
    NEEDS_APPROVAL,
    READY,
    STARTING,
    STOPPED,
    McpError,
    McpTimeout,
    ServerStatus,
    ToolResult,
)
from desktop_app.services.redaction import redact

EXIT_GRACE = 2.0  # seconds a failed start waits to see whether the process exited

_STOP_GRACE_S = 8.0  # the SDK's own shutdown: close stdin, 2 s, SIGTERM, 2 s, SIGKILL


class McpConnection:
    def __init__(
        self,
        config: McpServerConfig,
        read_secret: Callable[[str], str],
        on_change: Callable[[], None] = lambda: None,
        start_timeout: float = DEFAULT_START_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`read_secret(keyring id)`: the value of one of this server's secret variables or
        headers ("" for none); read in a worker thread when the server starts."""
        self.config = config
        self._read_secret = read_secret
        self._secrets: dict[str, str] = {}
        self._on_change = on_change
        self._start_timeout = start_timeout
        self._clock = clock
        first = NEEDS_APPROVAL if config.needs_approval else STOPPED
        self._status = ServerStatus(config.name, first)
        self._session: Any = None
        self._runner: asyncio.Task[None] | None = None
        self._ready: asyncio.Future[None] | None = None
        self._stop: asyncio.Event | None = None
        self._gone: asyncio.Event | None = None
        self._stderr: StderrCapture | None = None

    # ---- what the service reads -------------------------------------------------------

    @property
    def status(self) -> ServerStatus:
        return self._status

    def stderr_text(self) -> str:
        return self._redact(self._stderr.text if self._stderr is not None else "")

    def _redact(self, text: str) -> str:
        return redact(text, self._secrets.values())

    def _set(self, state: str, reason: str = "", **more: Any) -> None:
        values: dict[str, Any] = {"tools": (), "prompts": (), "resources": (), "server_info": ""}
        if state == READY:
            values.update(more)
        self._status = ServerStatus(self.config.name, state, self._redact(reason), **values)
        self._on_change()

    # ---- start and stop ---------------------------------------------------------------

    async def ensure_started(self) -> None:
        """Start the server if it is not running; return once it is ready (McpError if it
        cannot start). A caller cancelled meanwhile leaves the start going on."""
        if self._status.state == READY and self._session is not None:
            return
        if self.config.needs_approval:
            self._set(NEEDS_APPROVAL)
            raise McpError(
                self.config.name,
                f"{self.config.name} has not been started yet: accept its command in "
                "Settings → Tools first.",
            )
        if self._runner is None or self._runner.done():
            loop = asyncio.get_running_loop()
            self._ready = loop.create_future()
            self._stop, self._gone = asyncio.Event(), asyncio.Event()
            self._runner = loop.create_task(self._run(), name=f"mcp {self.config.name}")
        assert self._ready is not None
        await asyncio.shield(self._ready)

    async def stop(self) -> None:
        """Stop the server (and its process) and wait until it is gone."""
        runner = self._runner
        if runner is None or runner.done():
            if self._status.state not in (NEEDS_APPROVAL, FAILED):
                self._set(STOPPED)
            return
        assert self._stop is not None
        self._stop.set()
        try:
            await asyncio.wait_for(asyncio.shield(runner), _STOP_GRACE_S)
        except TimeoutError:
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await runner

    async def _run(self) -> None:
        assert self._ready is not None and self._stop is not None and self._gone is not None
        self._set(STARTING)
        failure = ""
        try:
            # Importing the SDK takes seconds on a slow machine: not on the UI thread.
            await asyncio.to_thread(_load_sdk)
            self._secrets = await asyncio.to_thread(self._read_secrets)
            async with contextlib.AsyncExitStack() as stack:
                read, write = await self._open_transport(stack)
                from mcp import ClientSession

                session = await stack.enter_async_context(
                    ClientSession(read, write, message_handler=self._on_message)
                )
                listing = await asyncio.wait_for(self._handshake(session), self._start_timeout)
                self._session = session
                self._set(READY, **listing)
                if not self._ready.done():
                    self._ready.set_result(None)
                stop, gone = (
                    asyncio.ensure_future(self._stop.wait()),
                    asyncio.ensure_future(self._gone.wait()),
                )
                try:
                    await asyncio.wait({stop, gone}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    stop.cancel()
                    gone.cancel()
                if not self._stop.is_set():
                    failure = self._ended_text()
                self._session = None
        except asyncio.CancelledError:
            failure = "Parley stopped the server while it was starting."
            raise
        except Exception as exc:
            if self._gone is not None and self.config.transport == "stdio":
                # A session that closed as it began is most often a process exiting: its
                # stderr pipe closes a moment later, and its last words say why. Wait for that
                # moment (briefly) rather than blame the session.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._gone.wait(), EXIT_GRACE)
            failure = self._start_failure(exc)
        finally:
            self._session = None
            if self._stderr is not None:
                self._stderr.release_writer()
            if failure:
                if self._stderr is not None:
                    self._stderr.note(failure)
                self._set(FAILED, failure)
            else:
                self._set(STOPPED)
            if not self._ready.done():
                self._ready.set_exception(McpError(self.config.name, self._status.reason))
                self._ready.exception()  # retrieved: nobody may be waiting for it

    async def _open_transport(self, stack: contextlib.AsyncExitStack) -> tuple[Any, Any]:
        config = self.config
        if config.transport == HTTP:
            import httpx2
            from mcp.client.streamable_http import streamable_http_client

            headers = dict(config.headers)
            for name in config.secret_headers:
                headers[name] = self._secrets.get(secret_id(config.name, "header", name), "")
            client = await stack.enter_async_context(
                httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30.0, read=300.0))
            )
            read, write = await stack.enter_async_context(
                streamable_http_client(config.url, http_client=client)
            )
            return read, write
        from mcp.client.stdio import StdioServerParameters, stdio_client

        env = dict(config.env)
        for name in config.secret_env:
            env[name] = self._secrets.get(secret_id(config.name, "env", name), "")
        params = StdioServerParameters(
            command=config.command, args=list(config.args), env=env, cwd=config.cwd or None
        )
        if self._stderr is None:
            self._stderr = StderrCapture(asyncio.get_running_loop())
        self._stderr.note(f"starting {config.where}")
        gone = self._gone
        assert gone is not None
        errlog = self._stderr.open(gone.set)  # this run's pipe: a later run has its own
        read, write = await stack.enter_async_context(stdio_client(params, errlog=errlog))
        self._stderr.release_writer()  # the process has its own copy now
        return read, write

    async def _handshake(self, session: Any) -> dict[str, Any]:
        init = await session.initialize()
        caps = getattr(init, "capabilities", None)
        info = getattr(init, "server_info", None)
        listing: dict[str, Any] = {
            "server_info": f"{getattr(info, 'name', '')} {getattr(info, 'version', '')}".strip()
        }
        listing["tools"] = tool_infos(self.config.name, await _all(session.list_tools, "tools"))
        if getattr(caps, "prompts", None) is not None:
            found = await _all(session.list_prompts, "prompts")
            listing["prompts"] = prompt_infos(self.config.name, found)
        if getattr(caps, "resources", None) is not None:
            found = await _all(session.list_resources, "resources")
            listing["resources"] = resource_infos(self.config.name, found)
        return listing

    def _read_secrets(self) -> dict[str, str]:
        found = {key: self._read_secret(key) for key in secret_ids(self.config)}
        return {key: value for key, value in found.items() if value}

    @property
    def secrets_in_use(self) -> list[str]:
        return list(self._secrets.values())

    async def _on_message(self, message: Any) -> None:
        """Notifications and transport faults: a line on stdout that is not JSON-RPC is
        noted beside the stderr (the session goes on)."""
        if isinstance(message, Exception) and self._stderr is not None:
            self._stderr.note(
                "the server wrote something on its standard output that is not an MCP "
                "message (it was ignored)"
            )

    def _stderr_hint(self) -> str:
        last = self._stderr.last_line() if self._stderr is not None else ""
        return f"; its last words: {last[:300]}" if last else "."

    def _ended_text(self) -> str:
        return "The server stopped by itself" + self._stderr_hint()

    def _start_failure(self, exc: BaseException) -> str:
        config = self.config
        while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
            exc = exc.exceptions[0]
        if isinstance(exc, TimeoutError):
            return (
                f"The server did not answer within {self._start_timeout:g} s of starting"
                + self._stderr_hint()
            )
        if isinstance(exc, FileNotFoundError):
            return f"The program {config.command!r} was not found; check the command and PATH."
        if isinstance(exc, PermissionError):
            return f"The program {config.command!r} may not be run (permission denied)."
        if isinstance(exc, NotADirectoryError | IsADirectoryError) or (
            isinstance(exc, OSError) and config.cwd and exc.filename == config.cwd
        ):
            return f"The folder {config.cwd!r} to start it in cannot be used."
        name = type(exc).__name__
        if name in ("ConnectError", "ConnectTimeout"):
            return f"Could not connect to {config.url}; is the server running?"
        if name == "HTTPStatusError":
            return f"{config.url} refused the connection ({_status_code(exc)})."
        if name == "MCPError":
            if self._gone is not None and self._gone.is_set():
                return "The server exited while starting" + self._stderr_hint()
            return f"The server refused to start a session: {_mcp_message(exc)}"
        return f"The server could not be started ({name})" + self._stderr_hint()

    # ---- calls ------------------------------------------------------------------------

    async def call_tool(
        self, name: str, arguments: Mapping[str, Any], timeout: float | None = None
    ) -> ToolResult:
        await self.ensure_started()
        session = self._session
        if session is None:
            raise McpError(self.config.name, f"{self.config.name} is not running.")
        limit = DEFAULT_CALL_TIMEOUT if timeout is None else timeout
        started = self._clock()
        try:
            result = await asyncio.wait_for(session.call_tool(name, dict(arguments)), limit)
        except TimeoutError:
            raise McpTimeout(
                self.config.name,
                f"The tool {name} on {self.config.name} did not answer within {limit:g} s; "
                "it was stopped.",
            ) from None
        except Exception as exc:
            raise McpError(self.config.name, self._call_failure(name, exc)) from None
        return tool_result(result, self._clock() - started)

    def _call_failure(self, tool: str, exc: BaseException) -> str:
        server = self.config.name
        if type(exc).__name__ == "MCPError":
            if "closed" in _mcp_message(exc).lower():
                return f"{server} stopped during the call to {tool}" + self._stderr_hint()
            return self._redact(f"{server} refused the call to {tool}: {_mcp_message(exc)}")
        if type(exc).__name__ == "ValidationError" or "schema" in str(exc).lower():
            return f"{tool} on {server} answered in a form its own schema does not allow."
        return f"The call to {tool} on {server} failed ({type(exc).__name__})."


def _load_sdk() -> None:
    import httpx2  # noqa: F401
    import mcp
    import mcp.client.stdio
    import mcp.client.streamable_http  # noqa: F401


async def _all(method: Callable[..., Any], attribute: str) -> list[Any]:
    """Every page of a list_* request."""
    from mcp.types import PaginatedRequestParams

    found: list[Any] = []
    cursor = None
    for _page in range(100):
        params = PaginatedRequestParams(cursor=cursor) if cursor else None
        result = await method(params=params)
        found.extend(getattr(result, attribute, None) or ())
        cursor = getattr(result, "next_cursor", None)
        if not cursor:
            break
    return found


def _mcp_message(exc: BaseException) -> str:
    error = getattr(exc, "error", None)
    message = getattr(error, "message", None) or str(exc)
    return str(message)[:500]


def _status_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    return f"HTTP {getattr(response, 'status_code', '?')}"
