"""McpTools over a fake host: model-facing names, filters, schemas and result mapping."""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import Iterable, Mapping
from typing import Any

import pytest

from desktop_app.core.tool_calls import EMPTY_SCHEMA, ToolImage
from desktop_app.services import mcp_types
from desktop_app.services.mcp_tools import TRUNCATED_NOTE, McpTools, model_names
from desktop_app.services.mcp_types import ImagePart, McpError, McpTimeout, ToolInfo
from desktop_app.services.tool_loop import ToolFailed

VALID = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
NUMBERS = {"type": "object", "properties": {"a": {"type": "number"}}}
PNG = b"\x89PNG\r\n\x1a\n\x00\xffdata"
LONG = "t" * 80

TOOLS = (
    ToolInfo("maths", "add", "Add numbers.", NUMBERS),
    ToolInfo("files", "add", "Add a file."),
    ToolInfo("files", "read.file", title="Read a file"),
    ToolInfo("web", "fetch page", "Fetch a page."),
    ToolInfo("web", "search", "Search the web.", NUMBERS),
    ToolInfo("web", LONG, "A long name."),
)


class FakeHost:
    def __init__(self, tools: Iterable[ToolInfo] = TOOLS) -> None:
        self.tools = list(tools)
        self.asked: list[list[str] | None] = []
        self.calls: list[tuple[str, str, dict[str, Any], float | None]] = []
        self.result = mcp_types.ToolResult(texts=("ok",))
        self.error: Exception | None = None

    async def list_tools(self, servers: Iterable[str] | None = None) -> list[ToolInfo]:
        wanted = None if servers is None else list(servers)
        self.asked.append(wanted)
        return [t for t in self.tools if wanted is None or t.server in wanted]

    async def call_tool(
        self, server: str, name: str, arguments: Mapping[str, Any], timeout: float | None = None
    ) -> mcp_types.ToolResult:
        self.calls.append((server, name, dict(arguments), timeout))
        if self.error is not None:
            raise self.error
        return self.result


def listed(tools: McpTools) -> dict[str, Any]:
    return {spec.name: spec for spec in asyncio.run(tools.list_tools())}


def call(tools: McpTools, name: str, arguments: Mapping[str, Any] | None = None) -> Any:
    async def go() -> Any:
        await tools.list_tools()
        return await tools.call(name, arguments or {}, asyncio.Event())

    return asyncio.run(go())


def test_names_are_valid_unique_and_map_back_to_server_and_tool() -> None:
    host = FakeHost()
    tools = McpTools(host)
    specs = listed(tools)
    assert list(specs) == [
        "maths_add",
        "files_add",
        "files_read_file",
        "web_fetch_page",
        "search",
        "web_" + "t" * 60,
    ]
    assert all(VALID.match(name) for name in specs)
    assert [s.source for s in specs.values()] == ["maths", "files", "files", "web", "web", "web"]
    assert host.asked == [None]  # every enabled server
    assert tools.server_of("files_read_file") == "files"
    assert tools.server_of("search") == "web"
    assert tools.server_of("nope") == ""
    call(tools, "files_read_file", {"path": "/a"})
    call(tools, "web_" + "t" * 60)
    assert [c[:2] for c in host.calls] == [("files", "read.file"), ("web", LONG)]


def test_a_sanitized_name_that_is_taken_gets_a_suffix_within_64() -> None:
    tools = [
        ToolInfo("a", "x_y"),  # its own name: valid and unique
        ToolInfo("x", "y"),
        ToolInfo("x", "y"),  # the same tool twice (a server listing it twice)
        ToolInfo("s" * 70, "q"),  # clashes with the next; both cut to the same 64
        ToolInfo("s" * 71, "q"),
    ]
    names = model_names(tools)
    assert names[:3] == ["x_y", "x_y_2", "x_y_3"]
    assert names[3] == "s" * 64
    assert names[4] == "s" * 62 + "_2"
    assert len(set(names)) == len(names) and all(VALID.match(n) for n in names)


def test_an_empty_name_becomes_a_valid_one() -> None:
    [name] = model_names([ToolInfo("", "")])
    assert VALID.match(name)


def test_descriptions_and_schemas() -> None:
    specs = listed(McpTools(FakeHost()))
    assert specs["maths_add"].description == "Add numbers."
    assert specs["files_read_file"].description == "Read a file"  # the title when no description
    assert specs["maths_add"].input_schema == NUMBERS
    assert specs["files_add"].input_schema == EMPTY_SCHEMA
    assert specs["files_add"].input_schema is not EMPTY_SCHEMA  # a copy, never the shared one
    assert specs["search"].key == "web/search"


def test_servers_filter_asks_only_those_and_names_follow_what_is_listed() -> None:
    host = FakeHost()
    tools = McpTools(host, servers=["maths", "web"])
    specs = listed(tools)
    assert host.asked == [["maths", "web"]]
    assert set(specs) == {"add", "web_fetch_page", "search", "web_" + "t" * 60}  # no clash now
    assert tools.server_of("add") == "maths"


def test_a_host_that_answers_with_more_servers_is_filtered_too() -> None:
    class Loose(FakeHost):
        async def list_tools(self, servers: Iterable[str] | None = None) -> list[ToolInfo]:
            return list(self.tools)

    specs = listed(McpTools(Loose(), servers=["files"]))
    assert {s.source for s in specs.values()} == {"files"}


