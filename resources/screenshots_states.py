"""Screenshots of the states a user meets when something goes wrong, in both themes.

    xvfb-run -a .venv/bin/python resources/screenshots_states.py [--size 1100x720] [--out DIR]
        [--only STATE ...]

Each state gets a Parley of its own (a fresh temporary PARLEY_HOME, as resources/screenshots.py
sets one up) against the project's test server, brought there the way it happens for real: the
server's faults end a reply wrong (cut off, a web page, the token limit, a refusal, no text, a
quota error mid-stream, a timeout), refuse every route (a gateway with no database), or a code
interpreter reply lists its files; the data file is damaged, read-only or the disk full. Writes
`<state>-<theme>.png` into resources/screenshots/states/ (or DIR). Nothing here touches the
user's own data, settings or keyring.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from screenshots import (
    DEFAULT_SIZE,
    ROOT,
    THEMES,
    Scene,
    chat,
    parley_on_test_server,
    print_written,
    run_on_display,
    save_grab,
    settle,
    wait_until,
)

DEFAULT_OUT = ROOT / "resources" / "screenshots" / "states"
NO_DB = {"error": {"message": "No connected db.", "type": "no_db_connection", "code": "400"}}
EARLIER = datetime(2026, 11, 30, 9, 15)


Prepare = Callable[[Path, Any], None]  # before start: (home, paths)
Drive = Callable[[Scene], Awaitable[Any]]  # after start: returns the widget to grab


@dataclass
class State:
    name: str
    drive: Drive
    prepare: Prepare | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    read_only: str | None = None  # "folder" or "file": the data made read-only before start


# --- the states --------------------------------------------------------------------------------


def fault_then_send(prompt: str, **fault: Any) -> Drive:
    async def drive(scene: Scene) -> Any:
        from tests.openai_server import Fault

        await wait_until(lambda: scene.parley.chat_tab.model_picker.count() > 1)
        await chat(scene.parley, ["What is a good name for a sailing boat?"])
        scene.server.add_fault(Fault(**fault))
        await chat(scene.parley, [prompt])
        await wait_until(lambda: scene.parley.chat_tab.banner.isVisible())
        return scene.parley.window

    return drive


async def made_files(scene: Scene) -> Any:
    """An assistant with code interpreter: its reply lists the file it made."""
    parley = scene.parley
    tab = parley.assistants_tab
    tab.select_row([p.name for p in tab.model.profiles].index("General helper"))
    tab.editor.tool_boxes["code_interpreter"].setChecked(True)
    await tab.save()
    tab.activate_button.click()
    await wait_until(lambda: parley.chat_tab.assistant is not None)
    parley.window.tabs.setCurrentWidget(parley.chat_tab)
    await chat(parley, ["square these words"])
    await wait_until(lambda: parley.tasks.running == 0)
    return parley.window


async def assistant_mcp(scene: Scene) -> Any:
    """The assistant editor offering two MCP servers from Settings → Tools, one ticked."""
    from PySide6.QtWidgets import QScrollArea

    from desktop_app.core.mcp_config import McpServerConfig

    parley = scene.parley
    parley.save_mcp_servers(
        (
            McpServerConfig("maths", "http", url="http://127.0.0.1:9/maths"),
            McpServerConfig("files", command="npx", args=("-y", "server-filesystem")),
        )
    )
    tab = parley.assistants_tab
    parley.window.tabs.setCurrentWidget(tab)
    tab.select_row([p.name for p in tab.model.profiles].index("General helper"))
    tab.editor.mcp_boxes["maths"].setChecked(True)
    await tab.save()
    await settle()
    bar = tab.editor.findChild(QScrollArea).verticalScrollBar()
    bar.setValue(bar.maximum())  # down to the servers
    return parley.window


async def server_problem(scene: Scene) -> Any:
    window = scene.parley.window
    await wait_until(lambda: window.connection_state not in ("checking", "starting"))
    return window


async def disk_full(scene: Scene) -> Any:
    parley = scene.parley
    await wait_until(lambda: parley.chat_tab.model_picker.count() > 1)
    await chat(parley, ["Hello"])
    store = parley.store
    pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
    store._conn.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own "disk is full"
    await chat(parley, [" ".join(f"{n}" * 2_000 for n in range(10))])
    await wait_until(lambda: parley.chat_tab.banner.isVisible())
    return parley.window


async def startup_page(scene: Scene) -> Any:
    await wait_until(lambda: scene.parley.tasks.running == 0)
    return scene.parley.window


async def read_only_chat(scene: Scene) -> Any:
    window = await startup_page(scene)
    window.tabs.setCurrentIndex(0)
    return window


async def restore_dialog(scene: Scene) -> Any:
    parley = scene.parley
    for prompts in (["Plan a weekend in Lisbon"], ["Explain SQLite's WAL mode"]):
        parley.chat_tab.new_dialogue()
        await chat(parley, prompts)
    await parley.data_care.timer.back_up()
    parley.window.restore_action.trigger()
    await wait_until(lambda: parley.data_care.dialog is not None)
    dialog = parley.data_care.dialog
    await wait_until(dialog.isVisible)
    return dialog


async def restore_confirm(scene: Scene) -> Any:
    dialog = await restore_dialog(scene)
    dialog.restore_button.click()
    await wait_until(lambda: dialog.confirmation is not None and dialog.confirmation.isVisible())
    return dialog.confirmation


class ScreenArea:
    """What is on the screen over a window, popups included (a widget's own grab leaves out
    the list a combo box opens, which is a window of its own)."""

    def __init__(self, window: Any) -> None:
        self.window = window

    def grab(self) -> Any:
        from PySide6.QtGui import QGuiApplication

        frame = self.window.frameGeometry()
        screen = QGuiApplication.primaryScreen()
        return screen.grabWindow(0, frame.x(), frame.y(), frame.width(), frame.height())


async def provider_picker(scene: Scene) -> Any:
    """Two providers: the Chat picker open, each provider's models under its name."""
    tab = scene.parley.chat_tab
    await wait_until(lambda: tab.model_picker.findText("GPU box › llama-3.1-70b") >= 0)
    tab.model_picker.showPopup()
    await settle(0.5)
    return ScreenArea(scene.parley.window)


