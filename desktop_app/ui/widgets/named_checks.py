"""A column of checkboxes for things chosen by key (MCP servers, knowledge bases), told what
exists now (`set_choices`) and what is ticked (`set_ticked`). A ticked key that no longer
exists stays listed, ticked and marked, so saving never drops it silently; with nothing to
choose, a muted line says where to make some."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtWidgets import QCheckBox, QVBoxLayout, QWidget

from desktop_app.ui.theme import set_tone
from desktop_app.ui.widgets.wrap_label import WrapLabel


class NamedChecks(QWidget):
    def __init__(
        self,
        empty_text: str,
        hint: str,
        tip: Callable[[str], str],
        gone_mark: str,
        gone_tip: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._tip, self._gone_mark, self._gone_tip = tip, gone_mark, gone_tip
        self._choices: list[tuple[str, str]] = []  # (key, label)
        self.boxes: dict[str, QCheckBox] = {}  # key → its box, in the listed order
        self.list = QVBoxLayout()
        self.list.setContentsMargins(0, 0, 0, 0)
        self.note = WrapLabel(empty_text)
        set_tone(self.note, "muted")
        self.hint = WrapLabel(hint)
        set_tone(self.hint, "muted")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.list)
        layout.addWidget(self.note)
        layout.addWidget(self.hint)
        self._fill(())

    def set_choices(self, choices: Sequence[tuple[str, str]]) -> None:
        """What can be chosen now, as (key, label); what is ticked stays so."""
        self._choices = list(choices)
        self._fill(self.ticked())

    def set_ticked(self, keys: Sequence[str]) -> None:
        self._fill(tuple(keys))

    def ticked(self) -> tuple[str, ...]:
        return tuple(key for key, box in self.boxes.items() if box.isChecked())

    def _fill(self, ticked: tuple[str, ...]) -> None:
        for box in self.boxes.values():
            self.list.removeWidget(box)
            box.deleteLater()
        self.boxes = {}
        labels = dict(self._choices)
        missing = [key for key in ticked if key not in labels]
        for key in [*labels, *missing]:
            gone = key in missing
            label = labels.get(key, key).replace("&", "&&")
            box = QCheckBox(label + (self._gone_mark if gone else ""))
            box.setChecked(key in ticked)
            box.setToolTip(self._gone_tip if gone else self._tip(labels.get(key, key)))
            if gone:
                set_tone(box, "muted")
            self.list.addWidget(box)
            self.boxes[key] = box
        self.note.setVisible(not self._choices)
        self.hint.setVisible(bool(self.boxes))
