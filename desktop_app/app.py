"""Composition root: the one place that builds services and wires them to the window.

Start-up order is deliberate. The window is shown first, with nothing heavy imported; then,
with the event loop running, the store is opened and the key looked up in worker threads, the
Chat tab is built, and only then does anything touch the network (in the background).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
import time
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from desktop_app import APP_NAME
from desktop_app.services.gateway import ProviderConfig
from desktop_app.services.paths import HOME_VARIABLE, AppPaths
from desktop_app.services.private_files import private_umask, tighten_once
from desktop_app.services.provider_pool import ProviderPool, config_for
from desktop_app.services.secrets import KeyringLike, SecretError, SecretStore
from desktop_app.services.settings import Settings, load_settings, save_settings
from desktop_app.services.temp_files import remove_stale_temps_in

if TYPE_CHECKING:  # imported for real in `start()`, after the first frame
    from desktop_app.core.assistants import AssistantProfile
    from desktop_app.core.providers import ProviderEntry
    from desktop_app.services.chat_session import ChatSession
    from desktop_app.services.connection_check import ConnectionReport
    from desktop_app.services.discovery import FoundServer
    from desktop_app.services.price_book import PriceBook
    from desktop_app.services.provider_sessions import ProviderSessions
    from desktop_app.services.spend_ledger import SpendLedger
    from desktop_app.services.store import Store
    from desktop_app.ui.data_care import DataCare
    from desktop_app.ui.usage.spend_controls import SpendControls

log = logging.getLogger("desktop_app")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="parley",
        description=f"{APP_NAME} desktop app",
        epilog="Other modes: --self-test [--base-url URL] checks this installation headless; "
        "--install-desktop-entry / --uninstall-desktop-entry add Parley to (or remove it "
        "from) the Linux application menu.",
    )
    parser.add_argument(
        "--exit-after-first-frame",
        action="store_true",
        help="print FIRST_FRAME and IDLE_RSS_KB, then quit (for bench/startup.py)",
    )
    return parser.parse_args(argv)


def display_problem(environ: dict[str, str] | os._Environ[str] | None = None) -> str:
    """On Linux, a sentence saying there is no display to open a window on, or ''."""
    environ = os.environ if environ is None else environ
    if not sys.platform.startswith("linux") or environ.get("QT_QPA_PLATFORM"):
        return ""
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return ""
    return (
        "Parley needs a display, and none was found (DISPLAY and WAYLAND_DISPLAY are unset).\n"
        "On a machine without a screen, run it under a virtual one:\n"
        "    xvfb-run -a python -m desktop_app        (apt-get install xvfb)"
    )


def setup_logging(paths: AppPaths, secrets: Callable[[], Iterable[str]] = list) -> None:
    """The log file; every line of it (and of any handler added here) has `secrets()` and
    key-shaped strings taken out."""
    from desktop_app.services.private_files import PrivateRotatingFileHandler
    from desktop_app.services.redaction import RedactingFormatter

    handler = PrivateRotatingFileHandler(
        paths.log_dir / "parley.log", maxBytes=1_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(
        RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets)
    )
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    # The SDK and its HTTP client log request details at DEBUG/INFO; keep them out of the file
    # (no headers, so no key, can ever land there).
    for noisy in ("openai", "httpx2", "httpcore2", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def provider_config(settings: Settings, api_key: str) -> ProviderConfig:
    """The main provider's configuration."""
    return config_for(settings.main_provider, api_key, settings.request_timeout)


def idle_rss_kb() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


FIRST_FRAME_WAIT_S = 1.0  # a window that never paints (no screen) must not hold start-up


