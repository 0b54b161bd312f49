"""The Chat tab's header line: which assistant answers the next message (or none).

Signals:
    cleared(): the user chose to chat without an assistant.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QToolButton, QWidget

from desktop_app.core.assistants import AssistantProfile
from desktop_app.ui.theme import theme_colors


class AssistantHeader(QWidget):
    cleared = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.swatch = QLabel()
        self.swatch.setFixedSize(14, 14)
        self.label = QLabel()
        self.label.setWordWrap(False)
        # Beside the Tools and Knowledge chips: on a narrow window the line is cut, the
        # window never made wider for it.
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.clear_button = QToolButton()
        self.clear_button.setText("✕")
        self.clear_button.setAutoRaise(True)
        self.clear_button.setToolTip("Chat without an assistant")
        self.clear_button.clicked.connect(self.cleared)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.swatch)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.clear_button)
        self.show_assistant(None)

    @property
    def text(self) -> str:
        return self.label.text()

    def show_assistant(self, profile: AssistantProfile | None) -> None:
        if profile is None:
            self.swatch.hide()
            self.clear_button.hide()
            muted = theme_colors().muted_text.name()
            self.label.setText(
                f'<span style="color:{muted}">No assistant — plain chat. Pick one in the '
                "Assistants tab.</span>"
            )
            return
        self.swatch.setStyleSheet(f"background:{profile.avatar_color}; border-radius:7px")
        self.swatch.show()
        self.clear_button.show()
        details = [profile.model]
        if profile.tools:
            details.append("tools: " + ", ".join(t.replace("_", " ") for t in profile.tools))
        if profile.mcp_servers:
            details.append("MCP: " + ", ".join(profile.mcp_servers))
        muted = theme_colors().muted_text.name()
        self.label.setText(
            f"Assistant: <b>{html.escape(profile.name)}</b>"
            f'<span style="color:{muted}"> · {html.escape(" · ".join(details))}</span>'
        )
        self.label.setToolTip(profile.description)