def test_tools_filter_by_server_and_real_name() -> None:
    tools = McpTools(FakeHost(), tools=["files/add", "files/read.file", "web/nothing"])
    specs = listed(tools)
    assert set(specs) == {"add", "files_read_file"}
    assert tools.server_of("add") == "files"
    assert listed(McpTools(FakeHost(), tools=[])) == {}


def test_call_passes_arguments_and_timeout() -> None:
    host = FakeHost()
    tools = McpTools(host, servers=["maths"], call_timeout=7.5)
    result = call(tools, "add", {"a": 1})
    assert host.calls == [("maths", "add", {"a": 1}, 7.5)]
    assert (result.text, result.is_error, result.seconds, result.images) == ("ok", False, None, ())


def test_result_mapping_text_images_structured_and_errors() -> None:
    host = FakeHost()
    host.result = mcp_types.ToolResult(
        texts=("one", "two"),
        images=(ImagePart(PNG, "image/png"), ImagePart(b"GIF89a", "image/gif")),
        structured={"sum": 3},
        is_error=True,
        duration=2.0,
    )
    result = call(McpTools(host), "search")
    assert result.text == "one\ntwo"
    assert result.images == (
        ToolImage(base64.b64encode(PNG).decode("ascii"), "image/png"),
        ToolImage(base64.b64encode(b"GIF89a").decode("ascii"), "image/gif"),
    )
    assert isinstance(result.images[0].data, str)
    assert base64.b64decode(result.images[0].data) == PNG
    assert result.structured == {"sum": 3} and result.is_error
    assert result.seconds is None  # the loop measures the time


def test_a_cut_result_says_parley_cut_it() -> None:
    host = FakeHost()
    host.result = mcp_types.ToolResult(texts=("x" * 10,), truncated=True)
    result = call(McpTools(host), "search")
    assert result.text.startswith("x" * 10) and result.text.endswith(TRUNCATED_NOTE)
    assert "Parley cut" in TRUNCATED_NOTE
    host.result = mcp_types.ToolResult(images=(ImagePart(PNG, "image/png"),), truncated=True)
    assert call(McpTools(host), "search").text == TRUNCATED_NOTE
    host.result = mcp_types.ToolResult(texts=("whole",))
    assert call(McpTools(host), "search").text == "whole"


@pytest.mark.parametrize(
    "error",
    [
        McpError("web", "The MCP server 'web' stopped while the tool ran."),
        McpTimeout("web", "search on web did not answer within 0.5 s."),
    ],
)
def test_mcp_errors_become_tool_failed_with_their_sentence(error: McpError) -> None:
    host = FakeHost()
    host.error = error
    with pytest.raises(ToolFailed) as caught:
        call(McpTools(host), "search")
    assert str(caught.value) == str(error)
    assert caught.value.__cause__ is error


def test_an_unknown_name_is_a_sentence_and_nothing_runs() -> None:
    host = FakeHost()
    with pytest.raises(ToolFailed, match="'add'"):  # clashing: only maths_add and files_add
        call(McpTools(host), "add")
    assert host.calls == []


def test_names_come_from_the_last_listing() -> None:
    host = FakeHost()
    tools = McpTools(host)

    async def go() -> None:
        await tools.list_tools()
        host.tools = [ToolInfo("maths", "add")]
        await tools.list_tools()
        await tools.call("add", {}, asyncio.Event())
        with pytest.raises(ToolFailed):
            await tools.call("maths_add", {}, asyncio.Event())

    asyncio.run(go())
    assert host.calls == [("maths", "add", {}, None)]


def test_a_call_cancelled_before_it_starts_does_not_run() -> None:
    host = FakeHost()
    tools = McpTools(host)

    async def go() -> None:
        await tools.list_tools()
        cancel = asyncio.Event()
        cancel.set()
        await tools.call("search", {}, cancel)

    with pytest.raises(asyncio.CancelledError):
        asyncio.run(go())
    assert host.calls == []


def test_an_always_allowed_tool_keeps_its_key_when_another_server_clashes_with_it() -> None:
    alone = McpTools(FakeHost([ToolInfo("maths", "add")]))
    (spec,) = asyncio.run(alone.list_tools())
    clashing = McpTools(FakeHost([ToolInfo("maths", "add"), ToolInfo("files", "add")]))
    renamed = asyncio.run(clashing.list_tools())
    assert spec.name == "add" and renamed[0].name == "maths_add"
    assert spec.key == renamed[0].key == "maths/add" and renamed[1].key == "files/add"


HEAVY = (
    "mcp",
    "desktop_app.services.tool_loop",
    "numpy",
    "pypdf",
    "docx",
    "lxml",
    "sqlite_vec",
    "desktop_app.services.knowledge_index",
)


def test_start_up_loads_no_mcp_sdk_tool_loop_or_knowledge_machinery() -> None:
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication(['x', '-platform', 'offscreen'])\n"
        "import desktop_app.app\n"
        "from desktop_app.ui.chat.chat_tab import ChatTab\n"
        "from desktop_app.ui.assistants.assistants_tab import AssistantsTab\n"
        f"print([m for m in {HEAVY!r} if m in sys.modules])\n"
    )
    root = Path(__file__).resolve().parent.parent.parent
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=root, timeout=120
    )
    assert done.stdout.strip().splitlines()[-1:] == ["[]"], done.stdout + done.stderr
