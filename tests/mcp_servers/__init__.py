"""Real MCP servers for the tests, written with the SDK's MCPServer (FastMCP in mcp 1.x).

`tools_server` offers a few tools (arithmetic, a slow one, one that fails, one returning an
image, one with a structured output schema), a prompt and a resource, over stdio or Streamable
HTTP; `bad_server` misbehaves on purpose (crashes, prints garbage, answers hugely).
Run them as `python -m tests.mcp_servers.tools_server [stdio | http PORT]` from the repository
root.
"""
