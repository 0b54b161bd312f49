"""Settings' *Test connection* and *Refresh models* buttons, and what the server answered.

The row does no I/O: it is given `form` (the provider the dialog describes, validated — it
raises SettingsError for a value that cannot be tried — and the key typed for it, if any) and
two coroutine functions the app provides, which ask the server and answer with a
`ConnectionReport`. Each press runs in a task the row
keeps (the row shows itself busy at the press, before the task runs); the dialog's closing
cancels it, and the window never waits on the server.

Signals:
    answered(bool): a check ended, successfully or not (its sentence is in `result`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from desktop_app.core.providers import ProviderEntry
from desktop_app.services.connection_check import ConnectionReport
from desktop_app.services.settings import SettingsError
from desktop_app.ui.icons import set_icon
from desktop_app.ui.task_keeper import TaskKeeper
from desktop_app.ui.theme import set_tone
from desktop_app.ui.widgets.wrap_label import WrapLabel

# ask(provider, new_key_or_None) → what the server answered.
AskServer = Callable[[ProviderEntry, str | None], Awaitable[ConnectionReport]]
FormValues = Callable[[], tuple[ProviderEntry, str | None]]

ASKING_TEXT = "Asking the server…"


class ConnectionRow(QWidget):
    answered = Signal(bool)

    def __init__(
        self,
        form: FormValues,
        test: AskServer,
        refresh: AskServer,
        on_invalid: Callable[[SettingsError], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._form = form
        self._test = test
        self._refresh = refresh
        self._on_invalid = on_invalid
        self.tasks = TaskKeeper()
        self.test_button = QPushButton("Test connection")
        set_icon(self.test_button, "check")
        self.test_button.setToolTip(
            "Ask the server for its models with the values above, before saving them"
        )
        self.test_button.clicked.connect(lambda: self.test_connection())
        self.refresh_button = QPushButton("Refresh models")
        set_icon(self.refresh_button, "refresh")
        self.refresh_button.setToolTip(
            "Read the server's model list anew and check again what it can do"
        )
        self.refresh_button.clicked.connect(lambda: self.refresh_models())
        self.result = WrapLabel(min_lines=1)
        self.result.setAccessibleName("What the server answered")
        self.result.hide()
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.test_button)
        buttons.addWidget(self.refresh_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addWidget(self.result)

    @property
    def busy(self) -> bool:
        return not self.test_button.isEnabled()

    def test_connection(self) -> asyncio.Task[None] | None:
        """Press Test connection: busy at once, the answer when the server gives it."""
        return self._begin(self._test)

    def refresh_models(self) -> asyncio.Task[None] | None:
        return self._begin(self._refresh)

    def _begin(self, ask: AskServer) -> asyncio.Task[None] | None:
        """Validate the form and show the row busy now (not when the task first runs); None
        when the form has a value that cannot be tried (it is marked instead)."""
        try:
            provider, key = self._form()
        except SettingsError as exc:
            self._on_invalid(exc)
            return None
        self._set_busy(True)
        return self.tasks.spawn(self._answer(ask(provider, key)))

    async def _answer(self, asking: Awaitable[ConnectionReport]) -> None:
        try:
            report = await asking
        finally:
            self._set_busy(False)
        self._show(report)

    def _set_busy(self, busy: bool) -> None:
        self.test_button.setEnabled(not busy)
        self.refresh_button.setEnabled(not busy)
        if busy:
            set_tone(self.result, "muted")
            self.result.setText(ASKING_TEXT)
            self.result.show()

    def _show(self, report: ConnectionReport) -> None:
        set_tone(self.result, "success" if report.ok else "error")
        self.result.setText(report.text)
        self.result.show()
        self.answered.emit(report.ok)

    def cancel(self) -> None:
        """The dialog closes: a question still out is dropped (its client closes)."""
        self.tasks.cancel_all()
