"""An MCP server with the tools the tests call: add, slow, fail, image, forecast (structured).

    python -m tests.mcp_servers.tools_server            # stdio
    python -m tests.mcp_servers.tools_server http PORT  # Streamable HTTP on 127.0.0.1:PORT/mcp

It writes one line to stderr when it starts (the tests read it back as the server's stderr),
and echoes the environment variable PARLEY_TEST_ECHO there too when it is set.
"""

from __future__ import annotations

import asyncio
import os
import sys
import zlib

from mcp.server.mcpserver import Image, MCPServer
from pydantic import BaseModel


def tiny_png(width: int = 2, height: int = 2) -> bytes:
    """A valid RGB PNG of the given size, all one colour (no Pillow needed in the server)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    rows = b"".join(b"\x00" + b"\x20\x80\xe0" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


class Forecast(BaseModel):
    city: str
    celsius: float
    sky: str


def build() -> MCPServer:
    server = MCPServer("parley-test-tools", instructions="Test tools for Parley.")

    @server.tool(description="Add two numbers and return the sum.")
    def add(a: float, b: float) -> float:
        return a + b

    @server.tool(description="Wait the given number of seconds, then say so.")
    async def slow(seconds: float) -> str:
        await asyncio.sleep(seconds)
        return f"waited {seconds:g} s"

    @server.tool(description="Always fails.")
    def fail() -> str:
        raise ValueError("the fail tool failed, as it always does")

    @server.tool(description="A small PNG image.")
    def image() -> Image:
        return Image(data=tiny_png(), format="png")

    @server.tool(description="The weather in a city, as structured data.")
    def forecast(city: str) -> Forecast:
        return Forecast(city=city, celsius=21.5, sky="clear")

    @server.prompt(description="Ask for a short summary.")
    def summarise(topic: str) -> str:
        return f"Summarise {topic} in one sentence."

    @server.resource("note://readme", description="A short note.")
    def readme() -> str:
        return "This is the test server's note."

    return server


def main(argv: list[str]) -> None:
    print(f"tools server starting (pid {os.getpid()})", file=sys.stderr, flush=True)
    echo = os.environ.get("PARLEY_TEST_ECHO")
    if echo:
        print(f"echo: {echo}", file=sys.stderr, flush=True)
    server = build()
    if argv[:1] == ["http"]:
        server.run("streamable-http", host="127.0.0.1", port=int(argv[1]))
    else:
        server.run("stdio")


if __name__ == "__main__":
    main(sys.argv[1:])
