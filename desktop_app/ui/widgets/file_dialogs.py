"""File dialogs that never block: opened with `open()` and answered through a callback.

`QFileDialog.getOpenFileName()` runs a nested event loop, which must never happen while
coroutines run on the Qt loop (DESIGN.md). Qt's own (non-native) dialog is used so the same
code runs headless in tests, which drive it with `selectFile()` and `accept()`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QWidget


def open_file_dialog(
    parent: QWidget,
    caption: str,
    on_chosen: Callable[[list[str]], object],
    name_filter: str = "",
    *,
    save_as: str = "",
    many: bool = False,
) -> QFileDialog:
    """Show a dialog; `on_chosen` gets the chosen paths (one unless `many`). `save_as` makes
    it a Save dialog proposing that file name. Returns the dialog (keep a reference)."""
    dialog = QFileDialog(parent, caption, str(Path.home()), name_filter)
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    if save_as:
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix(Path(save_as).suffix.lstrip("."))
        dialog.selectFile(save_as)
        dialog.fileSelected.connect(lambda path: on_chosen([path]))
    elif many:
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.filesSelected.connect(lambda paths: on_chosen(list(paths)))
    else:
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(lambda path: on_chosen([path]))
    dialog.open()
    return dialog
