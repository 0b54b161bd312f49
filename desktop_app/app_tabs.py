"""Start-up of the data and the tabs: the store opened after the first frame (or read-only,
History alone), the services on it, and the Chat, Assistants, Images, Usage, Training and
History tabs built and wired to each other and to the window."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Any

from desktop_app.app_base import AppBase, provider_config
from desktop_app.services.private_files import tighten_once

if TYPE_CHECKING:  # imported for real in `start()`, after the first frame
    from desktop_app.core.assistants import AssistantProfile
    from desktop_app.services.provider_sessions import ProviderSessions
    from desktop_app.ui.data_care import DataCare

log = logging.getLogger("desktop_app")

FIRST_FRAME_WAIT_S = 1.0  # a window that never paints (no screen) must not hold start-up


class TabsMixin(AppBase):
    """The store and the tabs of one opening of the data (start-up, and again after a
    restore)."""

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
        from desktop_app.services.temp_files import remove_stale_temps_in

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
        from desktop_app.core.tool_policy import ToolPolicy
        from desktop_app.services.assistant_remote import AssistantRemote
        from desktop_app.services.chat_session import ChatSession
        from desktop_app.services.gateway import Gateway
        from desktop_app.services.model_catalog import ModelCatalog
        from desktop_app.services.price_book import EDITS_FILE, PriceBook
        from desktop_app.services.spend_ledger import SpendLedger
        from desktop_app.services.store import Store, StoreError
        from desktop_app.services.store_errors import READ_ONLY
        from desktop_app.services.tool_decisions import StoredDecisions
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
        self.tool_policy = ToolPolicy(StoredDecisions(self.store))  # kept until revoked
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
        tab.set_tool_source(
            lambda: self.mcp,
            lambda: self.tool_policy,
            lambda: list(self.settings.mcp_servers),
            self.open_tools_settings,
        )
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
            other_models=self.others.groups if self.others is not None else None,
            main_label=self._main_label,
        )
        tab.set_mcp_servers([s.name for s in self.settings.mcp_servers])
        from desktop_app.app_knowledge import wire_knowledge

        wire_knowledge(self, tab)
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

    def _main_label(self) -> str:
        """What the model pickers call the main provider, above its models."""
        from desktop_app.core.providers import provider_label

        assert self.chat is not None
        config = self.chat.gateway.config
        return provider_label(config.provider, config.base_url or "")

    def _on_assistant_saved(self, profile: AssistantProfile) -> None:
        active = self.chat_tab.assistant
        if active is not None and active.id == profile.id:
            self.chat_tab.set_assistant(profile)

    def _on_assistant_deleted(self, assistant_id: int) -> None:
        active = self.chat_tab.assistant
        if active is not None and active.id == assistant_id:
            self.chat_tab.set_assistant(None)

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

    async def refresh_other_models(self) -> None:
        """Every other provider's model list, read in the background into the picker."""
        if self.others is None or not self.settings.other_providers:
            return
        await self.others.refresh()
        if self.chat_tab is not None:
            self.chat_tab.show_cached_models()
        if self.images_tab is not None:
            self.images_tab.show_cached_models()

    def _build_images_tab(self) -> None:
        from desktop_app.services.image_describer import ImageDescriber
        from desktop_app.ui.images.images_tab import ImagesTab

        assert self.chat is not None
        tab = ImagesTab(
            ImageDescriber(self.chat),
            self.catalog,
            self.settings.default_model,
            others=self.others,
            main_label=self._main_label,
        )
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