def with_a_second_provider(server: Any, home: Path, paths: Any, stack: ExitStack) -> None:
    """Another OpenAI-compatible server, "GPU box", beside the main one, with its models."""
    from dataclasses import replace

    from desktop_app.core.providers import ProviderEntry
    from desktop_app.services.settings import load_settings, save_settings
    from tests.openai_server import OpenAIServer
    from tests.openai_server.models import make_model

    other = stack.enter_context(OpenAIServer())
    names = ("llama-3.1-70b", "qwen2.5-coder-32b", "/models/mistral-7b.gguf")
    other.models = [make_model(name) for name in names]
    settings, _problem = load_settings(paths.settings_file)
    entry = ProviderEntry("vllm", "vllm", other.url, name="GPU box")
    save_settings(replace(settings, other_providers=(entry,)), paths.settings_file)


def mcp_servers() -> tuple[Any, ...]:
    """Three MCP servers (tests/mcp_servers): one that runs, one whose command waits for the
    user's OK, one that fails at start."""
    from desktop_app.core.mcp_config import McpServerConfig
    from tests.mcp_servers.launch import stdio_config

    ready = stdio_config("test tools")
    server = "@modelcontextprotocol/server-filesystem"
    waiting = McpServerConfig("files", command="npx", args=("-y", server, "~/Documents"))
    failing = stdio_config("broken", "bad_server", "die")
    return (ready, waiting, failing)


async def tools_page(scene: Scene) -> Any:
    """Settings → Tools with a server ready (its tools listed), one waiting, one failed."""
    parley = scene.parley
    parley.open_settings()
    dialog = parley.settings_dialog
    dialog.resize(760, 600)
    dialog.pages.setCurrentWidget(dialog.tools_page)
    for name in ("test tools", "broken"):
        await parley.mcp.start(name)
    dialog.tools_page.list.setCurrentRow(0)
    await settle()
    return dialog


async def tools_failed(scene: Scene) -> Any:
    dialog = await tools_page(scene)
    dialog.tools_page.list.setCurrentRow(2)
    return dialog


async def tools_launch(scene: Scene) -> Any:
    dialog = await tools_page(scene)
    page = dialog.tools_page
    page.list.setCurrentRow(1)
    page.start_button.click()
    return page.dialog


async def tools_import(scene: Scene) -> Any:
    dialog = await tools_page(scene)
    page = dialog.tools_page
    page.import_button.click()
    page.dialog.text.setPlainText(
        '{\n  "mcpServers": {\n    "time": {"command": "uvx", "args": ["mcp-server-time"]},\n'
        '    "old": {"type": "sse", "url": "http://localhost:8000/sse"}\n  }\n}'
    )
    page.dialog.import_text()
    return dialog


async def tools_add(scene: Scene) -> Any:
    dialog = await tools_page(scene)
    page = dialog.tools_page
    page.list.setCurrentRow(1)
    editing = page.edit()
    assert editing is not None
    editing.env.setPlainText("LOG_LEVEL=info\nGITHUB_TOKEN=••••••••")
    return editing


