"""The Responses API's hosted MCP tool entry for a server the user let OpenAI connect to, and
that switching it on or off restarts nothing."""

from __future__ import annotations

from dataclasses import replace

import pytest

from desktop_app.core.mcp_config import HTTP, McpServerConfig, secret_id
from desktop_app.services.mcp_sessions import McpSessions, _same_launch
from desktop_app.services.mcp_types import McpError

REMOTE = McpServerConfig(
    "my remote.v2",
    HTTP,
    url="https://mcp.example.com/mcp",
    headers=(("X-Region", "eu"),),
    secret_headers=("Authorization", "X-Api-Key"),
    hosted=True,
)


def test_the_tool_entry_has_the_headers_with_secrets_read_as_it_is_built() -> None:
    secrets = {secret_id(REMOTE.name, "header", "Authorization"): "Bearer tok-1"}
    asked: list[str] = []

    def read_secret(key: str) -> str:
        asked.append(key)
        return secrets.get(key, "")

    sessions = McpSessions([REMOTE], read_secret)
    assert asked == []  # nothing is read until a request is built
    assert sessions.hosted_tool("my remote.v2") == {
        "type": "mcp",
        "server_label": "my_remote_v2",
        "server_url": "https://mcp.example.com/mcp",
        "headers": {"X-Region": "eu", "Authorization": "Bearer tok-1"},
    }
    assert asked == [
        "mcp:my remote.v2:header:Authorization",
        "mcp:my remote.v2:header:X-Api-Key",
    ]
    secrets[secret_id(REMOTE.name, "header", "Authorization")] = "Bearer tok-2"
    assert sessions.hosted_tool(REMOTE.name)["headers"]["Authorization"] == "Bearer tok-2"


def test_no_headers_no_headers_key() -> None:
    bare = McpServerConfig("bare", HTTP, url="https://example.com/mcp", hosted=True)
    sessions = McpSessions([bare], lambda _key: "")
    assert sessions.hosted_tool("bare") == {
        "type": "mcp",
        "server_label": "bare",
        "server_url": "https://example.com/mcp",
    }


def test_an_unknown_or_not_hosted_server_is_a_sentence() -> None:
    plain = replace(REMOTE, name="plain", hosted=False)
    local = McpServerConfig("local", command="x")
    sessions = McpSessions([REMOTE, plain, local], lambda _key: "secret")
    with pytest.raises(McpError, match="There is no MCP server named 'nope'"):
        sessions.hosted_tool("nope")
    for name in ("plain", "local"):
        with pytest.raises(McpError, match=f"{name!r} is not one OpenAI may connect to"):
            sessions.hosted_tool(name)


def test_switching_hosted_is_a_switch_not_a_restart() -> None:
    assert _same_launch(REMOTE, replace(REMOTE, hosted=False))
    assert not _same_launch(REMOTE, replace(REMOTE, url="https://other.example.com/mcp"))
    sessions = McpSessions([REMOTE], lambda _key: "")
    before = sessions._connections[REMOTE.name]
    sessions.configure([replace(REMOTE, hosted=False)])
    assert sessions._connections[REMOTE.name] is before
    assert not sessions.servers[0].hosted
