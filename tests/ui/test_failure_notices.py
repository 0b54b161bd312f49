"""No exception's own text reaches the user: a failure in any tab becomes a sentence saying
what failed and where the details are; known errors (a full disk, a permission) say more."""

from __future__ import annotations

import errno
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop_app.services.failure_text import DETAILS, failure_message
from desktop_app.services.store import StoreError
from tests.support.chat import type_and_send
from tests.support.loop import run, run_until
from tests.support.training_data import chat_file

LEAK = "boom-7f3a in /srv/internal/module.py"


def fail(*_args: Any, **_kwargs: Any) -> Any:
    raise RuntimeError(LEAK)


async def fail_async(*_args: Any, **_kwargs: Any) -> Any:
    raise RuntimeError(LEAK)


# Each: make one service call fail, then do what a user does; the banner it shows in.
def chat(qloop, parley, qtbot, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(parley.chat, "prepare", fail)
    parley.window.tabs.setCurrentWidget(parley.chat_tab)
    type_and_send(qtbot, parley.chat_tab, "Hello")
    return parley.chat_tab.banner


def history(qloop, parley, qtbot, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    tab = parley.history_tab
    parley.window.tabs.setCurrentWidget(tab)
    monkeypatch.setattr(tab.model, "reload", fail)
    qtbot.mouseClick(tab.trash_button, Qt.MouseButton.LeftButton)
    return tab.banner


def images(qloop, parley, qtbot, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    tab = parley.images_tab
    parley.window.tabs.setCurrentWidget(tab)
    monkeypatch.setattr(tab.intake, "add_paths", fail_async)
    tab.tasks.spawn(tab.intake.add_paths([tmp_path / "a.png"]))  # what a drop of a file starts
    return tab.banner


def usage(qloop, parley, qtbot, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    tab = parley.usage_tab
    parley.window.tabs.setCurrentWidget(tab)
    monkeypatch.setattr(tab.source, "entries", fail)
    tab.period_picker.setCurrentIndex((tab.period_picker.currentIndex() + 1) % 2)
    return tab.banner


def assistants(qloop, parley, qtbot, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    tab = parley.assistants_tab
    parley.window.tabs.setCurrentWidget(tab)
    monkeypatch.setattr(tab.remote, "list_server_assistants", fail_async)
    qtbot.mouseClick(tab.server_panel.load_button, Qt.MouseButton.LeftButton)
    return tab.banner


def training(qloop, parley, qtbot, monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    tab = parley.training_tab
    parley.window.tabs.setCurrentWidget(tab)
    panel = tab.build
    path = chat_file(tmp_path / "chat.jsonl", 3)
    monkeypatch.setattr("desktop_app.ui.training.build_panel.build_from_files", fail)
    panel.tasks.spawn(panel.preview_source(path))  # what choosing the file starts
    run_until(qloop, panel.add_rows_button.isEnabled)
    qtbot.mouseClick(panel.add_rows_button, Qt.MouseButton.LeftButton)
    return tab.banner


TABS: list[Callable[..., Any]] = [chat, history, images, usage, assistants, training]


@pytest.mark.parametrize("drive", TABS, ids=[t.__name__ for t in TABS])
def test_a_failure_in_any_tab_says_what_failed_not_the_exception(
    qloop,
    qtbot,
    parley,
    monkeypatch,
    tmp_path: Path,
    caplog,
    drive,  # type: ignore[no-untyped-def]
) -> None:
    banner = drive(qloop, parley, qtbot, monkeypatch, tmp_path)
    run_until(qloop, lambda: banner.isVisible() and banner.text)
    text = banner.text
    assert "boom-7f3a" not in text and "RuntimeError" not in text and "/srv/" not in text
    assert "failed" in text and "log" in text
    assert any(r.exc_info and LEAK in str(r.exc_info[1]) for r in caplog.records)


def test_saving_an_assistant_on_a_full_disk_says_so(qloop, qtbot, parley, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    tab = parley.assistants_tab

    def full(*_args: Any) -> Any:
        try:
            raise sqlite3.OperationalError("database or disk is full")
        except sqlite3.Error as exc:
            raise StoreError(f"The database refused a change: {exc}") from exc

    monkeypatch.setattr(tab.records, "save_assistant", full)
    tab.editor.name.setText("Tutor")
    run(qloop, tab.save())
    assert tab.banner.text == (
        "Saving the assistant failed: the disk is full. Free some space, then try again."
    )


@pytest.mark.parametrize(
    ("exc", "says"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), "the disk is full"),
        (PermissionError(errno.EACCES, "Permission denied"), "permission denied"),
        (OSError(errno.EROFS, "Read-only file system"), "read-only"),
        (FileNotFoundError(errno.ENOENT, "No such file"), "does not exist"),
        (sqlite3.OperationalError("attempt to write a readonly database"), "read-only"),
        (sqlite3.OperationalError("database is locked"), "busy"),
        (sqlite3.DatabaseError("file is not a database"), "damaged"),
        (json.JSONDecodeError("Expecting value", "x\n  y", 4), "not valid JSON (line 2, column 3)"),
        (UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"), "not UTF-8"),
        (RecursionError("maximum recursion depth exceeded"), "nested too deeply"),
        (MemoryError(), "not enough memory"),
        (OSError(errno.EIO, "Input/output error"), "“Input/output error”. " + DETAILS),
        (KeyError("internal"), "failed unexpectedly. " + DETAILS),
    ],
)
def test_known_errors_get_their_own_sentence(exc: BaseException, says: str) -> None:
    text = failure_message("Importing", exc)
    assert text.startswith("Importing failed") and says in text
    assert "invalid start byte" not in text and "internal" not in text


def test_a_cause_is_looked_through() -> None:
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as inner:
            raise StoreError("wrapped") from inner
    except StoreError as exc:
        assert "the disk is full" in failure_message("Saving", exc)
