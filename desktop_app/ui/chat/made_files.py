"""Saving a file that a reply's code interpreter made: pick where, fetch its bytes, write it.

The reply lists such files ("Files: squares.csv"); a click asks where to save it (a dialog
opened with `open()`, never a nested event loop), then the bytes come from the server's
container (the Containers API) and are written off the UI thread.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog

from desktop_app.core.tool_notes import Citation
from desktop_app.services.gateway_errors import ErrorKind, GatewayError
from desktop_app.ui.widgets.file_dialogs import open_file_dialog

if TYPE_CHECKING:
    from desktop_app.ui.chat.chat_tab import ChatTab

GONE_TEXT = (
    "{name} is no longer on the server: code interpreter keeps the files it makes only for a "
    "while (about 20 minutes after its last use). Regenerate the reply to make it again."
)

log = logging.getLogger(__name__)


class MadeFiles:
    def __init__(self, tab: ChatTab) -> None:
        self.tab = tab
        self.dialog: QFileDialog | None = None  # kept so it lives while it is open

    def choose(self, made: Citation) -> None:
        """Ask where to save `made` (the transcript's file link was clicked)."""
        self.dialog = open_file_dialog(
            self.tab,
            f"Save {made.text}",
            lambda paths: self.tab.tasks.spawn(self.save(made, Path(paths[0]))),
            save_as=made.text,
        )

    async def save(self, made: Citation, target: Path) -> None:
        tab = self.tab
        try:
            data = await tab.chat.gateway.container_file(made.container, made.file_id)
        except GatewayError as error:
            if error.kind is ErrorKind.NOT_SUPPORTED:
                tab.show_notice(GONE_TEXT.format(name=made.text), "warning")
            else:
                tab.show_error(error)
            return
        try:
            await asyncio.to_thread(target.write_bytes, data)
        except OSError as exc:
            log.warning("saving %s to %s failed: %s", made.text, target, exc)
            tab.show_notice(
                f"{made.text} could not be written to {target.parent}: check that the folder "
                "exists, is writable and has space. The details are in the log."
            )
            return
        tab.show_notice(f"Saved {made.text} to {target}.", "info")
