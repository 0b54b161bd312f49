"""The question before a tool runs, asked in the Chat tab without blocking it.

A card above the message box names the tool, its server and the conversation, shows the
arguments the model wrote (pretty JSON, scrollable) and offers *Allow once* (Alt+A), *Always
allow this tool* (Alt+W) and *Deny* (Alt+D). It never takes the keyboard focus: Enter in the
message box still sends, and nothing is allowed by a key pressed for something else. Esc stops
the reply (the question goes with it). Questions from replies in several conversations wait
their turn, one card at a time.

`ask(step)` is the tool loop's `approve`: it returns the user's decision; cancelling it (Stop)
takes the card away.
"""

from __future__ import annotations

import asyncio
import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QPaintEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.tool_calls import ToolStep
from desktop_app.core.tool_policy import Decision
from desktop_app.core.tool_step_cards import pretty
from desktop_app.ui.theme import theme_colors
from desktop_app.ui.widgets.notice_banner import paint_tinted
from desktop_app.ui.widgets.wrap_label import WrapLabel

ARGUMENT_LINES = 6  # lines of arguments shown before the box scrolls


class ToolApproval(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("toolApproval")
        self.title = WrapLabel()
        self.title.setTextFormat(Qt.TextFormat.RichText)
        self.arguments = QPlainTextEdit()
        self.arguments.setReadOnly(True)
        self.arguments.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.arguments.setAccessibleName("The tool's arguments")
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        self.arguments.setFont(mono)
        self.allow_button = QPushButton("&Allow once")
        self.always_button = QPushButton("Al&ways allow this tool")
        self.deny_button = QPushButton("&Deny")
        self.allow_button.setToolTip("Run this call; ask again next time (Alt+A)")
        self.always_button.setToolTip(
            "Run this call and every later call of this tool without asking; Settings → Tools "
            "can take it back (Alt+W)"
        )
        self.deny_button.setToolTip("Do not run it; the model is told you refused (Alt+D)")
        for button, decision in (
            (self.allow_button, Decision.ALLOW_ONCE),
            (self.always_button, Decision.ALWAYS),
            (self.deny_button, Decision.DENY),
        ):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # never pressed by a stray Enter
            button.setAutoDefault(False)
            button.clicked.connect(lambda _checked=False, d=decision: self.decide(d))
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.allow_button)
        buttons.addWidget(self.always_button)
        buttons.addStretch(1)
        buttons.addWidget(self.deny_button)
        self.waiting = QLabel()
        self.waiting.setEnabled(False)  # the palette's muted text
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(6)
        layout.addWidget(self.title)
        layout.addWidget(self.arguments)
        layout.addLayout(buttons)
        layout.addWidget(self.waiting)
        self._future: asyncio.Future[Decision] | None = None
        self._turns = asyncio.Lock()
        self._queued = 0
        self.step: ToolStep | None = None
        self.hide()

    @property
    def asking(self) -> bool:
        return self._future is not None and not self._future.done()

    async def ask(self, step: ToolStep, where: str = "") -> Decision:
        """Show the question for `step` (in the conversation `where`, when it is not the one
        on screen) and wait for the answer."""
        self._queued += 1
        try:
            await self._turns.acquire()
        finally:
            self._queued -= 1
        try:
            return await self._ask(step, where)
        finally:
            self._turns.release()

    async def _ask(self, step: ToolStep, where: str) -> Decision:
        self.step = step
        spec = step.spec
        name = html.escape(step.call.name)
        server = html.escape(spec.source) if spec is not None and spec.source else ""
        text = f"Run the tool <b>{name}</b>" + (f" from <b>{server}</b>" if server else "") + "?"
        if where:
            text += f' <span style="color:{theme_colors().muted_text.name()}">'
            text += f"(in “{html.escape(where)}”)</span>"
        self.title.setText(text)
        arguments = pretty(step.call.arguments or "{}")
        self.arguments.setPlainText(arguments)
        lines = min(arguments.count("\n") + 1, ARGUMENT_LINES)
        spacing = self.arguments.fontMetrics().lineSpacing()
        self.arguments.setFixedHeight(int(spacing * lines + 14))
        self.waiting.setText(
            f"{self._queued} more question{'s' if self._queued > 1 else ''} waiting"
            if self._queued
            else ""
        )
        self.waiting.setVisible(bool(self._queued))
        self._future = asyncio.get_running_loop().create_future()
        self.show()
        try:
            return await self._future
        finally:
            self._future = None
            self.step = None
            self.hide()

    def decide(self, decision: Decision) -> None:
        if self._future is not None and not self._future.done():
            self._future.set_result(decision)

    def paintEvent(self, event: QPaintEvent) -> None:
        paint_tinted(self, theme_colors().accent, 0.55, 0.10, 8)
