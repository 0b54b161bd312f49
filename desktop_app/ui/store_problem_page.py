"""The page shown in place of a tab when Parley's data cannot be opened: what is wrong, in a
sentence, and the ways forward there are (restore a backup, set the damaged file aside).

Signals:
    restore_requested(): "Restore from a backup…".
    start_fresh_requested(): "Set it aside and start fresh" (the damaged file is kept).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop_app.ui.icons import set_icon
from desktop_app.ui.theme import set_tone
from desktop_app.ui.widgets.wrap_label import WrapLabel


class StoreProblemPage(QWidget):
    restore_requested = Signal()
    start_fresh_requested = Signal()

    def __init__(
        self,
        title: str,
        text: str,
        *,
        can_restore: bool = False,
        can_start_fresh: bool = False,
        tone: str = "error",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.title = QLabel(title)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        self.title.setFont(font)
        set_tone(self.title, tone)  # "warning" where nothing is lost (read-only)
        self.message = WrapLabel(text)
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        # A readable measure, as the transcript has (about 80 characters).
        self.message.setMaximumWidth(self.message.fontMetrics().averageCharWidth() * 80)
        self.restore_button = QPushButton("Restore from a backup…")
        set_icon(self.restore_button, "undo")
        self.restore_button.setVisible(can_restore)
        self.restore_button.clicked.connect(self.restore_requested)
        self.fresh_button = QPushButton("Set it aside and start fresh")
        set_icon(self.fresh_button, "new-chat")
        self.fresh_button.setToolTip(
            "The damaged file is renamed and kept in the data folder; Parley starts with no "
            "history."
        )
        self.fresh_button.setVisible(can_start_fresh)
        self.fresh_button.clicked.connect(self.start_fresh_requested)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.restore_button)
        buttons.addWidget(self.fresh_button)
        buttons.addStretch(1)
        column = QVBoxLayout(self)
        column.setContentsMargins(40, 40, 40, 40)
        column.addStretch(1)
        column.addWidget(self.title, 0, Qt.AlignmentFlag.AlignHCenter)
        column.setSpacing(14)
        centred = QHBoxLayout()
        centred.addStretch(1)
        centred.addWidget(self.message, 100)
        centred.addStretch(1)
        column.addLayout(centred)
        column.addLayout(buttons)
        column.addStretch(2)
