"""Tool-loop benchmark: what one tool round costs beyond the model's and the tool's own time.

    .venv/bin/python bench/tools.py [rounds]

Against the test server on loopback, with an instant in-process tool, each iteration runs one
turn through the tool loop ("use add with {…}": a stream that asks for the call, the call,
a stream that answers with its result) and then sends the same two requests again as plain
streams, with no loop around them. The difference is the round's overhead: reading and putting
together the streamed call, checking its arguments, the policy, running it, building the next
request and the events the UI listens to. Measured on both wire APIs, and on chat completions
once more with each round saved to a store (the transaction a real turn pays), and on chat
completions through a real MCP server (tests/mcp_servers/tools_server.py over stdio, through
McpSessions and McpTools as the Chat tab runs it; the tool's own time is the MCP call's round
trip, so what is left is Parley's side of it). Target: p50 under 20 ms per round.

It also checks that start-up does not pay for tools: importing the app loads neither the MCP
SDK nor the tool loop, and no MCP server runs until a reply first needs one.

Prints figures; asserts nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncGenerator, Mapping, Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from desktop_app.core.assistant_request import responses_request  # noqa: E402
from desktop_app.core.assistants import AssistantProfile  # noqa: E402
from desktop_app.core.tool_calls import ToolResult, ToolSpec  # noqa: E402
from desktop_app.core.tool_policy import Decision, MemoryDecisions, ToolPolicy  # noqa: E402
from desktop_app.services.chat_events import ChatEvent  # noqa: E402
from desktop_app.services.gateway import Gateway, ProviderConfig  # noqa: E402
from desktop_app.services.tool_loop import ToolLoop  # noqa: E402
from desktop_app.services.tool_rounds import ChatRounds, ResponsesRounds, Rounds  # noqa: E402
from tests.openai_server import OpenAIServer  # noqa: E402

MODEL = "gpt-4o-mini"
PROMPT = 'use add with {"a": 20, "b": 22}'
ADD = ToolSpec(
    "add",
    "Add two numbers.",
    {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}}},
    "maths",
)


class InstantTools:
    def __init__(self) -> None:
        self.seconds = 0.0

    async def list_tools(self) -> Sequence[ToolSpec]:
        return [ADD]

    async def call(
        self, name: str, arguments: Mapping[str, Any], cancel: asyncio.Event
    ) -> ToolResult:
        started = time.perf_counter()
        result = ToolResult(text=str(arguments["a"] + arguments["b"]))
        self.seconds += time.perf_counter() - started
        return result


class TimedHost:
    """McpSessions, timing each call (the tool's own time: the MCP round trip)."""

    def __init__(self, sessions: Any) -> None:
        self.sessions = sessions
        self.seconds = 0.0

    async def list_tools(self, servers: Any = None) -> Any:
        return await self.sessions.list_tools(servers)

    def status(self, name: str) -> Any:
        return self.sessions.status(name)

    async def call_tool(self, server: str, name: str, arguments: Any, timeout: Any = None) -> Any:
        started = time.perf_counter()
        try:
            return await self.sessions.call_tool(server, name, arguments, timeout)
        finally:
            self.seconds += time.perf_counter() - started


class Recording:
    """The gateway, keeping each request the loop sent (to send again without the loop)."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.sent: list[tuple[str, Any]] = []

    def stream_chat(
        self, model: str, messages: Sequence[dict[str, Any]], **params: Any
    ) -> AsyncGenerator[ChatEvent, None]:
        self.sent.append(("chat", (model, list(messages), dict(params))))
        return self.gateway.stream_chat(model, messages, **params)

    def stream_responses(self, request: Mapping[str, Any]) -> AsyncGenerator[ChatEvent, None]:
        self.sent.append(("responses", dict(request)))
        return self.gateway.stream_responses(request)


async def replay(gateway: Gateway, sent: list[tuple[str, Any]]) -> float:
    started = time.perf_counter()
    for kind, request in sent:
        if kind == "chat":
            model, messages, params = request
            stream = gateway.stream_chat(model, messages, **params)
        else:
            stream = gateway.stream_responses(request)
        async with contextlib.aclosing(stream):
            async for _ in stream:
                pass
    return time.perf_counter() - started


def rounds_for(wire: str) -> Rounds:
    messages = [{"role": "user", "content": PROMPT}]
    if wire == "chat":
        return ChatRounds(MODEL, messages)
    return ResponsesRounds(responses_request(AssistantProfile("", MODEL, ""), messages))


async def measure(
    server: OpenAIServer, wire: str, count: int, stored: bool, noise: list[float]
) -> list[float]:
    """The overhead of each round (ms); `noise` gets the difference between two plain sends
    of the same requests, the measurement's own spread on a busy machine."""
    gateway = Gateway(ProviderConfig("custom", server.url, "k", timeout=10.0))
    policy = ToolPolicy(MemoryDecisions({ADD.key}))  # "always": no one to ask in a benchmark
    events: list[Any] = []
    overheads: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        store = None
        if stored:
            from desktop_app.core.dialogue import Message, Status
            from desktop_app.services.store import Store
            from desktop_app.services.tool_saving import ToolRoundSaver

            store = Store.open(Path(folder) / "parley.db", Path(folder) / "att")
            dialogue = store.create_dialogue("bench")
        try:
            for number in range(count + 5):  # the first few warm the SDK and the connection
                tools = InstantTools()
                recording = Recording(gateway)
                saver = None
                if store is not None:
                    reply = Message("assistant", "", model=MODEL, status=Status.STREAMING)
                    reply.id, reply.dialogue_id = store.add_message(dialogue, reply), dialogue
                    saver = ToolRoundSaver(store, reply)
                loop = ToolLoop(
                    recording, tools, policy, _never_asked, listener=events.append, on_round=saver
                )
                started = time.perf_counter()
                turn = await loop.run(rounds_for(wire))
                with_loop = time.perf_counter() - started
                assert turn.text.startswith("Tool results: add → 42"), turn.text
                plain = await replay(gateway, recording.sent)
                events.clear()
                if number >= 5:
                    overheads.append((with_loop - plain - tools.seconds) * 1000)
                    again = await replay(gateway, recording.sent)
                    noise.append((again - plain) * 1000)
        finally:
            if store is not None:
                store.close()
            await gateway.aclose()
    return overheads


async def measure_mcp(server: OpenAIServer, count: int, noise: list[float]) -> dict[str, Any]:
    """The round's overhead with the real MCP test server; also how long its first start
    took (paid once, on the first reply that needs it)."""
    from desktop_app.services.mcp_sessions import McpSessions
    from desktop_app.services.mcp_tools import McpTools
    from tests.mcp_servers.launch import stdio_config

    gateway = Gateway(ProviderConfig("custom", server.url, "k", timeout=10.0))
    sessions = McpSessions([stdio_config("tools")], read_secret=lambda _key: "")
    started = time.perf_counter()
    await sessions.start("tools")
    first_start = time.perf_counter() - started
    policy = ToolPolicy(MemoryDecisions({"tools/add"}))
    overheads: list[float] = []
    try:
        for number in range(count + 5):
            host = TimedHost(sessions)
            tools = McpTools(host, ["tools"])
            recording = Recording(gateway)
            loop = ToolLoop(recording, tools, policy, _never_asked)
            begun = time.perf_counter()
            turn = await loop.run(rounds_for("chat"))
            with_loop = time.perf_counter() - begun
            assert turn.text.startswith("Tool results: add → 42"), turn.text
            plain = await replay(gateway, recording.sent)
            if number >= 5:
                overheads.append((with_loop - plain - host.seconds) * 1000)
                again = await replay(gateway, recording.sent)
                noise.append((again - plain) * 1000)
    finally:
        await sessions.shutdown()
        await gateway.aclose()
    return {"overheads": overheads, "first_start_s": round(first_start, 2)}


def start_up_loads_no_tools() -> dict[str, bool]:
    """In a fresh interpreter: what importing the app and building its MCP service loads."""
    import subprocess

    code = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication(['x', '-platform', 'offscreen'])\n"
        "import desktop_app.app\n"
        "from desktop_app.services.mcp_sessions import McpSessions\n"
        "from desktop_app.core.mcp_config import McpServerConfig\n"
        "sessions = McpSessions([McpServerConfig('x', command='true').approved()], lambda k: '')\n"
        "print(int('mcp' in sys.modules), int('desktop_app.services.tool_loop' in sys.modules),"
        " int(any(s.state != 'stopped' for s in sessions.statuses())))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=True
    ).stdout.split()
    sdk, loop, running = (flag == "1" for flag in out[-3:])
    return {"startup_imports_mcp_sdk": sdk, "startup_imports_tool_loop": loop,
            "startup_starts_a_server": running}  # fmt: skip


