"""Import and export for the Assistants tab: the JSON file pickers and the coroutines behind them.

File dialogs are opened only from plain slots (`open_import_dialog`, `open_export_dialog`),
which then spawn the coroutine; tests call the coroutines with a path. Reading and writing run
in `asyncio.to_thread`; each outcome is said in the tab's banner.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, cast

from PySide6.QtWidgets import QFileDialog, QWidget

from desktop_app.core.assistant_json import (
    AssistantImportError,
    export_json,
    export_original_json,
    import_json,
)
from desktop_app.core.assistants import AssistantProfile
from desktop_app.core.text_guard import replaced_note
from desktop_app.services.failure_text import failure_message
from desktop_app.services.private_files import write_private
from desktop_app.ui.task_keeper import TaskKeeper
from desktop_app.ui.widgets.file_dialogs import open_file_dialog

JSON_FILTER = "Assistants (*.json);;All files (*)"
PARLEY_FILTER = "Parley assistants (*.json)"
# A list of {name, id, …}: what the original tool's list_assistants reads (see README).
ORIGINAL_FILTER = "assistants.json for the original tool (*.json)"


class AssistantRecordsLike(Protocol):
    def list_assistants(self) -> list[AssistantProfile]: ...
    def save_assistant(self, profile: AssistantProfile) -> AssistantProfile: ...
    def add_assistants(self, profiles: list[AssistantProfile]) -> list[AssistantProfile]: ...
    def delete_assistant(self, assistant_id: int) -> None: ...
    def restore_assistant(self, assistant_id: int) -> None: ...


class AssistantTransfersMixin:
    """Mixed into AssistantsTab, whose records, tasks, default model, notices and list it uses."""

    records: AssistantRecordsLike
    tasks: TaskKeeper
    default_model: str
    show_notice: Callable[..., None]
    refresh: Callable[..., Any]
    file_dialog: QFileDialog | None

    def open_import_dialog(self) -> None:
        self.file_dialog = open_file_dialog(
            cast(QWidget, self),
            "Import assistants",
            lambda paths: self.tasks.spawn(self.import_file(paths[0])),
            JSON_FILTER,
        )

    def open_export_dialog(self) -> None:
        def chosen(paths: list[str]) -> None:
            original = dialog.selectedNameFilter() == ORIGINAL_FILTER
            self.tasks.spawn(self.export_file(paths[0], original))

        dialog = open_file_dialog(
            cast(QWidget, self),
            "Export assistants",
            chosen,
            f"{PARLEY_FILTER};;{ORIGINAL_FILTER}",
            save_as="assistants.json",
        )
        self.file_dialog = dialog

    async def import_file(self, path: str | Path) -> int:
        """Add the assistants in a JSON file; returns how many were added."""
        try:
            text = await asyncio.to_thread(Path(path).read_text, encoding="utf-8")
            result = import_json(text, self.default_model)
        except (OSError, UnicodeDecodeError) as exc:
            self.show_notice(failure_message(f"Reading {Path(path).name}", exc))
            return 0
        except AssistantImportError as exc:
            self.show_notice(f"{Path(path).name} is not an assistants file. {exc}")
            return 0
        added = self.records.add_assistants(result.profiles)
        self.refresh(added[-1].id)
        count = len(result.profiles)
        text = f"Imported {count} assistant{'s' if count != 1 else ''}."
        if result.replaced:
            text += " " + replaced_note(result.replaced)
        if result.skipped:
            self.show_notice(f"{text} Skipped: {' '.join(result.skipped)}", "warning")
        else:
            self.show_notice(text, "info")
        return count

    async def export_file(self, path: str | Path, original: bool = False) -> None:
        """Write every assistant to `path`: Parley's file, or (`original`) the list the
        original tool's list_assistants reads."""
        profiles = self.records.list_assistants()
        text = export_original_json(profiles) if original else export_json(profiles)
        try:
            await asyncio.to_thread(write_private, Path(path), text)
        except OSError as exc:
            self.show_notice(failure_message(f"Writing {Path(path).name}", exc))
            return
        count = len(profiles)
        shape = " in the original tool's shape" if original else ""
        self.show_notice(
            f"Exported {count} assistant{'s' if count != 1 else ''} to {path}{shape}.", "info"
        )
