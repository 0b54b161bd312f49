"""Composition root: the one place that builds services and wires them to the window.

Start-up order is deliberate. The window is shown first, with nothing heavy imported; then,
with the event loop running, the store is opened and the key looked up in worker threads, the
Chat tab is built, and only then does anything touch the network (in the background).

The application is `Parley`, put together from parts: `app_tabs` (the store and the tabs),
`app_connection` (the provider and its probes), `app_settings` (Settings) on `app_base` (the
state they share); `launch` holds the command line, logging and the Qt loop.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from desktop_app import APP_NAME
from desktop_app.app_base import provider_config
from desktop_app.app_connection import ConnectionMixin
from desktop_app.app_settings import SettingsMixin
from desktop_app.app_tabs import FIRST_FRAME_WAIT_S, TabsMixin
from desktop_app.core.tool_policy import ToolPolicy
from desktop_app.launch import (
    display_problem,
    idle_rss_kb,
    make_qt_app,
    parse_args,
    run_in_qt_loop,
    setup_logging,
)
from desktop_app.services.paths import HOME_VARIABLE, AppPaths
from desktop_app.services.private_files import private_umask
from desktop_app.services.provider_pool import ProviderPool
from desktop_app.services.secrets import KeyringLike, SecretStore
from desktop_app.services.settings import load_settings

if TYPE_CHECKING:  # imported for real in `start()`, after the first frame
    from desktop_app.services.chat_session import ChatSession
    from desktop_app.services.price_book import PriceBook
    from desktop_app.services.provider_sessions import ProviderSessions
    from desktop_app.services.spend_ledger import SpendLedger
    from desktop_app.services.store import Store
    from desktop_app.ui.data_care import DataCare
    from desktop_app.ui.usage.spend_controls import SpendControls

__all__ = [
    "FIRST_FRAME_WAIT_S",
    "Parley",
    "display_problem",
    "hand_over_to_running",
    "main",
    "make_qt_app",
    "parse_args",
    "provider_config",
    "run_in_qt_loop",
    "setup_logging",
]

log = logging.getLogger("desktop_app")


class Parley(ConnectionMixin, TabsMixin, SettingsMixin):
    """The running application: owns the services, the window and every background task."""

    def __init__(
        self,
        qt_app: Any,
        paths: AppPaths,
        *,
        secret_backend: KeyringLike | None = None,
        discovery_candidates: Sequence[str] | None = None,
        today: Callable[[], date] = date.today,
        now: Callable[[], datetime] = datetime.now,
    ) -> None:
        from desktop_app.ui.main_window import MainWindow
        from desktop_app.ui.task_keeper import TaskKeeper
        from desktop_app.ui.theme import apply_theme
        from desktop_app.ui.window_state import WindowState

        self.qt_app = qt_app
        self.paths = paths
        self.today = today  # the one clock every "what day is it" reads (tests fix it)
        self.now = now  # the time backups are named with and counted from
        paths.ensure()
        self.settings, settings_problem = load_settings(paths.settings_file)
        apply_theme(qt_app, self.settings.theme)
        self.secrets = SecretStore(paths.config_dir, secret_backend)
        self.pool = ProviderPool(self._key_for)  # the other providers' gateways
        self._make_mcp()  # nothing starts (nor is the SDK imported) until a server is needed
        self.others: ProviderSessions | None = None
        self._discovery_candidates = discovery_candidates
        self.tasks = TaskKeeper()
        # Closing replaced clients: awaited at shutdown, never cancelled (a cancelled close
        # leaves its connections open).
        self._closing: set[asyncio.Task[None]] = set()
        self.window = MainWindow()
        self.window.set_paths(paths)
        self.window.use_state(WindowState(paths.config_dir))
        self.window.set_provider(self.settings.provider_label)
        self.window.set_model(self.settings.default_model)
        if settings_problem:
            self.window.statusBar().showMessage(settings_problem, 10_000)
        self.closed = asyncio.Event()
        self.window.closing.connect(self.closed.set)
        self.first_frame = asyncio.Event()
        self.first_frame_time = 0.0
        self.window.first_painted.connect(self._on_window_first_painted)
        self.window.settings_requested.connect(self.open_settings)
        self._data_care: DataCare | None = None  # made after the first frame (see data_care)
        self.window.restore_requested.connect(lambda: self.data_care.open_restore())
        # Slots the window's signals reach in the tabs of one opening of the data: let go of
        # when the data is closed (a restore), so the next tabs are not reached twice.
        self._window_links: list[tuple[Any, Any]] = []
        self.store: Store | None = None
        self.tool_policy = ToolPolicy()  # in memory until the store opens (and if it cannot)
        self.chat: ChatSession | None = None
        self.chat_tab: Any = None
        self.images_tab: Any = None
        self.assistants_tab: Any = None
        self.history_tab: Any = None
        self.history_store: Any = None
        self.sidebar_store: Any = None
        self.training_tab: Any = None
        self.usage_tab: Any = None
        self.prices: PriceBook | None = None
        self.ledger: SpendLedger | None = None
        self.spend: SpendControls | None = None
        self.ready = asyncio.Event()

    # --- life cycle ----------------------------------------------------------------------

    def bring_to_front(self) -> None:
        """Another launch on this data folder asked for the window (it exits instead)."""
        log.info("another launch on this data folder: window brought to the front")
        self.window.bring_to_front()

    async def run(self, exit_after_first_frame: bool = False) -> int:
        self.window.show()
        if exit_after_first_frame:
            self.tasks.spawn(self._report_startup())
        await self.start()
        await self.closed.wait()
        await self.shutdown()
        return 0

    async def _report_startup(self) -> None:
        await self.first_frame.wait()
        print(f"FIRST_FRAME {self.first_frame_time:.6f}", flush=True)
        await self.ready.wait()
        await asyncio.sleep(1.5)
        print(f"IDLE_RSS_KB {idle_rss_kb()}", flush=True)
        self.window.close()

    async def shutdown(self) -> None:
        """Stop streams (their text is saved as interrupted), tasks, the client, the store."""
        if self._data_care is not None:
            await self._data_care.shutdown()
        await self._close_data()
        await self.mcp.shutdown()  # the servers' processes end with them

    async def _close_data(self) -> None:
        """Every tab, task, client and store let go of the database (shutdown, a restore)."""
        if self.chat_tab is not None:
            await self.chat_tab.shutdown()
        if self.images_tab is not None:
            await self.images_tab.shutdown()
        if self.assistants_tab is not None:
            await self.assistants_tab.shutdown()
        if self.history_tab is not None:
            await self.history_tab.shutdown()
        if self.training_tab is not None:
            await self.training_tab.shutdown()
        if self.spend is not None:
            await self.spend.shutdown()
        await self.tasks.shutdown()
        if self._closing:
            await asyncio.wait(set(self._closing), timeout=2.0)
        if self.chat is not None:
            await self.chat.flush()  # replies still being saved (a busy database) get saved
            await self.chat.gateway.aclose()
        for session in self.others.sessions if self.others is not None else []:
            await session.flush()
        for gateway in self.pool.release_all():
            await gateway.aclose()
        self.others = None
        if self.history_store is not None:
            self.history_store.close()
        if self.sidebar_store is not None:
            self.sidebar_store.close()
        if self.store is not None:
            self.store.close()
        for signal, slot in self._window_links:
            signal.disconnect(slot)
        self._window_links.clear()
        self.store = self.chat = self.prices = self.ledger = self.spend = None
        self.tool_policy = ToolPolicy()  # not over the closed store
        self.chat_tab = self.images_tab = self.assistants_tab = self.history_tab = None
        self.history_store = self.sidebar_store = self.training_tab = self.usage_tab = None
        self._closing.clear()
        self.window.set_connection("starting")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    problem = display_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    started = time.perf_counter()
    qt_app = make_qt_app()
    from desktop_app.ui.gc_guard import GuiThreadCollector

    qt_app.gc_collector = GuiThreadCollector(qt_app)  # cycles: on the GUI thread only
    private_umask()  # a second fence: whatever a library writes for us is private too
    paths = AppPaths.from_environment()
    paths.ensure()
    from desktop_app.ui.instance_guard import InstanceGuard

    guard = InstanceGuard(paths.data_dir)
    if not guard.acquire():  # before logging: this launch leaves the other's files alone
        return hand_over_to_running(guard)
    from desktop_app.ui.crash_notice import install_crash_reporting

    reporter = install_crash_reporting(qt_app, paths.log_dir)
    setup_logging(paths, reporter.secrets)
    log.info("starting; Qt loaded in %.3f s", time.perf_counter() - started)

    async def run() -> int:
        asyncio.get_running_loop().set_exception_handler(reporter.asyncio_handler)
        parley = Parley(qt_app, paths)
        reporter.add_secret_source(parley.secrets_in_use)
        guard.raise_requested.connect(parley.bring_to_front)
        return await parley.run(args.exit_after_first_frame)

    from desktop_app.ui.event_loop import leave

    try:
        code = run_in_qt_loop(qt_app, run)
    finally:
        guard.release()
    return leave(code)  # a worker still busy does not keep the process alive


def hand_over_to_running(guard: Any) -> int:
    """A second launch on a data folder already open: its window comes to the front instead."""
    if guard.ask_first_to_raise():
        print(
            f"{APP_NAME} is already running with the data folder {guard.data_dir}; "
            "its window was brought to the front.",
            file=sys.stderr,
        )
        return 0
    print(
        f"{APP_NAME} is already running with the data folder {guard.data_dir}, but it did not "
        "answer. Close it (or end it) and start again; to run a second one, give it another "
        f"data folder with the {HOME_VARIABLE} environment variable.",
        file=sys.stderr,
    )
    return 1
