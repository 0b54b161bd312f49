"""Configs for the test servers, and a Streamable HTTP one run in a subprocess."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from desktop_app.core.mcp_config import HTTP, McpServerConfig

REPO_ROOT = Path(__file__).resolve().parent.parent.parent


def stdio_config(
    name: str = "tools", module: str = "tools_server", *args: str, env: tuple = ()
) -> McpServerConfig:
    """An approved stdio config that runs one of the test servers with this Python."""
    return McpServerConfig(
        name,
        command=sys.executable,
        args=("-m", f"tests.mcp_servers.{module}", *args),
        env=env,
        cwd=str(REPO_ROOT),
    ).approved()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def http_server() -> Iterator[str]:
    """The tools server on Streamable HTTP at 127.0.0.1 on a free port; yields its URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.mcp_servers.tools_server", "http", str(port)],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the test MCP server did not start") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def http_config(url: str, name: str = "remote", **more) -> McpServerConfig:  # type: ignore[no-untyped-def]
    return McpServerConfig(name, HTTP, url=url, **more)
