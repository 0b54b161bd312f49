"""An MCP server that misbehaves on purpose, for the fault tests.

    python -m tests.mcp_servers.bad_server            # serves tools that misbehave
    python -m tests.mcp_servers.bad_server die        # writes a reason to stderr, exits 2
    python -m tests.mcp_servers.bad_server silent     # reads its stdin, never answers
    python -m tests.mcp_servers.bad_server noise      # prints a line that is not JSON first

Tools: boom (the process exits mid-call), babble (writes a line that is not JSON to stdout,
then answers), huge (answers with `size` characters).
"""

from __future__ import annotations

import os
import sys
import time

from mcp.server.mcpserver import MCPServer


def build() -> MCPServer:
    server = MCPServer("parley-bad-server")

    @server.tool(description="Exit the process in the middle of the call.")
    def boom() -> str:
        print("boom: exiting with status 3", file=sys.stderr, flush=True)
        os._exit(3)

    @server.tool(description="Write a line that is not JSON to stdout, then answer.")
    def babble() -> str:
        os.write(1, b"this is not JSON-RPC\n")
        return "said something odd"

    @server.tool(description="Answer with a very long text.")
    def huge(size: int = 2_000_000) -> str:
        return "x" * size

    return server


def main(argv: list[str]) -> None:
    mode = argv[0] if argv else ""
    if mode == "die":
        print("bad server: the API key TEST_SECRET_VALUE_123 was refused", file=sys.stderr)
        sys.exit(2)
    if mode == "silent":
        for _line in sys.stdin:
            time.sleep(0)
        return
    if mode == "noise":
        print("Welcome to the noisy server!", flush=True)
    build().run("stdio")


if __name__ == "__main__":
    main(sys.argv[1:])
