"""MCP servers as Parley keeps them, and the `mcpServers` JSON other clients use.

A server is started as a program with its arguments (stdio; no shell is involved) or reached by
URL (Streamable HTTP). Values that look secret — an `Authorization` header, an environment
variable or header whose name says key, token, secret or password — never stay in the config:
the config names them, and their values go to the keyring under `secret_id(server, ...)`.

A stdio server runs a program on the user's machine, so it starts only once the user has seen
its full command and environment and accepted it; `launch_fingerprint` is what they accepted
(a change to the command, its arguments, folder or environment asks again).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from desktop_app.core.json_guard import JsonTooDeep, parse_json

STDIO, HTTP = "stdio", "http"
TRANSPORTS = (STDIO, HTTP)
TRANSPORT_LABELS = {STDIO: "Local program (stdio)", HTTP: "Remote (Streamable HTTP)"}
# The "type" other clients write, by what Parley makes of it.
_TYPE_ALIASES = {
    "stdio": STDIO,
    "http": HTTP,
    "streamable-http": HTTP,
    "streamable_http": HTTP,
    "streamablehttp": HTTP,
}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\- ]{0,63}$")
_SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSW|CREDENTIAL|AUTH|COOKIE", re.IGNORECASE)
MAX_SERVERS = 100


# What a stdio server gets from Parley's own environment besides its own variables: the SDK
# passes these (mcp.client.stdio.DEFAULT_INHERITED_ENV_VARS; a test keeps the two the same).
INHERITED_ENV_POSIX = ("HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER")
INHERITED_ENV_WINDOWS = (
    "APPDATA", "HOMEDRIVE", "HOMEPATH", "LOCALAPPDATA", "PATH", "PATHEXT",
    "PROCESSOR_ARCHITECTURE", "SYSTEMDRIVE", "SYSTEMROOT", "TEMP", "USERNAME", "USERPROFILE",
)


class McpConfigError(ValueError):
    """A server entry Parley cannot use; the message says which and why, in plain words."""


@dataclass(frozen=True)
class McpServerConfig:
    name: str
    transport: str = STDIO
    command: str = ""
    args: tuple[str, ...] = ()
    # Plain values only; the names in `secret_env` have theirs in the keyring.
    env: tuple[tuple[str, str], ...] = ()
    cwd: str = ""
    url: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    secret_env: tuple[str, ...] = ()
    secret_headers: tuple[str, ...] = ()
    enabled: bool = True
    # The launch_fingerprint the user accepted ("" — not yet: ask before the first start).
    approved_launch: str = ""
    # OpenAI may connect to this server itself (the Responses API's hosted MCP tool): an
    # HTTP server only, and one the user opted into, since OpenAI sees its URL and headers.
    hosted: bool = False

    def validated(self) -> McpServerConfig:
        where = f"MCP server {self.name!r}"
        if not _NAME.match(self.name):
            raise McpConfigError(
                f"{where}: a name is 1 to 64 letters, digits, spaces, dots, dashes or "
                "underscores, starting with a letter or digit"
            )
        if self.transport not in TRANSPORTS:
            raise McpConfigError(f"{where}: unknown transport {self.transport!r}")
        if self.transport == STDIO:
            if not self.command.strip():
                raise McpConfigError(f"{where}: give the program to run")
            if self.hosted:
                raise McpConfigError(
                    f"{where}: only a remote (Streamable HTTP) server can be one OpenAI "
                    "connects to itself; a local program is always run by Parley"
                )
            for name, _value in self.env:
                if not name or "=" in name or "\0" in name:
                    raise McpConfigError(f"{where}: {name!r} is not a usable variable name")
        else:
            if not self.url.startswith(("http://", "https://")):
                raise McpConfigError(f"{where}: the address must start with http:// or https://")
            for name, _value in self.headers:
                if not re.fullmatch(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+", name):
                    raise McpConfigError(f"{where}: {name!r} is not a usable header name")
        return self

    @property
    def needs_approval(self) -> bool:
        return self.transport == STDIO and self.approved_launch != launch_fingerprint(self)

    def approved(self) -> McpServerConfig:
        """This config with its current launch accepted by the user."""
        return replace(self, approved_launch=launch_fingerprint(self))

    @property
    def where(self) -> str:
        """One line saying what it is: the command line, or the address."""
        if self.transport == HTTP:
            return self.url
        return " ".join([self.command, *(_quoted(a) for a in self.args)])


def _quoted(arg: str) -> str:
    return json.dumps(arg) if (not arg or any(c.isspace() or c in "\"'" for c in arg)) else arg


def secret_id(server: str, kind: str, name: str) -> str:
    """The keyring entry of a secret value: kind is "env" or "header"."""
    return f"mcp:{server}:{kind}:{name}"


def secret_ids(config: McpServerConfig) -> list[str]:
    return [secret_id(config.name, "env", n) for n in config.secret_env] + [
        secret_id(config.name, "header", n) for n in config.secret_headers
    ]


def looks_secret(name: str, value: str = "") -> bool:
    """Whether a variable or header with this name (and value) holds a secret."""
    return bool(_SECRET_NAME.search(name)) or value.lower().startswith(("bearer ", "basic "))


def launch_fingerprint(config: McpServerConfig) -> str:
    """What the user accepts before a stdio server first runs: program, arguments, folder,
    environment (names and plain values; a secret's name only, its value being theirs)."""
    what = [
        config.command,
        list(config.args),
        config.cwd,
        sorted(config.env),
        sorted(config.secret_env),
    ]
    return hashlib.sha256(json.dumps(what).encode("utf-8")).hexdigest()[:32]


def check_servers(servers: Iterable[McpServerConfig]) -> None:
    """Raise McpConfigError for an unusable server or a name used twice."""
    seen: set[str] = set()
    for count, server in enumerate(servers, 1):
        if count > MAX_SERVERS:
            raise McpConfigError(f"at most {MAX_SERVERS} MCP servers can be configured")
        server.validated()
        if server.name.casefold() in seen:
            raise McpConfigError(f"two MCP servers are named {server.name!r}; rename one")
        seen.add(server.name.casefold())


# ---- the settings file's form ------------------------------------------------------------


def _pairs(value: Any) -> tuple[tuple[str, str], ...]:
    if isinstance(value, Mapping):
        value = list(value.items())
    if not isinstance(value, list | tuple):
        return ()
    return tuple(
        (str(p[0]), str(p[1]))
        for p in value
        if isinstance(p, list | tuple) and len(p) == 2 and all(isinstance(x, str) for x in p)
    )


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        return ()
    return tuple(v for v in value if isinstance(v, str))


def from_saved(value: Any) -> tuple[McpServerConfig, ...]:
    """The servers a settings file lists; one in a form this version cannot use is left out
    (a server fewer, not a settings file lost)."""
    if not isinstance(value, list):
        return ()
    kept: list[McpServerConfig] = []
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            continue
        texts = {
            k: item[k]
            for k in ("transport", "command", "cwd", "url", "approved_launch")
            if isinstance(item.get(k), str)
        }
        try:
            server = McpServerConfig(
                name=item["name"],
                args=_strings(item.get("args")),
                env=_pairs(item.get("env")),
                headers=_pairs(item.get("headers")),
                secret_env=_strings(item.get("secret_env")),
                secret_headers=_strings(item.get("secret_headers")),
                enabled=item.get("enabled", True) is not False,
                # exactly true, and on a remote server only (a hand-edited stdio server keeps
                # working, run by Parley, rather than being left out)
                hosted=item.get("hosted") is True and texts.get("transport") == HTTP,
                **texts,
            )
            check_servers([*kept, server])
        except McpConfigError:
            continue
        kept.append(server)
    return tuple(kept)


# ---- the mcpServers JSON of Claude Desktop, Cursor, VS Code -------------------------------


@dataclass(frozen=True)
class ImportedServers:
    """What a pasted or imported `mcpServers` JSON gave: the servers, the secret values taken
    out of them (keyring id → value, to keep in the keyring), and a sentence per entry left
    out."""

    servers: tuple[McpServerConfig, ...] = ()
    secrets: Mapping[str, str] = field(default_factory=dict)
    problems: tuple[str, ...] = ()


def parse_mcp_servers(text: str, taken: Iterable[str] = ()) -> ImportedServers:
    """Read `{"mcpServers": {name: entry}}` (also `{"servers": ...}` as VS Code writes it, or
    the bare name → entry object). Raises McpConfigError when nothing in it is usable; an
    unusable entry beside usable ones is a problem sentence. `taken`: names already configured
    (an entry with one of them is a problem, not a replacement)."""
    try:
        data, _repaired = parse_json(text)
    except json.JSONDecodeError as exc:
        raise McpConfigError(
            f"This is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from None
    except JsonTooDeep as exc:
        raise McpConfigError(f"This JSON cannot be used: {exc.msg}.") from None
    if not isinstance(data, dict):
        raise McpConfigError('Expected a JSON object such as {"mcpServers": {...}}.')
    entries = data.get("mcpServers", data.get("servers", data))
    if not isinstance(entries, dict) or not entries:
        raise McpConfigError('No servers found: expected {"mcpServers": {"name": {...}}}.')
    used = {n.casefold() for n in taken}
    servers: list[McpServerConfig] = []
    secrets: dict[str, str] = {}
    problems: list[str] = []
    for name, entry in entries.items():
        try:
            server, found = _entry(str(name), entry)
            if server.name.casefold() in used:
                raise McpConfigError(
                    f"{name!r}: a server with this name is already configured (rename or "
                    "remove it first)"
                )
        except McpConfigError as exc:
            problems.append(str(exc))
            continue
        used.add(server.name.casefold())
        servers.append(server)
        secrets.update(found)
    if not servers:
        raise McpConfigError("No server could be added. " + " ".join(problems))
    return ImportedServers(tuple(servers), secrets, tuple(problems))


def _entry(name: str, entry: Any) -> tuple[McpServerConfig, dict[str, str]]:
    if not isinstance(entry, dict):
        raise McpConfigError(f"{name!r}: an entry is an object with a command or a url")
    kind = entry.get("type", entry.get("transport"))
    if kind is None:
        kind = (
            STDIO
            if "command" in entry
            else HTTP
            if ("url" in entry or "serverUrl" in entry)
            else None
        )
    if kind is None:
        raise McpConfigError(f"{name!r}: it has neither a command to run nor a url")
    if not isinstance(kind, str):
        raise McpConfigError(f"{name!r}: its type must be a string")
    if kind.lower() == "sse":
        raise McpConfigError(
            f"{name!r} uses the older SSE transport, which Parley does not speak; if the "
            "server also offers Streamable HTTP (usually at /mcp), add that address instead"
        )
    transport = _TYPE_ALIASES.get(kind.lower())
    if transport is None:
        raise McpConfigError(f"{name!r}: unknown type {kind!r} (stdio or http)")
    secrets: dict[str, str] = {}
    if transport == STDIO:
        command, args = entry.get("command"), entry.get("args", [])
        if not isinstance(command, str) or not command.strip():
            raise McpConfigError(f"{name!r}: its command must be the program to run")
        if not isinstance(args, list) or not all(isinstance(a, str | int | float) for a in args):
            raise McpConfigError(f"{name!r}: its args must be a list of strings")
        env, secret_env = _split(name, "env", entry.get("env", {}), secrets)
        cwd = entry.get("cwd", "")
        if not isinstance(cwd, str):
            raise McpConfigError(f"{name!r}: its cwd must be a folder name")
        config = McpServerConfig(
            name,
            STDIO,
            command.strip(),
            tuple(str(a) for a in args),
            env,
            cwd,
            secret_env=secret_env,
        )
    else:
        url = entry.get("url", entry.get("serverUrl"))
        if not isinstance(url, str):
            raise McpConfigError(f"{name!r}: its url must be the server's address")
        headers, secret_headers = _split(name, "header", entry.get("headers", {}), secrets)
        config = McpServerConfig(
            name, HTTP, url=url.strip(), headers=headers, secret_headers=secret_headers
        )
    return config.validated(), secrets


def _split(
    server: str, kind: str, values: Any, secrets: dict[str, str]
) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """Plain (name, value) pairs and the names of the secret ones, whose values go to
    `secrets` under their keyring id."""
    label = "env" if kind == "env" else "headers"
    if not isinstance(values, dict):
        raise McpConfigError(f"{server!r}: its {label} must be an object of names and values")
    plain: list[tuple[str, str]] = []
    hidden: list[str] = []
    for name, value in values.items():
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            raise McpConfigError(f"{server!r}: the value of {name!r} in {label} must be text")
        text = str(value)
        if looks_secret(name, text):
            hidden.append(name)
            secrets[secret_id(server, kind, name)] = text
        else:
            plain.append((name, text))
    return tuple(plain), tuple(hidden)
