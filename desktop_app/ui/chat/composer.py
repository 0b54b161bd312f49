"""Where the user writes: the message box, the attachments above it, and lines under it that
say what went wrong with an attachment or that the model may not take images.

Images come from the Attach button, a drop anywhere on the Chat tab (the tab forwards its
drag events here), or a paste (image files or image data). Each is prepared off the UI thread
(`pending_images`) and shown as a thumbnail; one that cannot be prepared is removed again with
a line saying why, and nothing else — the text, the other images — is touched.

Sending waits for images still being prepared: Enter (or Send) while one is preparing says so
under the box, and the message goes out by itself once the last one is ready. If one fails
meanwhile, nothing is sent, so the user can see what is missing before it goes.

A model that (by the server's model list or its name) does not take images gets a note when an
image is attached or the model changes; sending is not blocked, since the name is only a guess
for servers that do not say, and a server that refuses images answers with a readable error.

Signals:
    submitted(): the user asked to send, and nothing is still being prepared.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QDragMoveEvent, QDropEvent, QResizeEvent
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from desktop_app.core.image_request import takes_images
from desktop_app.core.images import PreparedImage
from desktop_app.ui.chat.attachment_strip import AttachmentChip, AttachmentStrip
from desktop_app.ui.chat.clipboard_sorting import attachable_payload, could_attach
from desktop_app.ui.chat.message_input import MessageInput
from desktop_app.ui.chat.pending_images import ImagePreparer, PendingImage, PendingState, Source
from desktop_app.ui.images.drop_zone import DropPayload
from desktop_app.ui.images.images_tab import OPEN_FILTER
from desktop_app.ui.task_keeper import TaskKeeper
from desktop_app.ui.widgets.file_dialogs import open_file_dialog

MAX_ATTACHMENTS = 20
MAX_PROBLEM_LINES = 4
MB = 1024 * 1024


def size_label(text: str) -> str:
    """ "5.0 MB · 65,536 lines · about 1,310,000 tokens" for a pasted text."""
    size = len(text.encode("utf-8"))
    amount = f"{size / MB:.1f} MB" if size >= MB else f"{size / 1024:.0f} KB"
    lines = text.count("\n") + 1
    tokens = round(len(text) / 4, -3)  # about four characters a token; exact counts cost time
    return f"{amount} · {lines:,} lines · about {tokens:,.0f} tokens"


def _label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.hide()
    return label


class Composer(QWidget):
    submitted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks = TaskKeeper()
        self.preparer = ImagePreparer()
        self.images: dict[int, PendingImage] = {}
        self.texts: dict[int, str] = {}  # long pastes, sent after the typed text
        self.model = ""
        self.send_waiting = False
        self.attach_dialog: QFileDialog | None = None
        self._text_keys = itertools.count(-1, -1)  # never collide with image keys
        self._pasted = itertools.count(1)
        self._problems: list[str] = []

        self.input = MessageInput()
        self.input.submitted.connect(self.request_send)
        self.input.images_given.connect(self.add_payload)
        self.input.long_text_given.connect(self.add_long_text)
        self.input.nothing_usable.connect(
            lambda: self._problem("That held neither text nor an image Parley can attach.")
        )
        self.strip = AttachmentStrip()
        self.strip.remove_requested.connect(self.remove)
        self.attach_button = QToolButton()
        self.attach_button.setText("Attach…")
        self.attach_button.setToolTip("Attach images (or drop them on the tab, or paste them)")
        self.attach_button.clicked.connect(self.open_attach_dialog)
        self.drop_note = _label()
        self.drop_note.setText("Drop here to attach to your message.")
        self.problem_note = _label()
        self.waiting_note = _label()
        self.model_note = _label()

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.attach_button, 0, Qt.AlignmentFlag.AlignBottom)
        row.addWidget(self.input, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addStretch(1)  # a pane made taller by the user keeps the box at the bottom
        layout.addWidget(self.drop_note)
        layout.addWidget(self.strip)
        layout.addLayout(row)
        for note in (self.problem_note, self.waiting_note, self.model_note):
            layout.addWidget(note)
        self.setFocusProxy(self.input)

    # --- size ----------------------------------------------------------------------------

    def minimumSizeHint(self) -> QSize:
        """Tall enough for the strip, the box and every note at the current width: wrapped
        notes need more height when narrow, and a splitter above must not squeeze them."""
        hint = super().minimumSizeHint()
        layout = self.layout()
        if layout is not None and layout.hasHeightForWidth() and self.width() > 0:
            hint.setHeight(max(hint.height(), layout.totalHeightForWidth(self.width())))
        return hint

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.updateGeometry()

    # --- what goes out -------------------------------------------------------------------

    def message_text(self) -> str:
        """The typed text exactly as typed, then each long paste after a blank line."""
        parts = [self.input.message_text(), *self.texts.values()]
        return "\n\n".join(p for p in parts if p)

    @property
    def empty(self) -> bool:
        """Nothing to send: no text but white space, no attachment."""
        return not (self.images or self.texts or self.input.message_text().strip())

    def prepared_images(self) -> list[PreparedImage]:
        return [i.prepared for i in self.images.values() if i.prepared is not None]

    @property
    def preparing(self) -> int:
        return sum(i.state is PendingState.PREPARING for i in self.images.values())

    def request_send(self) -> None:
        """Enter: send now, or as soon as the images being prepared are ready."""
        if self.ready_to_send():
            self.submitted.emit()

    def ready_to_send(self) -> bool:
        """True when nothing is being prepared; else the send waits, and the user is told."""
        if not self.preparing:
            return True
        self.send_waiting = True
        self._show_waiting()
        return False

    def clear(self) -> None:
        """The message went out (its text and images are stored): start an empty one."""
        self.input.clear()
        for key in list(self.images) + list(self.texts):
            self.remove(key)
        self._problems.clear()
        self._show_problems()

    # --- notes ---------------------------------------------------------------------------

    def set_model(self, model: str) -> None:
        self.model = model.strip()
        self._show_model_note()

    def _show_model_note(self) -> None:
        show = bool(self.images) and bool(self.model) and not takes_images(self.model)
        self.model_note.setText(
            f"⚠ {self.model} may not take images (Parley judges by its name). You can still "
            "send; if the server refuses the images, it says so and your message is kept."
            if show
            else ""
        )
        self.model_note.setVisible(show)

    def _problem(self, text: str) -> None:
        self._problems = [*self._problems, f"⚠ {text}"][-MAX_PROBLEM_LINES:]
        self._show_problems()

    def _show_problems(self) -> None:
        self.problem_note.setText("\n".join(self._problems))
        self.problem_note.setVisible(bool(self._problems))

    def _show_waiting(self) -> None:
        count = self.preparing
        text = (
            f"Sending as soon as {'the image is' if count == 1 else f'{count} images are'} ready…"
            if self.send_waiting and count
            else ""
        )
        self.waiting_note.setText(text)
        self.waiting_note.setVisible(bool(text))

    # --- bringing attachments in ---------------------------------------------------------

    def open_attach_dialog(self) -> None:
        self.attach_dialog = open_file_dialog(
            self,
            "Attach images",
            lambda names: self.add_payload(DropPayload(paths=[Path(n) for n in names])),
            OPEN_FILTER,
            many=True,
        )

    def drag_enter(self, event: QDragMoveEvent) -> None:
        """Drag-enter and drag-move: take what would attach something."""
        if could_attach(event.mimeData()):
            event.acceptProposedAction()
            self.drop_note.show()
        else:
            event.ignore()

    def drag_leave(self) -> None:
        self.drop_note.hide()

    def drop(self, event: QDropEvent) -> None:
        self.drop_note.hide()
        payload = attachable_payload(event.mimeData())
        if payload is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self.add_payload(payload)

    def add_payload(self, payload: DropPayload) -> None:
        """Files, encoded image data and QImages from a drop, a paste or the dialog."""
        self._problems.clear()
        self._show_problems()
        known = {i.path for i in self.images.values() if i.path is not None}
        for path in payload.paths:
            if path.is_dir():
                self._problem(f"“{path.name}” is a folder; attach the images in it instead.")
            elif path in known:
                self._problem(f"“{path.name}” is attached already.")
            else:
                known.add(path)
                self._add(path.name, path)
        for ext, data in payload.data:
            self._add(self._pasted_name(ext), data)
        for image in payload.images:
            self._add(self._pasted_name("png"), image)
        self.input.setFocus()

    def _pasted_name(self, ext: str) -> str:
        return f"pasted image {next(self._pasted)}.{ext}"

    def _add(self, name: str, source: Source) -> None:
        if len(self.images) + len(self.texts) >= MAX_ATTACHMENTS:
            self._problem(
                f"“{name}” was not attached: a message takes at most {MAX_ATTACHMENTS} attachments."
            )
            return
        item = PendingImage(name, source)
        self.images[item.key] = item
        self._add_chip(item.key, name)
        self._show_model_note()
        self.tasks.spawn(self._prepare(item))

    async def _prepare(self, item: PendingImage) -> None:
        await self.preparer.prepare(item)
        if self.images.get(item.key) is not item:  # removed meanwhile
            return
        if item.state is PendingState.FAILED:
            waiting, self.send_waiting = self.send_waiting, False
            self.remove(item.key)
            self._problem(f"“{item.name}” was not attached: {item.error}")
            if waiting:
                self._problem("The message was not sent, so you can see what is missing.")
        else:
            assert item.prepared is not None
            chip = self.strip.chips[item.key]
            chip.set_thumbnail(item.thumbnail)
            prepared = item.prepared
            size = f"{prepared.width}×{prepared.height}"
            if (prepared.width, prepared.height) != (prepared.source_width, prepared.source_height):
                size += f", scaled down from {prepared.source_width}×{prepared.source_height}"
            chip.set_caption(item.name, size)
            chip.setToolTip("\n".join([item.name, size, *prepared.notes]))
        self._after_change()

    def add_long_text(self, text: str) -> None:
        """A paste too long for the box: kept whole as a chip, sent after the typed text."""
        key = next(self._text_keys)
        self.texts[key] = text
        name = f"pasted text {-key}"
        chip = self._add_chip(key, name)
        chip.set_mark("Text")
        chip.set_caption(name, size_label(text))
        chip.setToolTip(f"{name}: {size_label(text)}\n\n{text[:400]}…")
        self._problem(
            f"The pasted text is long ({size_label(text)}), so it is attached as “{name}” "
            "rather than put in the box; it is sent after what you type."
        )
        self.input.setFocus()

    def _add_chip(self, key: int, name: str) -> AttachmentChip:
        """A chip at the end of the strip, reached with Shift+Tab from the box (through the
        Attach button), in the order the chips are shown."""
        before = [c.remove_button for c in self.strip.chips.values()][-1:]
        chip = self.strip.add_chip(key, name)
        if before:
            QWidget.setTabOrder(before[0], chip)
        QWidget.setTabOrder(chip, chip.remove_button)
        QWidget.setTabOrder(chip.remove_button, self.attach_button)
        QWidget.setTabOrder(self.attach_button, self.input)
        return chip

    def remove(self, key: int) -> None:
        """Take an attachment off the message (its preparation, if running, is ignored)."""
        self.images.pop(key, None)
        self.texts.pop(key, None)
        if self.strip.remove_chip(key):
            self.input.setFocus()
        self._show_model_note()
        self._after_change()

    def _after_change(self) -> None:
        if self.send_waiting and not self.preparing:
            self.send_waiting = False
            self._show_waiting()
            self.submitted.emit()
        else:
            self._show_waiting()

    async def shutdown(self) -> None:
        await self.tasks.shutdown()
