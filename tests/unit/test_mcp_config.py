"""MCP server configs: the mcpServers JSON of other clients, secrets kept apart, the settings
file's form, and the launch the user accepts."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from desktop_app.core.mcp_config import (
    HTTP,
    STDIO,
    McpConfigError,
    McpServerConfig,
    check_servers,
    from_saved,
    launch_fingerprint,
    parse_mcp_servers,
    secret_id,
)
from desktop_app.services.secrets import SecretStore
from desktop_app.services.settings import (
    SCHEMA_VERSION,
    Settings,
    SettingsError,
    load_settings,
    save_settings,
)
from tests.support.fake_keyring import FakeKeyring

CLAUDE_DESKTOP = """{
  "mcpServers": {
    "filesystem": {
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-filesystem", "/home/me/Documents"]
    },
    "github": {
      "command": "docker",
      "args": ["run", "-i", "--rm", "-e", "GITHUB_PERSONAL_ACCESS_TOKEN",
               "ghcr.io/github/github-mcp-server"],
      "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_abcdefghijklmnop", "LOG_LEVEL": "info"}
    },
    "remote": {
      "type": "http",
      "url": "https://mcp.example.com/mcp",
      "headers": {"Authorization": "Bearer tok-123456789", "X-Region": "eu"}
    }
  }
}"""


def test_claude_desktop_json_imports_with_secrets_taken_out() -> None:
    found = parse_mcp_servers(CLAUDE_DESKTOP)
    assert found.problems == ()
    fs, gh, remote = found.servers
    assert (fs.name, fs.transport, fs.command) == ("filesystem", STDIO, "npx")
    assert fs.args == ("-y", "@modelcontextprotocol/server-filesystem", "/home/me/Documents")
    assert gh.env == (("LOG_LEVEL", "info"),)
    assert gh.secret_env == ("GITHUB_PERSONAL_ACCESS_TOKEN",)
    assert (remote.transport, remote.url) == (HTTP, "https://mcp.example.com/mcp")
    assert remote.headers == (("X-Region", "eu"),)
    assert remote.secret_headers == ("Authorization",)
    assert dict(found.secrets) == {
        secret_id("github", "env", "GITHUB_PERSONAL_ACCESS_TOKEN"): "ghp_abcdefghijklmnop",
        secret_id("remote", "header", "Authorization"): "Bearer tok-123456789",
    }
    # Imported servers run nothing until the user accepts their command line.
    assert fs.needs_approval and gh.needs_approval and not remote.needs_approval


@pytest.mark.parametrize(
    "text",
    [
        '{"servers": {"a": {"type": "stdio", "command": "uvx", "args": ["mcp-server-time"]}}}',
        '{"a": {"command": "uvx", "args": ["mcp-server-time"]}}',
        '{"mcpServers": {"a": {"type": "streamable-http", "url": "http://localhost:8000/mcp"}}}',
        '{"mcpServers": {"a": {"serverUrl": "http://localhost:8000/mcp"}}}',
    ],
)
def test_other_shapes_of_the_json(text: str) -> None:
    (server,) = parse_mcp_servers(text).servers
    assert server.name == "a"


def test_a_bad_entry_beside_good_ones_is_a_problem_sentence() -> None:
    text = json.dumps(
        {
            "mcpServers": {
                "ok": {"command": "uvx", "args": ["x"]},
                "old": {"type": "sse", "url": "http://localhost/sse"},
                "odd": {"args": ["x"]},
                "taken": {"command": "y"},
                "typed": {"command": "z", "args": "not a list"},
            }
        }
    )
    found = parse_mcp_servers(text, taken=["Taken"])
    assert [s.name for s in found.servers] == ["ok"]
    assert found.problems == (
        "'old' uses the older SSE transport, which Parley does not speak; if the server also "
        "offers Streamable HTTP (usually at /mcp), add that address instead",
        "'odd': it has neither a command to run nor a url",
        "'taken': a server with this name is already configured (rename or remove it first)",
        "'typed': its args must be a list of strings",
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "This is not valid JSON (line 1, column 2"),
        ("[1, 2]", 'Expected a JSON object such as {"mcpServers": {...}}.'),
        ('{"mcpServers": {}}', "No servers found"),
        ('{"mcpServers": {"x": {"url": "ftp://host"}}}', "No server could be added. MCP server"),
        ("[" * 100_000 + "]" * 100_000, "This JSON cannot be used: it is nested more than 100"),
    ],
)
def test_unusable_json_says_why(text: str, message: str) -> None:
    with pytest.raises(McpConfigError) as caught:
        parse_mcp_servers(text)
    assert str(caught.value).startswith(message)


def test_the_accepted_launch_lapses_when_the_command_changes() -> None:
    server = McpServerConfig("t", command="uvx", args=("a",)).approved()
    assert not server.needs_approval
    assert replace(server, args=("b",)).needs_approval
    assert replace(server, env=(("X", "1"),)).needs_approval
    assert replace(server, enabled=False).needs_approval is False
    assert launch_fingerprint(server) == launch_fingerprint(replace(server, enabled=False))


def test_names_are_checked_and_unique() -> None:
    with pytest.raises(McpConfigError, match="a name is 1 to 64"):
        McpServerConfig("", command="x").validated()
    with pytest.raises(McpConfigError, match="give the program to run"):
        McpServerConfig("a", command=" ").validated()
    with pytest.raises(McpConfigError, match="two MCP servers are named 'A'"):
        check_servers([McpServerConfig("a", command="x"), McpServerConfig("A", command="y")])


def test_servers_round_trip_through_the_settings_file(tmp_path: Path) -> None:
    servers = parse_mcp_servers(CLAUDE_DESKTOP).servers
    servers = (servers[0].approved(), *servers[1:])
    path = tmp_path / "settings.json"
    save_settings(Settings(mcp_servers=servers), path)
    raw = path.read_text(encoding="utf-8")
    assert "ghp_abcdefghijklmnop" not in raw and "tok-123456789" not in raw
    loaded, problem = load_settings(path)
    assert problem == "" and loaded.mcp_servers == servers
    assert not loaded.mcp_servers[0].needs_approval


def test_a_version_4_file_loads_with_no_servers(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"schema_version": 4, "theme": "dark"}), encoding="utf-8")
    loaded, problem = load_settings(path)
    assert problem == "" and loaded.mcp_servers == () and loaded.theme == "dark"
    assert loaded.schema_version == SCHEMA_VERSION == 5


def test_a_hand_edited_bad_server_is_dropped_not_the_file() -> None:
    kept = from_saved(
        [
            {"name": "good", "transport": "stdio", "command": "x", "args": ["1"]},
            {"name": "bad url", "transport": "http", "url": "nope"},
            {"name": "good", "transport": "stdio", "command": "again"},
            "junk",
            {"name": 5},
        ]
    )
    assert [s.name for s in kept] == ["good"] and kept[0].args == ("1",)


def test_settings_refuse_two_servers_with_one_name() -> None:
    twice = (McpServerConfig("a", command="x"), McpServerConfig("a", command="y"))
    with pytest.raises(SettingsError) as caught:
        Settings(mcp_servers=twice).validated()
    assert caught.value.field == "mcp_servers"


def test_mcp_secrets_never_come_from_openai_api_key(tmp_path: Path) -> None:
    store = SecretStore(tmp_path, FakeKeyring(), environ={"OPENAI_API_KEY": "sk-env-key"})
    key = secret_id("remote", "header", "Authorization")
    assert store.get_secret(key) == ""
    store.set_secret(key, "Bearer abc")
    assert store.get_secret(key) == "Bearer abc"
    store.set_secret(key, "")
    assert store.get_secret(key) == ""


def test_only_a_remote_server_can_be_hosted_by_openai() -> None:
    remote = McpServerConfig("remote", HTTP, url="https://example.com/mcp", hosted=True)
    assert remote.validated().hosted
    assert not McpServerConfig("local", command="x").hosted
    with pytest.raises(McpConfigError, match=r"only a remote \(Streamable HTTP\) server"):
        McpServerConfig("local", command="x", hosted=True).validated()


def test_hosted_round_trips_through_the_settings_file(tmp_path: Path) -> None:
    servers = (
        McpServerConfig("remote", HTTP, url="https://example.com/mcp", hosted=True),
        McpServerConfig("other", HTTP, url="https://example.org/mcp"),
    )
    path = tmp_path / "settings.json"
    save_settings(Settings(mcp_servers=servers), path)
    assert [s["hosted"] for s in json.loads(path.read_text())["mcp_servers"]] == [True, False]
    loaded, problem = load_settings(path)
    assert problem == "" and loaded.mcp_servers == servers


def test_hosted_is_read_only_when_exactly_true_and_remote() -> None:
    url = "https://example.com/mcp"
    kept = from_saved(
        [
            {"name": "old", "transport": "http", "url": url},  # a file from before: False
            {"name": "yes", "transport": "http", "url": url, "hosted": True},
            {"name": "one", "transport": "http", "url": url, "hosted": 1},
            {"name": "text", "transport": "http", "url": url, "hosted": "true"},
            {"name": "local", "transport": "stdio", "command": "x", "hosted": True},
        ]
    )
    assert [(s.name, s.hosted) for s in kept] == [
        ("old", False),
        ("yes", True),
        ("one", False),
        ("text", False),
        ("local", False),  # kept, run by Parley: a stdio server is never hosted
    ]
