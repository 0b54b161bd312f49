"""A strip at the top of a tab that says what went wrong (or what is missing) and what to do.

Its colours come from the theme (a tint of the error, warning or accent colour over the window
colour, with a border of the same hue), so it reads in light and dark; its text wraps without
ever raising the window's minimum size (WrapLabel).

The action button runs the callback given with the message (the banner is cleared first),
so a tab only says what to do, never keeps the callback itself. A message may come with
`details` (a server's whole reason, of which the message quotes the first sentence): a
"Details…" button shows them under it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from desktop_app.ui.theme import mix, theme_colors
from desktop_app.ui.widgets.wrap_label import WrapLabel

LEVEL_ICONS = {"error": "error", "warning": "warning", "info": "info"}
ICON_SIZE = 18


class NoticeBanner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noticeBanner")
        self._mark = QLabel()
        self._mark.setFixedSize(ICON_SIZE, ICON_SIZE)
        self._label = WrapLabel()
        self._label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.action_button = QPushButton()
        self.action_button.clicked.connect(self.trigger_action)
        self.details_button = QPushButton("Details…")
        self.details_button.setFlat(True)
        self.details_button.setToolTip("Show everything the server said")
        self.details_button.clicked.connect(self.show_details)
        self._message = ""
        self._details = ""
        self._on_action: Callable[[], None] | None = None
        # icons are imported here, not at the top: this module is imported before the
        # window's first frame, and loading the icon machinery then would delay it
        from desktop_app.ui.icons import set_icon

        close = QToolButton()
        set_icon(close, "close")
        close.setToolTip("Dismiss")
        close.setAccessibleName("Dismiss the notice")
        close.setAutoRaise(True)
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        layout.addWidget(self._mark, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self._label, 1)
        layout.addWidget(self.details_button)
        layout.addWidget(self.action_button)
        layout.addWidget(close)
        self.level = ""
        self.hide()

    @property
    def text(self) -> str:
        return self._label.text()

    def show_message(
        self,
        text: str,
        level: str = "error",
        action: str = "",
        on_action: Callable[[], None] | None = None,
        details: str = "",
    ) -> None:
        """Show `text`; `action` labels a button that runs `on_action`; `details` wait behind
        a "Details…" button."""
        self._on_action = on_action
        if level not in LEVEL_ICONS:
            raise ValueError(f"unknown notice level {level!r}")
        self.level = level
        self._message, self._details = text, details
        self._label.setText(text)
        self.details_button.setVisible(bool(details))
        self.action_button.setText(action)
        self.action_button.setVisible(bool(action))
        self._restyle()
        self.show()

    @property
    def details(self) -> str:
        return self._details

    def show_details(self) -> None:
        """Show the whole of what the server said under the message."""
        self._label.setText(f"{self._message}\n\n{self._details}")
        self.details_button.hide()

    def trigger_action(self) -> None:
        """What pressing the action button does: clear the banner, then run its action."""
        action, self._on_action = self._on_action, None
        self.clear()
        if action is not None:
            action()

    def clear(self) -> None:
        self._on_action = None
        self.level = ""
        self._message = self._details = ""
        self._label.clear()
        self.details_button.hide()
        self.hide()

    def tone(self) -> QColor:
        """The colour of the current level (the accent for information)."""
        colours = theme_colors()
        return {"error": colours.error, "warning": colours.warning}.get(self.level, colours.accent)

    def _restyle(self) -> None:
        from desktop_app.ui.icons import icon

        if self.level:
            self._mark.setPixmap(icon(LEVEL_ICONS[self.level], self.tone()).pixmap(ICON_SIZE))
        self.update()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._restyle()

    def paintEvent(self, event: QPaintEvent) -> None:
        paint_tinted(self, self.tone(), 0.45, 0.12, 6)


def paint_tinted(
    widget: QWidget, tone: QColor, border: float, fill: float, radius: float
) -> None:
    """A rounded frame in a tint of `tone` over the window colour (banners, the tool card)."""
    window = widget.palette().color(QPalette.ColorRole.Window)
    painter = QPainter(widget)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(mix(window, tone, border))
    painter.setBrush(mix(window, tone, fill))
    painter.drawRoundedRect(QRectF(widget.rect()).adjusted(0.5, 0.5, -0.5, -0.5), radius, radius)
    painter.end()
