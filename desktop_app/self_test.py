"""`--self-test`: start headless, open a store, build every tab, optionally reach a server.

The packaged app runs this to prove the bundle has every module and resource it needs: each
lazily imported library is imported here, since a bundle that lacks one fails only when a user
reaches the feature. Uses a temporary data folder unless PARLEY_HOME is set.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from desktop_app.app import Parley, make_qt_app, run_in_qt_loop
from desktop_app.core.dialogue import Message
from desktop_app.core.highlight import highlight_html
from desktop_app.core.sentiment import SentimentAnalyzer
from desktop_app.services.app_info import app_version, build_kind
from desktop_app.services.gateway import Gateway, TextDelta
from desktop_app.services.paths import HOME_VARIABLE, AppPaths
from desktop_app.services.price_book import load_shipped
from desktop_app.services.resources import icon_files, is_frozen, resource_path, resources_dir
from desktop_app.services.settings import Settings, save_settings
from desktop_app.services.store import Store

LAZY_MODULES = (
    "openai",
    "vaderSentiment.vaderSentiment",
    "pygments.lexers",
    "keyring",
    "qasync",
    "PIL.Image",
    "PIL.WebPImagePlugin",
    "pandas",
    "tiktoken",
    "tiktoken_ext.openai_public",
    # MCP servers' client, started when a reply first needs a server
    "mcp",
    "mcp.client.stdio",
    "mcp.client.streamable_http",
    # Knowledge: PDF and Word readers, imported when a base is indexed
    "pypdf",
    "docx",
    "desktop_app.services.knowledge_index",
    "desktop_app.services.knowledge_indexer",
)
TAB_NAMES = ("Chat", "Images", "Assistants", "Training", "History", "Usage")


class SelfTest:
    def __init__(self) -> None:
        self.failures = 0
        self.count = 0

    async def check(self, name: str, step: Callable[[], Awaitable[str] | str]) -> None:
        self.count += 1
        started = time.perf_counter()
        try:
            result = step()
            detail = await result if asyncio.iscoroutine(result) else result
        except Exception as exc:
            self.failures += 1
            cause = exc.__cause__ or exc.__context__
            why = f" (from {type(cause).__name__}: {cause})" if cause is not None else ""
            print(f"FAIL {name}: {type(exc).__name__}: {exc}{why}", flush=True)
            return
        took = (time.perf_counter() - started) * 1000
        print(f"ok   {name}: {detail} ({took:.0f} ms)", flush=True)


def _imports() -> str:
    for name in LAZY_MODULES:
        importlib.import_module(name)
    return ", ".join(LAZY_MODULES)


def _version() -> str:
    number = app_version()
    if is_frozen() and number == "development":
        raise RuntimeError("the bundle lacks Parley's package metadata (copy_metadata)")
    return f"{number} ({build_kind()})"


def _keyring_backends() -> str:
    """keyring finds its backends through entry points: a bundle without its metadata has none."""
    from importlib.metadata import entry_points

    import keyring

    points = entry_points(group="keyring.backends")
    if not points:
        raise RuntimeError("no keyring backends are registered (keyring's metadata is missing)")
    for point in points:
        point.load()
    backend = keyring.get_keyring()
    names = ", ".join(sorted(point.name for point in points))
    return f"{names}; in use: {type(backend).__module__}"


def _crash_report() -> str:
    """A report for a made-up error: traceback, versions (Qt's too), and the key redacted."""
    from datetime import datetime

    from desktop_app.services.crash_report import report_text
    from desktop_app.ui.crash_notice import runtime_versions

    secret = "self-test-secret-key"
    try:
        raise RuntimeError(f"made up by the self-test ({secret})")
    except RuntimeError as exc:
        exc_info = (type(exc), exc, exc.__traceback__)
    text = report_text(exc_info, runtime_versions(), [secret], datetime.now())
    if "Traceback" not in text or "Qt:" not in text or secret in text:
        raise RuntimeError("the report lacks its traceback or versions, or shows the key")
    return f"{len(text.splitlines())} lines, key redacted"


def _resources() -> str:
    from desktop_app.ui.app_icon import app_icon
    from desktop_app.ui.icons import icon as control_icon
    from desktop_app.ui.icons import icon_names

    resource_path("linux/parley.desktop")
    icon = app_icon()
    sizes = sorted(size.width() for size in icon.availableSizes())
    if len(sizes) != len(icon_files()) or icon.pixmap(32, 32).isNull():
        raise RuntimeError(f"the app icon did not load (sizes {sizes})")
    controls = icon_names()
    if "send" not in controls or control_icon("send").pixmap(24, 24).isNull():
        raise RuntimeError(f"the controls' icons did not load ({len(controls)} found)")
    prices = load_shipped()
    return (
        f"{resources_dir()}: icon in {len(sizes)} sizes, {len(controls)} control icons, desktop "
        f"entry template, prices of {len(prices.models)} models as of {prices.as_of}"
    )


def _store(paths: AppPaths) -> str:
    store = Store.open(paths.database, paths.attachments_dir)
    try:
        dialogue = store.create_dialogue("self-test")
        store.add_message(dialogue, Message("user", "self-test searchable words"))
        hits = store.search("searchable")
        if not hits:
            raise RuntimeError("full-text search found nothing")
        return f"{paths.database} (WAL, FTS5: {len(hits)} hit)"
    finally:
        store.close()


def _sentiment() -> str:
    mood = SentimentAnalyzer().analyze("This works really well, thank you!")
    if mood.label != "positive":
        raise RuntimeError(f"expected positive, got {mood.describe()}")
    return mood.describe()


def _training() -> str:
    """Token counts offline (tiktoken over the shipped vocabularies) and a CSV through pandas."""
    import io

    import pandas as pd

    from desktop_app.core.token_count import TokenCounter

    counter = TokenCounter("o200k_base")
    if not counter.exact or counter.count("hello world") != 2:
        raise RuntimeError(f"token counts are not exact: {counter.source}")
    if TokenCounter("cl100k_base").count("hello world") != 2:
        raise RuntimeError("the cl100k_base vocabulary is missing")
    frame = pd.read_csv(io.StringIO("prompt,reply\nhi,hello\n"), dtype=str)
    if list(frame.columns) != ["prompt", "reply"]:
        raise RuntimeError("pandas could not read a CSV")
    return f"{counter.source}; pandas {pd.__version__} reads CSV"


def _highlight() -> str:
    from desktop_app.core.markdown_html import prose_html
    from desktop_app.core.reply_blocks import split_markdown

    html = highlight_html("print('hi')", "python")
    if "style=" not in html:
        raise RuntimeError("no highlighting in the output")
    blocks = split_markdown("**Hi**\n\n| a |\n|---|\n| 1 |\n\n```py\nx\n```\n")
    if [b.kind for b in blocks] != ["prose", "prose", "code"]:
        raise RuntimeError(f"Markdown blocks are {blocks}")
    if "<strong>" not in prose_html("**Hi**") or "<table" not in prose_html(blocks[1].text):
        raise RuntimeError("Markdown is not rendered")
    return "Markdown blocks and tables rendered, python code highlighted"


async def _tabs(parley: Parley) -> str:
    await parley.start()
    names = tuple(parley.window.tabs.tabText(i) for i in range(parley.window.tabs.count()))
    if names != TAB_NAMES:
        raise RuntimeError(f"tabs are {names}")
    if parley.chat_tab is None:
        raise RuntimeError("the Chat tab was not built")
    if parley.assistants_tab is None or not parley.assistants_tab.model.rowCount():
        raise RuntimeError("the Assistants tab was not built, or has no starters")
    return ", ".join(names)


def _charts() -> str:
    """The loss and cost charts, drawn by pyqtgraph (which imports only when one is shown;
    not in LAZY_MODULES, since the bundle needs `import_pyqtgraph`'s stand-in for QtOpenGL)."""
    from desktop_app.ui.training.loss_chart import LossChart
    from desktop_app.ui.usage.bar_chart import BarChart
    from desktop_app.ui.widgets.plot_frame import import_pyqtgraph

    loss = LossChart()
    loss.set_points([(1, 2.0), (2, 1.2), (3, 0.8)], [(2, 1.4)])
    bars = BarChart()
    bars.set_bars([("gpt-4o", 1.5), ("gpt-4o-mini", 0.25)], lambda v: f"${v:.2f}")
    try:
        for chart in (loss, bars):
            chart.resize(360, 220)
            chart.show()
            if chart.plot is None or chart.plot.grab().isNull():
                raise RuntimeError(f"{type(chart).__name__} was not drawn")
    finally:
        for chart in (loss, bars):
            chart.close()
            chart.deleteLater()
    return f"loss and cost charts drawn (pyqtgraph {import_pyqtgraph().__version__})"


async def _server(parley: Parley, base_url: str) -> str:
    assert parley.chat is not None, "the chat service was not built"
    gateway = Gateway(replace(parley.chat.gateway.config, base_url=base_url, max_retries=0))
    try:
        models = await gateway.list_models()
        if not models:
            raise RuntimeError("the server listed no models")
        parts = [
            e.text
            async for e in gateway.stream_chat(models[0].id, [{"role": "user", "content": "hi"}])
            if isinstance(e, TextDelta)
        ]
        return f"{base_url}: {len(models)} models, streamed {len(''.join(parts))} characters"
    finally:
        await gateway.aclose()


async def run_self_test(qt_app: Any, paths: AppPaths, base_url: str) -> int:
    test = SelfTest()
    print(f"Parley self-test (data folder {paths.data_dir})", flush=True)
    await test.check("version", _version)
    await test.check("lazy imports", _imports)
    await test.check("keyring backends", _keyring_backends)
    await test.check("resources", _resources)
    await test.check("crash report", _crash_report)
    await test.check("store", lambda: _store(paths))
    await test.check("sentiment", _sentiment)
    await test.check("markdown highlighting", _highlight)
    await test.check("training datasets", _training)
    if base_url:
        save_settings(
            replace(Settings(), provider="custom", base_url=base_url), paths.settings_file
        )
    parley = Parley(qt_app, paths, discovery_candidates=[])
    parley.window.show()
    await test.check("main window and tabs", lambda: _tabs(parley))
    await test.check("charts", _charts)
    if base_url:
        await test.check("server", lambda: _server(parley, base_url))
    await parley.shutdown()
    parley.window.close()
    verdict = "passed" if not test.failures else f"FAILED ({test.failures} failed)"
    print(f"self-test {verdict}: {test.count} checks", flush=True)
    return 0 if not test.failures else 1


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="parley --self-test")
    parser.add_argument("--self-test", action="store_true")
    parser.add_argument("--base-url", default="", help="an OpenAI-compatible server to reach")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="parley-self-test-") as scratch:
        home = os.environ.get(HOME_VARIABLE) or scratch
        paths = AppPaths.from_environment({HOME_VARIABLE: str(Path(home))})
        paths.ensure()
        qt_app = make_qt_app()
        return run_in_qt_loop(qt_app, lambda: run_self_test(qt_app, paths, args.base_url))