async def _ask_with_tools(scene: Scene, prompt: str) -> Any:
    """A chat with the ready test server's tools on, the prompt sent: returns the tab once
    Parley asks about the first call."""

    parley = scene.parley
    tab = parley.chat_tab
    await wait_until(lambda: tab.model_picker.count() > 1)
    tab.tools_button.switch("test tools", True)
    tab.input.setPlainText(prompt)
    tab.tasks.spawn(tab.send())
    await wait_until(lambda: tab.approval.asking, timeout=60)
    return tab


async def tool_question(scene: Scene) -> Any:
    """The question before a tool runs, under a conversation that already used one."""
    tab = await _ask_with_tools(scene, 'use add with {"a": 19, "b": 23}')
    tab.approval.decide(_decision("allow_once"))
    await wait_until(lambda: not tab.jobs, timeout=30)
    tab.input.setPlainText('use forecast with {"city": "Lisbon"}')
    tab.tasks.spawn(tab.send())
    await wait_until(lambda: tab.approval.asking, timeout=30)
    return scene.parley.window


async def tool_steps(scene: Scene) -> Any:
    """A reply that used two tools: one step opened (arguments and result), one denied."""
    from tests.support.transcript import link_point

    tab = await _ask_with_tools(scene, 'use forecast with {"city": "Lisbon"} and use image')
    tab.approval.decide(_decision("allow_once"))
    await wait_until(lambda: tab.approval.asking, timeout=30)
    tab.approval.decide(_decision("deny"))
    await wait_until(lambda: not tab.jobs, timeout=30)
    view = tab.transcript
    index = next(i for i, item in enumerate(view.items) if item.card.step is not None)
    link_point(view, index, "parley-step:")  # laid out
    view.items[index].expanded.add("step")
    view.refresh_cards()
    await settle()
    return scene.parley.window


async def _knowledge_base(scene: Scene) -> Any:
    """A base of a few of the user's files (a survey PDF, notes, a scanned PDF with no text),
    made and indexed from the Knowledge page as a user does; returns the page."""
    from tests.support.documents import write_pdf

    folder = scene.home / "Documents" / "Field notes"
    folder.mkdir(parents=True)
    write_pdf(
        folder / "survey-2026.pdf",
        [
            "Introduction to the annual field survey of coastal birds.",
            "Methods: counts were taken at dawn along the northern shore.",
            "Results: the puffin colony doubled since the previous census, to 412 pairs.",
            "Discussion of weather and its effect on nesting success.",
        ],
    )
    write_pdf(folder / "scan-of-permit.pdf", [""])
    (folder / "boat.md").write_text(
        "# Boat\n\n## Engine\n\nThe outboard engine needs fresh oil every spring.\n\n"
        "## Sails\n\nThe jib was replaced in May.\n"
    )
    (folder / "packing.txt").write_text("Binoculars, tally counter, waterproof notebook.\n")
    parley = scene.parley
    tab = parley.assistants_tab
    parley.window.tabs.setCurrentWidget(tab)
    tab.show_knowledge()
    panel = tab.knowledge
    panel.new_base()
    panel.name.setText("Field notes")
    panel.add_sources([folder])
    panel.model.setEditText("text-embedding-3-small")
    await panel.index_selected()
    await wait_until(lambda: panel.job is None, timeout=60)
    await settle()
    return panel


async def knowledge_page(scene: Scene) -> Any:
    await _knowledge_base(scene)
    return scene.parley.window


async def knowledge_reply(scene: Scene) -> Any:
    """A chat with the base on: the reply lists the passages it was given, opened."""
    from tests.support.transcript import link_point

    await _knowledge_base(scene)
    parley = scene.parley
    tab = parley.chat_tab
    parley.window.tabs.setCurrentWidget(tab)
    (base,) = parley.assistants_tab.knowledge.bases.all()
    tab.knowledge_button.switch(base.id, True)
    tab.input.setPlainText("How did the puffin colony change?")
    await tab.send()
    await wait_until(lambda: not tab.jobs, timeout=30)
    view = tab.transcript
    index = len(view.items) - 1
    link_point(view, index, "parley-note:")  # laid out
    view.items[index].expanded.add("note:0")
    view.refresh_cards()
    await settle()
    return parley.window


def _decision(value: str) -> Any:
    from desktop_app.core.tool_policy import Decision

    return Decision(value)


def earlier_backup(home: Path, paths: Any) -> None:
    """A backup an earlier day left, with two dialogues in it."""
    from tests.ui.test_backups_app import make_backup

    make_backup(paths, ["Trip to Lisbon", "Tax return questions"], EARLIER)


def damaged(with_backup: bool) -> Prepare:
    def prepare(home: Path, paths: Any) -> None:
        if with_backup:
            earlier_backup(home, paths)
        paths.database.write_bytes(b"\x00not a database any more" * 500)

    return prepare