class Parley:
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

    # --- start-up ------------------------------------------------------------------------

    @property
    def data_care(self) -> DataCare:
        """Backups, restore, and the ways forward from a damaged file; made on first use
        (start-up, after the first frame), so nothing of it is imported before the window."""
        if self._data_care is None:
            from desktop_app.ui.data_care import DataCare

            self._data_care = DataCare(
                self.window,
                self.paths.database,
                lambda: self.settings.backups_kept,
                self.now,
                self._close_data,
                self.start,
                self._notify,
            )
        return self._data_care

    def _on_window_first_painted(self, when: float) -> None:
        self.first_frame_time = when
        self.first_frame.set()

    def _tidy_folders(self) -> None:
        """Before the store opens, in a worker thread: an older install (0755 folders, 0644
        files) is made private once; what a killed Parley was writing when it died goes."""
        paths = self.paths
        tighten_once(paths.folders, paths.config_dir / ".private-modes")
        own = [paths.data_dir, paths.attachments_dir, paths.config_dir, paths.cache_dir]
        remove_stale_temps_in(own)

    async def start(self) -> None:
        """Everything after the first frame: store, key, services, Chat tab, then network.

        The tabs' modules are imported only once the window has painted (they take tens of
        milliseconds), so the window appears before any of it."""
        if self.window.isVisible():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.first_frame.wait(), FIRST_FRAME_WAIT_S)
        from desktop_app.core.sentiment import SentimentAnalyzer
        from desktop_app.services.assistant_remote import AssistantRemote
        from desktop_app.services.chat_session import ChatSession
        from desktop_app.services.gateway import Gateway
        from desktop_app.services.model_catalog import ModelCatalog
        from desktop_app.services.price_book import EDITS_FILE, PriceBook
        from desktop_app.services.spend_ledger import SpendLedger
        from desktop_app.services.store import Store, StoreError
        from desktop_app.services.store_errors import READ_ONLY
        from desktop_app.ui.chat.chat_tab import ChatTab

        await asyncio.to_thread(self._tidy_folders)
        try:
            self.store = await asyncio.to_thread(
                Store.open,
                self.paths.database,
                self.paths.attachments_dir,
                keep_backups=self.settings.backups_kept,
            )
        except StoreError as exc:
            # Said where the user looks, with what can be done: nothing works without it.
            log.error("store: %s", exc)
            if exc.kind != READ_ONLY or not await self._start_read_only(exc):
                self.data_care.show_problem(exc)
            self.ready.set()
            return
        key = await asyncio.to_thread(self._lookup_key)
        prices = self.prices = PriceBook(self.paths.config_dir / EDITS_FILE)
        await asyncio.to_thread(prices.load)
        if prices.problem:
            self.window.statusBar().showMessage(prices.problem, 15_000)
        self.ledger = SpendLedger(self.store, prices)
        gateway = Gateway(provider_config(self.settings, key))
        sentiment = SentimentAnalyzer()
        self.chat = ChatSession(
            self.store, gateway, sentiment, wire_api=self.settings.wire_api, ledger=self.ledger
        )
        self.catalog = ModelCatalog(self.store, gateway, lambda: prices.table, self.today)
        self.remote = AssistantRemote(gateway)
        self.others = self._other_providers(sentiment)
        tab = ChatTab(self.chat, self.catalog, self.settings.default_model, others=self.others)
        tab.show_sentiment(self.settings.show_sentiment)
        tab.settings_requested.connect(self.open_settings)
        tab.connection_changed.connect(self.window.set_connection)
        tab.model_changed.connect(self.window.set_model)
        self._link(self.window.new_chat_requested, tab.new_dialogue)
        self._link(self.window.regenerate_requested, lambda: tab.tasks.spawn(tab.regenerate()))
        self.window.set_tab("Chat", tab)
        self.chat_tab = tab
        self._build_assistants_tab()
        tab.setFocus()
        self._build_images_tab()
        self._build_usage_tab()
        self._build_training_tab()
        self._after_gateway_change()
        self.tasks.spawn(self.refresh_other_models())
        await self.start_history()  # reopens the last conversation: notices come after it
        if self.store.recovered_replies:
            count = self.store.recovered_replies
            tab.show_notice(
                f"{count} {'reply was' if count == 1 else 'replies were'} cut off when Parley "
                "last closed; the text up to that moment is kept and marked interrupted.",
                "info",
            )
        if self.store.started_empty:
            tab.show_notice(
                "Parley's data file was empty (0 bytes), so Parley starts with no history.",
                "warning",
            )
        self.data_care.timer.start()
        self.ready.set()

    def _link(self, signal: Any, slot: Callable[..., Any]) -> None:
        signal.connect(slot)
        self._window_links.append((signal, slot))

    def _notify(self, text: str, level: str) -> None:
        """A sentence for the user, in the Chat tab's banner (the status bar before it)."""
        if self.chat_tab is not None:
            self.chat_tab.show_notice(text, level)
        elif self.history_tab is not None:
            self.history_tab.show_notice(text, level)
        else:
            self.window.statusBar().showMessage(text, 30_000)

    async def _start_read_only(self, problem: Exception) -> bool:
        """A read-only folder or file: History reads it as it is; the other tabs say that
        nothing new can be saved. False when even reading is not possible."""
        from desktop_app.services.history_store import HistoryStore
        from desktop_app.services.store import StoreError
        from desktop_app.ui.history.history_tab import HistoryTab

        try:
            self.history_store = await asyncio.to_thread(
                HistoryStore.open, self.paths.database, self.paths.attachments_dir, read_only=True
            )
        except StoreError as exc:
            log.error("read-only history: %s", exc)
            return False
        text = (
            f"{problem} Your dialogues can be read in the History tab, but nothing new can be "
            "saved: chats, images, assistants and training need to write. Make the folder "
            "writable, then restart Parley."
        )
        self.data_care.show_read_only(text)
        tab = HistoryTab(self.history_store)
        tab.show_sentiment(self.settings.show_sentiment)
        tab.set_read_only()
        self.window.set_tab("History", tab)
        self.window.tabs.setCurrentWidget(tab)
        self.history_tab = tab
        tab.show_notice(
            "Parley's data is read-only: you can read and search your dialogues here, but "
            "nothing new can be saved.",
            "warning",
        )
        self.window.set_connection("read-only")
        return True

    async def start_history(self) -> None:
        """The History tab: it needs only the database (its own connection), no key, no net."""
        from desktop_app.services.history_store import HistoryStore
        from desktop_app.services.store import StoreError
        from desktop_app.ui.history.history_tab import HistoryTab

        try:
            self.history_store = await asyncio.to_thread(
                HistoryStore.open, self.paths.database, self.paths.attachments_dir
            )
        except StoreError as exc:
            log.error("history store: %s", exc)
            return
        await self._start_chat_sidebar()
        tab = HistoryTab(self.history_store)
        tab.show_sentiment(self.settings.show_sentiment)
        tab.continue_requested.connect(self.continue_in_chat)
        self._link(self.window.connection_changed, tab.set_connection)
        tab.set_connection(self.window.connection_state)
        self.window.set_tab("History", tab)
        self.history_tab = tab
        if self.training_tab is not None:
            self.training_tab.set_facets_source(self.history_store.facets)

    async def _start_chat_sidebar(self) -> None:
        """The Chat tab's conversation list (on a connection of its own, so it sees what
        History and imports change), and the conversation open when Parley last closed."""
        from desktop_app.services.history_store import HistoryStore
        from desktop_app.services.store import StoreError
        from desktop_app.ui.chat.sidebar import ChatSidebar

        if self.chat_tab is None:
            return
        try:
            self.sidebar_store = await asyncio.to_thread(
                HistoryStore.open, self.paths.database, self.paths.attachments_dir
            )
        except StoreError as exc:
            log.error("sidebar store: %s", exc)
            return
        sidebar = ChatSidebar(self.sidebar_store, clock=lambda: time.time())
        state = self.window.state
        if state is not None:
            sidebar.set_collapsed(state.value("chat/sidebar_collapsed", False) is True)
            sidebar.collapsed_changed.connect(
                lambda collapsed: state.set_value("chat/sidebar_collapsed", collapsed)
            )
            self.chat_tab.dialogue_opened.connect(
                lambda dialogue_id: state.set_value("chat/last_dialogue", dialogue_id or 0)
            )
        self.chat_tab.attach_sidebar(sidebar)
        last = state.value("chat/last_dialogue", 0) if state is not None else 0
        store = self.store
        fresh = self.chat_tab.dialogue_id is None and store is not None
        if fresh and isinstance(last, int) and last > 0 and store and store.is_live(last):
            self.chat_tab.open_dialogue(last)

    def _build_assistants_tab(self) -> None:
        """The Assistants tab, wired to the Chat tab: "Set active" there changes who answers
        here, and the Chat tab's choice (header, re-opened dialogue) shows there."""
        from desktop_app.core.assistants import starter_profiles
        from desktop_app.ui.assistants.assistants_tab import AssistantsTab

        assert self.store is not None and self.chat_tab is not None
        self.store.seed_assistants(starter_profiles(self.settings.default_model))
        tab = AssistantsTab(
            self.store,
            self.remote,
            self.catalog.cached,
            self.settings.default_model,
            retirement=self.catalog.retirement,
            model_tips=self.catalog.descriptions,
            today=self.today,
        )
        tab.activation_requested.connect(self.chat_tab.set_assistant)
        tab.assistant_saved.connect(self._on_assistant_saved)
        tab.assistant_deleted.connect(self._on_assistant_deleted)
        self.chat_tab.assistant_changed.connect(tab.mark_active)
        # A reply may have found the server without Responses ("auto" remembers it).
        self.chat_tab.busy_changed.connect(
            lambda busy: None if busy else self._update_tools_availability()
        )
        self.window.set_tab("Assistants", tab)
        self.assistants_tab = tab

    def _on_assistant_saved(self, profile: AssistantProfile) -> None:
        active = self.chat_tab.assistant
        if active is not None and active.id == profile.id:
            self.chat_tab.set_assistant(profile)

    def _on_assistant_deleted(self, assistant_id: int) -> None:
        active = self.chat_tab.assistant
        if active is not None and active.id == assistant_id:
            self.chat_tab.set_assistant(None)

    def _update_tools_availability(self) -> None:
        """Server-run tools need the Responses API: say in the editor when they cannot work."""
        from desktop_app.core.wire_apis import CHAT_COMPLETIONS
        from desktop_app.services.wire_api import choose_wire_api

        if self.assistants_tab is None or self.store is None or self.chat is None:
            return
        config = self.chat.gateway.config
        if self.settings.wire_api == CHAT_COMPLETIONS:
            self.assistants_tab.set_tools_available(
                False, "Tools need the Responses API; Settings says to use chat completions."
            )
        elif choose_wire_api(self.store, self.settings.wire_api, config) == CHAT_COMPLETIONS:
            self.assistants_tab.set_tools_available(
                False,
                "This server has no Responses API, so tools are not available; assistants "
                "work without them.",
            )
        else:
            self.assistants_tab.set_tools_available(True)

    def secrets_in_use(self) -> list[str]:
        """The API keys the app holds right now (crash reports redact them)."""
        if self.chat is None:
            return []
        return [self.chat.gateway.config.api_key, *(g.config.api_key for g in self.pool.gateways)]

    def _other_providers(self, sentiment: Any) -> ProviderSessions:
        """The providers beside the main one: a gateway and a chat session each, made when
        a message first goes to one of them."""
        from desktop_app.services.chat_session import ChatSession
        from desktop_app.services.provider_sessions import ProviderSessions

        assert self.store is not None
        self.pool.configure(self.settings.other_providers, self.settings.request_timeout)

        def make_session(gateway: Any, provider_id: str) -> ChatSession:
            assert self.store is not None
            return ChatSession(
                self.store,
                gateway,
                sentiment,
                wire_api=self.settings.wire_api,
                ledger=self.ledger,
                provider_id=provider_id,
            )

        return ProviderSessions(self.store, self.pool, make_session)

    def _key_for(self, provider_id: str) -> str:
        return self.secrets.get_key(provider_id, self.settings.plaintext_key_consent).key

    async def refresh_other_models(self) -> None:
        """Every other provider's model list, read in the background into the picker."""
        if self.others is None or not self.settings.other_providers:
            return
        await self.others.refresh()
        if self.chat_tab is not None:
            self.chat_tab.show_cached_models()

    def _build_images_tab(self) -> None:
        from desktop_app.services.image_describer import ImageDescriber
        from desktop_app.ui.images.images_tab import ImagesTab

        assert self.chat is not None
        tab = ImagesTab(ImageDescriber(self.chat), self.catalog, self.settings.default_model)
        tab.chat_requested.connect(self.continue_in_chat)
        self.window.set_tab("Images", tab)
        self.images_tab = tab

    def _build_training_tab(self) -> None:
        """The Training tab: datasets need only the store; jobs need the server's fine-tuning
        (the tab learns whether it has it from the capabilities, in `connect`)."""
        from desktop_app.services.fine_tuning import FineTuningService
        from desktop_app.ui.training.training_tab import TrainingTab

        assert self.store is not None and self.chat is not None
        self.fine_tuning = FineTuningService(self.chat.gateway, self.store)
        tab = TrainingTab(self.store, self.fine_tuning)
        tab.model_ready.connect(self._on_fine_tuned_model_ready)
        self.window.set_tab("Training", tab)
        self.training_tab = tab

    def _on_fine_tuned_model_ready(self, model_id: str, _description: str) -> None:
        """A job succeeded: its model joins the pickers of Chat and Assistants (the job's
        description shows as the item's tooltip)."""
        self.catalog.add_fine_tuned(model_id)
        self.chat_tab.show_cached_models()
        self.assistants_tab.refresh_models()
        self.training_tab.set_models(self.catalog.cached())

    def _build_usage_tab(self) -> None:
        """The Usage tab, and budget warnings in the Chat tab as replies are priced."""
        from desktop_app.ui.usage.spend_controls import SpendControls

        assert self.ledger is not None and self.prices is not None
        self.spend = SpendControls(
            self.ledger,
            self.prices,
            lambda: self.settings.monthly_budget,
            self.window.tabs,
            self.chat_tab,
            self.today,
        )
        self.usage_tab = self.spend.usage_tab
        self.window.set_tab("Usage", self.usage_tab)

    def continue_in_chat(self, dialogue_id: int) -> None:
        """Open a dialogue (an image's, from the Images tab) in the Chat tab."""
        if self.chat_tab.busy:
            self.chat_tab.show_notice(
                "A reply is still being written here; stop it or let it finish, then press "
                "“Ask in Chat” again.",
                "info",
            )
        else:
            self.chat_tab.open_dialogue(dialogue_id)
        self.window.tabs.setCurrentWidget(self.chat_tab)
        self.chat_tab.setFocus()

    def _lookup_key(self) -> str:
        return self.secrets.get_key(self.settings.provider, self.settings.plaintext_key_consent).key

    def _after_gateway_change(self) -> None:
        assert self.chat is not None
        config = self.chat.gateway.config
        self.window.set_provider(config.label)
        self._update_tools_availability()
        self.training_tab.refresh_provider()
        if config.has_key:
            self.chat_tab.banner.clear()
            self.window.set_connection("checking")
            self.training_tab.set_capabilities(None)
            self.tasks.spawn(self.connect())
        else:
            self.window.set_connection("no key")
            self.training_tab.set_capabilities(
                None,
                "No API key is set, so jobs cannot be started; datasets can still be built, "
                "validated and saved.",
            )
            self.chat_tab.show_setup_hint()
            if not self.settings.first_run_done:
                self.tasks.spawn(self.offer_local_server())

    async def connect(self, again: bool = False) -> None:
        """Fill the model picker from the server and learn what the provider can do (from
        the cache unless it has expired or `again` says to ask anew)."""
        from desktop_app.services import capabilities as probes

        assert self.chat is not None and self.store is not None
        await self.chat_tab.refresh_models()
        await self.images_tab.refresh_models()
        gateway = self.chat.gateway
        config = gateway.config
        if again:
            probes.forget(self.store, config)
        cached = probes.cached(self.store, config, time.time())
        if cached is None:
            found = await probes.probe(gateway)
            if gateway is not self.chat.gateway:  # the server changed meanwhile
                return
            probes.remember(self.store, config, found)
            if not found.answered:
                self.training_tab.set_capabilities(
                    None, "Could not reach the server to ask whether it offers fine-tuning."
                )
                return
            cached = found.to_dict()
            self._update_tools_availability()
        self.window.set_capabilities(cached)
        self.training_tab.set_capabilities(cached)
        self.training_tab.set_models(self.catalog.cached())

    async def offer_local_server(self) -> None:
        from desktop_app.services.discovery import discover_local

        found = await discover_local(self._discovery_candidates)
        if not found or self.chat_tab is None:
            return
        server = found[0]
        count = len(server.models)
        listed = f"{count} model{'s' if count != 1 else ''}" if count else "no model list"
        self.chat_tab.show_notice(
            f"No API key is set, but {server.label} is running on this computer "
            f"({server.base_url}, {listed}). Use it?",
            "info",
            f"Use {server.label}",
            lambda: self.use_local_server(server),
        )

    def use_local_server(self, server: FoundServer) -> None:
        # No list (a server without /v1/models): no model either, rather than the last
        # provider's, which this one would refuse or, ignoring names, be priced as.
        model = server.models[0] if server.models else ""
        settings = replace(
            self.settings,
            provider=server.provider,
            base_url=server.base_url,
            default_model=model,
            first_run_done=True,
        )
        problem = self.apply_settings(settings, None)
        if problem:
            self.chat_tab.show_notice(problem)

    # --- settings ------------------------------------------------------------------------

    def open_settings(self) -> None:
        from desktop_app.ui.settings_dialog import SettingsDialog

        consent = self.settings.plaintext_key_consent
        lookup = self.secrets.get_key(self.settings.provider, consent)
        with_keys = {
            entry.id
            for entry in self.settings.other_providers
            if self.secrets.get_key(entry.id, consent).found
        }
        dialog = SettingsDialog(
            self.settings,
            lookup,
            self.secrets.backend_status(),
            self.apply_settings,
            self.window,
            edit_prices=self._open_prices if self.spend is not None else None,
            test_connection=self.check_connection,
            refresh_models=self.refresh_models,
            other_keys=with_keys,
        )
        self.settings_dialog = dialog
        dialog.open()  # not exec(): the asyncio loop must keep running

    def _form_config(self, entry: ProviderEntry, new_key: str | None) -> ProviderConfig:
        """The provider a Settings form describes, with the key typed in it or else the one
        kept for that provider."""
        if new_key is None:
            new_key = self.secrets.get_key(entry.id, self.settings.plaintext_key_consent).key
        return config_for(entry, new_key, self.settings.request_timeout)

    async def check_connection(self, entry: ProviderEntry, new_key: str | None) -> ConnectionReport:
        """Settings' Test connection: the form's server asked for its models, nothing saved."""
        from desktop_app.services.connection_check import check_connection

        config = await asyncio.to_thread(self._form_config, entry, new_key)
        return await check_connection(config)

    async def refresh_models(self, entry: ProviderEntry, new_key: str | None) -> ConnectionReport:
        """Settings' Refresh models: the form's server's list read into the cache and its
        capabilities forgotten; when it is the server in use, the pickers and the probes
        follow at once."""
        from desktop_app.services.connection_check import ConnectionReport, refresh_models

        if self.store is None:
            return ConnectionReport(
                False, "Parley's data is not open, so a model list cannot be kept right now."
            )
        config = await asyncio.to_thread(self._form_config, entry, new_key)
        report = await refresh_models(self.store, config)
        in_use = self.chat is not None and self.chat.gateway.config.cache_key == config.cache_key
        if report.ok and self.chat_tab is not None:
            self.chat_tab.show_cached_models()  # another provider's models are listed there too
            if in_use:
                self.tasks.spawn(self.connect())
        return report

    def _open_prices(self) -> None:
        assert self.spend is not None
        self.spend.open_prices(self.settings_dialog)

    def apply_settings(
        self,
        settings: Settings,
        new_key: str | None,
        other_keys: Mapping[str, str] | None = None,
    ) -> str | None:
        """Save settings (and the keys, to the keyring: `new_key` the main provider's,
        `other_keys` the others' by id, "" deleting one); rebuild the gateways whose
        configuration changed. An error sentence, or None."""
        consent = settings.plaintext_key_consent
        keys = dict(other_keys or {})
        if new_key is not None:
            keys[settings.provider] = new_key
        try:
            for provider_id, key in keys.items():
                kept = self.secrets.get_key(provider_id, consent).source in ("keyring", "file")
                if key or kept:  # deleting a key that was never kept is nothing to do
                    self.secrets.set_key(provider_id, key, consent)
        except SecretError as exc:
            return str(exc)
        settings = replace(settings, first_run_done=True)
        try:
            save_settings(settings, self.paths.settings_file)
        except OSError as exc:
            from desktop_app.services.failure_text import failure_message

            return failure_message("Saving the settings", exc)
        from desktop_app.ui.theme import apply_theme

        self.settings = settings
        apply_theme(self.qt_app, settings.theme)
        if self.chat_tab is not None:
            self.chat_tab.show_sentiment(settings.show_sentiment)
        if self.history_tab is not None:
            self.history_tab.show_sentiment(settings.show_sentiment)
        if self.spend is not None:  # a lower budget may already be reached
            self.tasks.spawn(self.spend.check_budget())
        if self.chat is not None:
            from desktop_app.services.gateway import Gateway
            from desktop_app.services.wire_api import forget_wire_api

            self.chat.wire_api = settings.wire_api
            for session in self.others.sessions if self.others is not None else []:
                session.wire_api = settings.wire_api
            rekeyed = set(keys) - {settings.provider}
            for released in self.pool.configure(
                settings.other_providers, settings.request_timeout, rekeyed
            ):
                self._close_later(released)
            if self.chat_tab is not None:
                self.chat_tab.show_cached_models()
            self.tasks.spawn(self.refresh_other_models())
            old = self.chat.gateway
            config = provider_config(settings, self._lookup_key())
            if config != old.config:  # else the connection (and any reply on it) goes on
                gateway = Gateway(config)
                self.chat.gateway = self.catalog.gateway = self.remote.gateway = gateway
                self.fine_tuning.gateway = gateway
                self._close_later(old)
            if config.cache_key != old.config.cache_key and self.chat_tab is not None:
                self.chat_tab.switch_provider(settings.default_model)
            if self.store is not None:  # the server may have changed: ask it again
                forget_wire_api(self.store, config.cache_key)
            self._after_gateway_change()
        return None

    def _busy(self) -> bool:
        return bool(
            (self.chat_tab is not None and self.chat_tab.busy)
            or getattr(self.images_tab, "busy", False)
        )

    def _close_later(self, old: Any) -> None:
        closing = asyncio.ensure_future(self._close_when_idle(old))
        self._closing.add(closing)
        closing.add_done_callback(self._closing.discard)

    async def _close_when_idle(self, old: Any) -> None:
        """Close a replaced client once nothing streams through it: a reply or a batch that
        started before the change finishes on the server it started with."""
        while self._busy():
            await asyncio.sleep(0.5)
        await old.aclose()

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
        self.chat_tab = self.images_tab = self.assistants_tab = self.history_tab = None
        self.history_store = self.sidebar_store = self.training_tab = self.usage_tab = None
        self._closing.clear()
        self.window.set_connection("starting")


def make_qt_app() -> Any:
    from PySide6.QtWidgets import QApplication

    qt_app = QApplication.instance()
    if not isinstance(qt_app, QApplication):
        qt_app = QApplication([sys.argv[0]])
    qt_app.setApplicationName(APP_NAME)
    qt_app.setOrganizationName(APP_NAME)
    qt_app.setQuitOnLastWindowClosed(False)  # the window's close ends `run`, which cleans up
    qt_app.setDesktopFileName("parley")  # matches resources/linux/parley.desktop (Wayland)
    from desktop_app.ui.app_icon import app_icon

    qt_app.setWindowIcon(app_icon())
    return qt_app


def run_in_qt_loop(qt_app: Any, make_coro: Callable[[], Coroutine[Any, Any, int]]) -> int:
    """Run a coroutine on a qasync loop (Python 3.11 has no asyncio.run(loop_factory=…))."""
    from desktop_app.ui.event_loop import make_event_loop

    with asyncio.Runner(loop_factory=lambda: make_event_loop(qt_app)) as runner:
        return runner.run(make_coro())


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