async def _never_asked(step: Any) -> Decision:
    raise AssertionError("the benchmark's tool is always allowed")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def main(count: int) -> None:
    result: dict[str, Any] = {"rounds": count}
    with OpenAIServer() as server:
        for name, wire, stored in (
            ("chat", "chat", False),
            ("responses", "responses", False),
            ("chat_stored", "chat", True),
        ):
            noise: list[float] = []
            overheads = await measure(server, wire, count, stored, noise)
            result[f"{name}_p50_ms"] = round(statistics.median(overheads), 2)
            result[f"{name}_p95_ms"] = round(percentile(overheads, 0.95), 2)
            result[f"{name}_noise_p95_ms"] = round(percentile([abs(n) for n in noise], 0.95), 2)
        noise = []
        mcp = await measure_mcp(server, count, noise)
        result["mcp_p50_ms"] = round(statistics.median(mcp["overheads"]), 2)
        result["mcp_p95_ms"] = round(percentile(mcp["overheads"], 0.95), 2)
        result["mcp_noise_p95_ms"] = round(percentile([abs(n) for n in noise], 0.95), 2)
        result["mcp_first_start_s"] = mcp["first_start_s"]
    result.update(start_up_loads_no_tools())
    result["target_ms"] = 20
    for name, value in result.items():
        print(f"{name}: {value}")
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100))