def some_history(home: Path, paths: Any) -> None:
    from desktop_app.services.store import Store
    from tests.ui.test_backups_app import fill

    store = Store.open(paths.database, paths.attachments_dir)
    fill(store, ["Trip to Lisbon", "Tax return questions"])
    store.close()


STATES = [
    State("cut-off", fault_then_send("Tell me about the harbour", ending="no_finish")),
    State("web-page", fault_then_send("Tell me about the harbour", ending="html")),
    State("token-limit", fault_then_send("Tell me everything", ending="length")),
    State("refused", fault_then_send("Something I should not ask", ending="refusal")),
    State("no-text", fault_then_send("Say nothing", ending="empty")),
    State("quota", fault_then_send("Spend my last cent", ending="quota")),
    State(
        "timeout",
        fault_then_send("Are you there?", delay=7.0, times=None),
        settings={"request_timeout": 5.0},
    ),
    State(
        "details",
        fault_then_send(
            "Hello?",
            status=500,
            times=None,
            body={
                "detail": "Model not loaded. The weights are still being read from disk, which "
                "takes about a minute here; requests before then are refused."
            },
        ),
    ),
    State("disk-full", disk_full),
    State("provider-picker", provider_picker, settings={"setup": with_a_second_provider}),
    State("files", made_files, settings={"wire_api": "responses"}),
    State("assistant-mcp", assistant_mcp),
    State("server-problem", server_problem, settings={"fault": "no_db"}),
    State("restore", restore_dialog, prepare=earlier_backup),
    State("restore-confirm", restore_confirm, prepare=earlier_backup),
    State("damaged", startup_page, prepare=damaged(with_backup=True)),
    State("damaged-no-backup", startup_page, prepare=damaged(with_backup=False)),
    State("read-only", startup_page, prepare=some_history, read_only="folder"),
    State("tools", tools_page, settings={"mcp": True}),
    State("tools-failed", tools_failed, settings={"mcp": True}),
    State("tools-launch", tools_launch, settings={"mcp": True}),
    State("tools-import", tools_import, settings={"mcp": True}),
    State("tools-edit", tools_add, settings={"mcp": True}),
    State("read-only-chat", read_only_chat, prepare=some_history, read_only="folder"),
    State("tool-question", tool_question, settings={"mcp": True}),
    State("knowledge", knowledge_page),
    State("knowledge-reply", knowledge_reply),
    State("tool-steps", tool_steps, settings={"mcp": True}),
]


# --- running them ------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default=DEFAULT_SIZE, help="window size, WIDTHxHEIGHT")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the PNGs")
    parser.add_argument("--only", nargs="*", default=None, help="these states only")
    return parser.parse_args(argv)


async def grab(widget: Any, out: Path, name: str) -> list[Path]:
    from PySide6.QtWidgets import QApplication

    from desktop_app.ui.theme import apply_theme

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    written = []
    for theme in THEMES:
        apply_theme(app, theme)
        await settle()
        written.append(save_grab(widget, out / f"{name}-{theme}.png"))
    apply_theme(app, THEMES[0])
    return written


async def shoot_state(state: State, size: tuple[int, int], out: Path) -> list[Path]:
    from tests.openai_server import Fault
    from tests.support.read_only import read_only

    options = dict(state.settings)
    fault = options.pop("fault", None)
    setup = options.pop("setup", None)
    if options.pop("mcp", False):
        options["mcp_servers"] = mcp_servers()

    def before_start(server: Any, home: Path, paths: Any, stack: ExitStack) -> None:
        if state.prepare is not None:
            state.prepare(home, paths)
        if fault == "no_db":
            server.add_fault(Fault(path="*", status=400, body=NO_DB, times=None))
        if state.read_only == "folder":
            stack.enter_context(read_only(paths.data_dir))
        if setup is not None:
            setup(server, home, paths, stack)

    async with parley_on_test_server(size, "parley-states-", before_start, **options) as scene:
        widget = await state.drive(scene)
        await settle(0.6)
        return await grab(widget, out, state.name)


async def run(args: argparse.Namespace) -> int:
    width, height = (int(part) for part in args.size.lower().split("x"))
    args.out.mkdir(parents=True, exist_ok=True)
    chosen = [s for s in STATES if args.only is None or s.name in args.only]
    written: list[Path] = []
    for state in chosen:
        print(f"{state.name}…", flush=True)
        written += await shoot_state(state, (width, height), args.out)
    print_written(written)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run_on_display("screenshots_states.py", lambda: run(args))


if __name__ == "__main__":
    sys.exit(main())
