"""Fixtures shared by every test: a private PARLEY_HOME, a qasync loop, the test server."""

from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Before anything imports Qt: headless, and no user configuration leaking in.
os.environ["QT_QPA_PLATFORM"] = "offscreen"
os.environ.pop("OPENAI_API_KEY", None)
os.environ["PARLEY_STRICT"] = "1"  # an unknown icon name raises (desktop_app/ui/icons.py)

from desktop_app.services.paths import AppPaths
from tests.openai_server import OpenAIServer
from tests.support.fake_keyring import FakeKeyring


@pytest.fixture(scope="session", autouse=True)
def gui_thread_gc(qapp) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """As in the app: cyclic garbage is collected on the GUI thread only (a collection that a
    worker thread triggered would destroy Qt objects off their thread)."""
    from desktop_app.ui.gc_guard import GuiThreadCollector

    collector = GuiThreadCollector(qapp)
    yield
    collector.stop()


@pytest.fixture(scope="session", autouse=True)
def sdk_loaded() -> None:
    """The OpenAI SDK imported once, before any test: the app imports it in a worker thread
    on first use, which on a cold machine (a fresh venv, nothing in the page cache) took
    longer than the first test of a file run alone waits for its connection."""
    import openai  # noqa: F401


@pytest.fixture(autouse=True)
def collect_after_each_test() -> Iterator[None]:
    """Tests that never process Qt events never run the collector's timer: collect the young
    generations after each, on this (the GUI) thread."""
    yield
    gc.collect(1)


@pytest.fixture(autouse=True)
def parley_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets its own data, config, cache and log folders; nothing touches the user's."""
    home = tmp_path / "parley-home"
    monkeypatch.setenv("PARLEY_HOME", str(home))
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    return home


@pytest.fixture
def paths(parley_home: Path) -> AppPaths:
    paths = AppPaths.from_environment({"PARLEY_HOME": str(parley_home)})
    paths.ensure()
    return paths


@pytest.fixture
def fake_keyring() -> FakeKeyring:
    return FakeKeyring()


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    with OpenAIServer() as server:
        yield server


@pytest.fixture
def qloop(qapp) -> Iterator[asyncio.AbstractEventLoop]:  # type: ignore[no-untyped-def]
    """A qasync event loop over the test QApplication, "already running" as in the app.

    Tests wait with `tests.support.loop.run` / `run_until` (or qtbot), which process Qt events
    and so drive the loop. At teardown every task still pending is cancelled and given a few
    seconds to finish, so a forgotten stream or poller can never hang the suite.
    """
    from desktop_app.ui.event_loop import make_event_loop
    from tests.support.loop import run, run_until

    loop = make_event_loop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    try:
        yield loop
    finally:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        run_until(loop, lambda: all(t.done() for t in pending), timeout=5)
        run(loop, loop.shutdown_asyncgens())
        qapp.aboutToQuit.disconnect(loop._after_run_forever)
        loop._after_run_forever()
        asyncio.events._set_running_loop(None)
        loop._QEventLoop__is_running = False  # qasync has no public way to leave this mode
        asyncio.set_event_loop(None)
        loop.close()
        # qasync's timers are QObjects: collect them here, on the GUI thread, rather than let a
        # later garbage collection in some worker thread destroy them (Qt warns about that).
        del loop
        gc.collect()
