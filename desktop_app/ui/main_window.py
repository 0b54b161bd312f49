"""The main window: tabs, menus and a status bar showing provider, model and connection.

It is shown before any service is ready (start-up is a feature): the Chat tab starts as a
"Starting…" page and is swapped in by the app once the store and gateway exist.

Signals:
    settings_requested(): File → Settings… (Ctrl+,).
    new_chat_requested(): File → New chat (Ctrl+N).
    regenerate_requested(): Chat → Regenerate (Ctrl+R).
    restore_requested(): File → Restore from backup….
    first_painted(float): the window painted for the first time (time.time() of it).
    connection_changed(str): the connection state shown changed ("online", "offline", …).
    closing(): the user closed the window; the app cleans up and exits.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal, SignalInstance
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QLayout,
    QMainWindow,
    QMenu,
    QMessageBox,
    QTabWidget,
    QWidget,
)

from desktop_app import APP_NAME
from desktop_app.core.providers import model_label
from desktop_app.services.app_info import app_version, build_kind
from desktop_app.services.paths import AppPaths
from desktop_app.ui.theme import theme_colors
from desktop_app.ui.widgets.wrap_label import WrapLabel
from desktop_app.ui.window_state import WindowState

PLACEHOLDERS = {
    "Images": "Drop, paste or open images and have the model describe them — one or a batch.",
    "Assistants": "Named assistant profiles kept on this computer, run through the Responses "
    "API where the server has it.",
    "Training": "Build and validate fine-tuning datasets, upload them, and follow jobs.",
    "History": "Browse, search, export and re-open every past dialogue — offline.",
    "Usage": "What every reply cost, per day, model, assistant and dialogue.",
}
CONNECTION_TEXT = {
    "starting": "Starting…",
    "checking": "Connecting…",
    "online": "Connected",
    "offline": "Offline",
    "no answer": "Not answering",
    "no key": "No API key",
    "key refused": "Key refused",
    "server error": "Server problem",
    "read-only": "Read-only",
    "no data": "Data not opened",
}
# The mark beside the connection state: its icon and the theme colour it is drawn in.
CONNECTION_MARKS = {
    "online": ("check", "success"),
    "offline": ("warning", "warning"),
    "no answer": ("warning", "warning"),
    "no key": ("warning", "warning"),
    "key refused": ("error", "error"),
    "server error": ("warning", "warning"),
    "read-only": ("warning", "warning"),
    "no data": ("error", "error"),
}
# What the window may be made as small as; every tab's minimum fits inside it, and it fits an
# 800×600 screen with the window's frame and a panel.
MIN_SIZE = QSize(720, 520)
DEFAULT_SIZE = QSize(1000, 720)
CAPABILITY_NAMES = {
    "models": "model list",
    "chat_completions": "chat completions",
    "responses": "Responses API",
    "files": "files",
    "fine_tuning": "fine-tuning",
}


def placeholder(text: str, heading: str = "Coming soon") -> QLabel:
    title = f"<p style='font-size:large'>{heading}</p>" if heading else ""
    label = WrapLabel(f"{title}<p>{text}</p>")
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setMargin(40)
    return label


def fitting_size(wanted: QSize) -> QSize:
    """`wanted`, made smaller where the screen is (nine tenths of what it has free)."""
    screen = QGuiApplication.primaryScreen()
    if screen is None:
        return wanted
    free = screen.availableGeometry().size() * 0.9
    return wanted.boundedTo(free).expandedTo(MIN_SIZE)


class MainWindow(QMainWindow):
    settings_requested = Signal()
    new_chat_requested = Signal()
    regenerate_requested = Signal()
    restore_requested = Signal()
    first_painted = Signal(float)
    connection_changed = Signal(str)
    closing = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.painted = False
        self.app_paths: AppPaths | None = None
        self.state: WindowState | None = None
        self.setWindowTitle(APP_NAME)
        # The window never resizes itself to fit its contents (a long notice once made it
        # grow); its minimum is fixed, and each tab's minimum is kept inside it.
        layout = self.layout()
        if layout is not None:
            layout.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
        self.setMinimumSize(MIN_SIZE)
        self.resize(fitting_size(DEFAULT_SIZE))
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(placeholder("Opening your dialogues…"), "Chat")
        for name, text in PLACEHOLDERS.items():
            self.tabs.addTab(placeholder(text), name)
        self.setCentralWidget(self.tabs)
        self.provider_label = QLabel()
        self.model_label = QLabel()
        self.connection_mark = QLabel()
        self.connection_label = QLabel()
        for label in (
            self.provider_label,
            self.model_label,
            self.connection_mark,
            self.connection_label,
        ):
            self.statusBar().addPermanentWidget(label)
        self.set_connection("starting")
        self._menu_icons: list[tuple[QAction, str]] = []  # given once the window is painted
        self._build_menus()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self._action(
            file_menu,
            "&New chat",
            QKeySequence.StandardKey.New,
            self.new_chat_requested,
            "new-chat",
        )
        self._action(
            file_menu, "&Settings…", QKeySequence("Ctrl+,"), self.settings_requested, "settings"
        )
        self.restore_action = self._action(
            file_menu, "&Restore from backup…", None, self.restore_requested, "undo"
        )
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", QKeySequence.StandardKey.Quit, self.close, "close")
        chat_menu = self.menuBar().addMenu("&Chat")
        self._action(
            chat_menu,
            "&Regenerate reply",
            QKeySequence("Ctrl+R"),
            self.regenerate_requested,
            "regenerate",
        )
        help_menu = self.menuBar().addMenu("&Help")
        self._action(help_menu, "&About Parley", None, self.show_about, "info")

    def _action(
        self,
        menu: QMenu,
        text: str,
        shortcut: QKeySequence | QKeySequence.StandardKey | None,
        target: Callable[[], object] | SignalInstance,
        icon_name: str,
    ) -> QAction:
        action = QAction(text, self)
        self._menu_icons.append((action, icon_name))
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(target)
        menu.addAction(action)
        return action

    def set_tab(self, name: str, widget: QWidget) -> None:
        """Replace a tab's page (used once services are ready), keeping its place and title."""
        for index in range(self.tabs.count()):
            if self.tabs.tabText(index) == name:
                current = self.tabs.currentIndex()
                old = self.tabs.widget(index)
                self.tabs.removeTab(index)
                self.tabs.insertTab(index, widget, name)
                self.tabs.setCurrentIndex(current)
                if self.state is not None:
                    self.state.restore_splitters(name, widget)
                if old is not None:
                    old.deleteLater()
                return
        raise KeyError(name)

    def reset_tabs(self, text: str) -> None:
        """Every tab back to a placeholder (the data is being reopened)."""
        for name in ("Chat", *PLACEHOLDERS):
            self.set_tab(name, placeholder(text, heading=""))

    def show_problem(self, tab: str, title: str, text: str) -> None:
        """Replace a tab's page with a plain explanation of why it cannot work."""
        colour = theme_colors().error.name()
        label = WrapLabel(
            f"<p style='font-size:large; color:{colour}'>{html.escape(title)}</p>"
            f"<p>{html.escape(text)}</p>"
        )
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setWordWrap(True)
        label.setMargin(40)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.set_tab(tab, label)

    def tab(self, name: str) -> QWidget:
        for index in range(self.tabs.count()):
            page = self.tabs.widget(index)
            if self.tabs.tabText(index) == name and page is not None:
                return page
        raise KeyError(name)

    def set_provider(self, label: str) -> None:
        self.provider_label.setText(label)

    def set_model(self, model: str) -> None:
        self.model_label.setText(f"Model: {model_label(model)}" if model else "No model")
        self.model_label.setToolTip(model)

    def set_connection(self, state: str) -> None:
        self.connection_state = state
        self.connection_label.setText(CONNECTION_TEXT.get(state, state))
        self._show_connection_mark()
        self.connection_changed.emit(state)

    def _show_connection_mark(self) -> None:
        mark = CONNECTION_MARKS.get(getattr(self, "connection_state", ""))
        self.connection_mark.setVisible(mark is not None)
        if mark is not None:
            name, tone = mark
            from desktop_app.ui.icons import icon  # after the first frame (see above)

            colour = getattr(theme_colors(), tone)
            self.connection_mark.setPixmap(icon(name, colour).pixmap(16, 16))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._show_connection_mark()

    def use_state(self, state: WindowState) -> None:
        """Keep geometry and splitters in `state`: restored now (and as tabs arrive), saved
        when the window closes."""
        self.state = state
        state.restore_geometry(self)
        for index in range(self.tabs.count()):
            page = self.tabs.widget(index)
            if page is not None:
                state.restore_splitters(self.tabs.tabText(index), page)

    def save_state(self) -> None:
        if self.state is None:
            return
        self.state.save_geometry(self)
        for index in range(self.tabs.count()):
            page = self.tabs.widget(index)
            if page is not None:
                self.state.save_splitters(self.tabs.tabText(index), page)
        self.state.sync()

    def event(self, event: QEvent) -> bool:
        if not self.painted and event.type() == QEvent.Type.Paint:
            self.painted = True
            self.first_painted.emit(time.time())
            QTimer.singleShot(0, self._give_menu_icons)
        return super().event(event)

    def _give_menu_icons(self) -> None:
        """The menus' icons, after the first frame: reading and tinting them (and loading the
        Qt classes that takes) would otherwise delay it by milliseconds."""
        from desktop_app.ui.icons import set_icon

        for action, name in self._menu_icons:
            set_icon(action, name)

    def bring_to_front(self) -> None:
        """Shown, restored if minimised, raised and focused (another launch asked for it)."""
        if self.isMinimized():
            self.showNormal()
        else:
            self.show()
        self.raise_()
        self.activateWindow()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_state()
        self.closing.emit()
        super().closeEvent(event)

    def set_capabilities(self, capabilities: dict[str, Any]) -> None:
        """What the provider offers, as a tooltip on the connection state."""
        marks = {"yes": "✓", "no": "✗"}
        reasons = capabilities.get("reasons") or {}
        lines = [
            f"{marks.get(capabilities.get(key, ''), '?')} {name}"
            + (f" ({reasons[key]})" if reasons.get(key) else "")
            for key, name in CAPABILITY_NAMES.items()
        ]
        self.connection_label.setToolTip("This server offers:\n" + "\n".join(lines))

    def set_paths(self, paths: AppPaths) -> None:
        """The folders Parley uses, shown in Help → About."""
        self.app_paths = paths

    def about_text(self) -> str:
        rows: list[tuple[str, object]] = [("Version", f"{app_version()} ({build_kind()})")]
        if self.app_paths is not None:
            rows += [
                ("Data", self.app_paths.data_dir),
                ("Settings", self.app_paths.config_dir),
                ("Logs and crash reports", self.app_paths.log_dir),
                ("Cache", self.app_paths.cache_dir),
            ]
        table = "".join(
            f"<tr><td>{name}:&nbsp;</td><td>{html.escape(str(value))}</td></tr>"
            for name, value in rows
        )
        return (
            f"<b>{APP_NAME}</b><br>A desktop workbench for the OpenAI API and "
            f"OpenAI-compatible servers.<br><br><table>{table}</table>"
        )

    def show_about(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle(f"About {APP_NAME}")
        box.setIconPixmap(self.windowIcon().pixmap(64, 64))
        box.setText(self.about_text())
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.about_box = box
        box.open()
