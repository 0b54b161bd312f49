"""Importing bad files through the History tab: a clear error, nothing half-imported, and a
window that keeps answering (the work runs in a thread, with progress and Cancel)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer

from desktop_app.services.history_store import HistoryStore
from desktop_app.ui.history.history_tab import HistoryTab
from tests.support.history_data import add, dialogue
from tests.support.loop import run, run_until
from tests.unit.test_importers import chatgpt_conversation

MB = 1 << 20


@pytest.fixture
def tab(qtbot, qloop, paths) -> HistoryTab:  # type: ignore[no-untyped-def]
    store = HistoryStore.open(paths.database, paths.attachments_dir)
    add(store, dialogue("Already here", ("user", "hello", "neutral")))
    tab = HistoryTab(store)
    tab.resize(900, 600)
    tab.show()
    run_until(qloop, lambda: tab.count_label.text() == "1 dialogue")
    yield tab
    run(qloop, tab.shutdown())
    tab.close()
    tab.deleteLater()
    store.close()


class Heartbeat:
    """A timer that ticks every 10 ms on the UI thread; a long gap means a frozen window."""

    def __init__(self) -> None:
        self.ticks: list[float] = []
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(lambda: self.ticks.append(time.monotonic()))
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        gaps = [b - a for a, b in zip(self.ticks, self.ticks[1:], strict=False)]
        return max(gaps, default=0.0)


def import_watching(qloop, tab: HistoryTab, path: Path) -> tuple[list[int], float, int]:  # type: ignore[no-untyped-def]
    """Import `path`; return the new ids, the longest UI stall, and the most progress shown."""
    heartbeat = Heartbeat()
    progress: list[int] = []
    tab.job_bar.progress.valueChanged.connect(progress.append)
    ids = run(qloop, tab.import_file(path), timeout=60)
    return ids, heartbeat.stop(), max(progress, default=0)


def assert_nothing_imported(tab: HistoryTab) -> None:
    assert tab.store.count_dialogues() == 1
    assert [r.title for r in tab.model.dialogue_rows()] == ["Already here"]
    assert not tab.job_bar.isVisible()


def test_malformed_json_names_the_line(qloop, tab: HistoryTab, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('[\n  {"role": "user", "content": "hi"},\n  {"role": "user" "content": 1}\n]')
    assert run(qloop, tab.import_file(path)) == []
    assert tab.banner.level == "error"
    assert "Nothing was imported from broken.json" in tab.banner.text
    assert "Line 3: entry 2 is not valid JSON (Expecting ',' delimiter)" in tab.banner.text
    assert_nothing_imported(tab)


def test_truncated_export_imports_nothing_not_even_the_complete_part(
    qloop, tab: HistoryTab, tmp_path: Path
) -> None:
    text = json.dumps([chatgpt_conversation(f"c{i}") for i in range(20)], indent=1)
    path = tmp_path / "conversations.json"
    path.write_text(text[: len(text) * 2 // 3], encoding="utf-8")
    run(qloop, tab.import_file(path))
    assert "looks truncated" in tab.banner.text
    assert_nothing_imported(tab)


def test_wrongly_encoded_file_says_how_to_fix_it(qloop, tab: HistoryTab, tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(
        json.dumps([{"role": "user", "content": "Crème brûlée"}], ensure_ascii=False).encode(
            "latin-1"
        )
    )
    run(qloop, tab.import_file(path))
    assert "is not UTF-8 text: the byte 0xE8" in tab.banner.text
    assert "Save the file as UTF-8" in tab.banner.text
    assert_nothing_imported(tab)


def test_a_100_mb_file_is_refused_without_freezing_the_window(
    qloop, tab: HistoryTab, tmp_path: Path
) -> None:
    path = tmp_path / "huge.json"
    with path.open("w", encoding="ascii") as out:
        out.write('[{"role": "user", "content": "')
        block = "abcdefgh " * (MB // 9)
        for _ in range(100):
            out.write(block)
        out.write('"}]')
    assert path.stat().st_size >= 99 * MB
    ids, stall, shown = import_watching(qloop, tab, path)
    assert ids == []
    assert "Entry 1, starting on line 1, is larger than 32 MB" in tab.banner.text
    assert shown > 0  # the progress bar moved while it read
    assert stall < 0.5, f"the window froze for {stall:.2f} s"
    assert_nothing_imported(tab)


def big_export(path: Path, conversations: int) -> None:
    items = []
    for i in range(conversations):
        conversation = chatgpt_conversation(f"Conversation {i}")
        for node in conversation["mapping"].values():
            message = node["message"]
            if message and message["content"]["content_type"] == "text":
                message["content"]["parts"] = [f"{message['content']['parts'][0]} " * 40]
        items.append(conversation)
    path.write_text(json.dumps(items), encoding="utf-8")


def test_cancel_stops_a_big_import_and_keeps_nothing(
    qtbot, qloop, tab: HistoryTab, tmp_path: Path
) -> None:
    path = tmp_path / "conversations.json"
    big_export(path, 3000)
    heartbeat = Heartbeat()
    task = tab.tasks.spawn(tab.import_file(path))
    run_until(qloop, lambda: tab.job_bar.progress.value() > 0)
    assert tab.job_bar.isVisible() and tab.job_bar.label.text() == "Importing conversations.json"
    qtbot.mouseClick(tab.job_bar.cancel_button, Qt.MouseButton.LeftButton)
    assert run(qloop, asyncio.wait_for(task, 30)) == []
    assert heartbeat.stop() < 0.5
    assert tab.banner.text == "Import cancelled; nothing from conversations.json was kept."
    assert_nothing_imported(tab)


def test_cancel_ends_an_import_within_a_second_even_inside_a_long_step(
    qtbot, qloop, tab: HistoryTab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One dialogue of 2,000 messages whose tone takes 5 ms each to rate: the import used to
    look at Cancel only between dialogues, so Cancel did nothing for ten seconds."""
    from desktop_app.core.sentiment import SentimentAnalyzer

    rated: list[str] = []
    real = SentimentAnalyzer.analyze

    def slow(self, text: str):  # type: ignore[no-untyped-def]
        rated.append(text)
        time.sleep(0.005)
        return real(self, text)

    monkeypatch.setattr(SentimentAnalyzer, "analyze", slow)
    messages = [{"role": ("user", "assistant")[i % 2], "content": f"m{i}"} for i in range(2000)]
    path = tmp_path / "long.json"
    path.write_text(json.dumps({"messages": messages}), encoding="utf-8")
    task = tab.tasks.spawn(tab.import_file(path))
    run_until(qloop, lambda: len(rated) >= 10)
    with qtbot.waitSignal(tab.busy_changed, timeout=1000, check_params_cb=lambda busy: not busy):
        qtbot.mouseClick(tab.job_bar.cancel_button, Qt.MouseButton.LeftButton)
    assert run(qloop, asyncio.wait_for(task, 1)) == []
    assert tab.banner.text == "Import cancelled; nothing from long.json was kept."
    job = tab.last_job
    assert job is not None and job.cancelled
    run_until(qloop, lambda: not job.thread.is_alive(), timeout=5)  # it stops at its next look
    assert len(rated) < 2000
    assert_nothing_imported(tab)


def test_a_big_export_imports_whole_with_progress(qloop, tab: HistoryTab, tmp_path: Path) -> None:
    path = tmp_path / "conversations.json"
    big_export(path, 400)
    ids, stall, shown = import_watching(qloop, tab, path)
    assert len(ids) == 400 and shown == 1000
    assert stall < 0.5, f"the window froze for {stall:.2f} s"
    assert tab.store.count_dialogues() == 401
    assert "Imported 400 dialogues (1200 messages) from a ChatGPT export." in tab.banner.text
    assert "400 images" in tab.banner.text  # what could not come along is said


def import_through_the_dialog(qtbot, qloop, tab: HistoryTab, path: Path) -> None:  # type: ignore[no-untyped-def]
    """As a user imports: the Import… button, the file dialog, the file, Open."""
    qtbot.mouseClick(tab.import_button, Qt.MouseButton.LeftButton)
    dialog = tab._file_dialog
    assert dialog is not None and dialog.isVisible()
    assert "*.zip" in dialog.nameFilters()[0]
    dialog.selectFile(str(path))
    dialog.accept()
    run_until(qloop, lambda: tab.tasks.running == 0 and not tab.job_running, timeout=30)


def test_a_chatgpt_zip_imports_through_the_import_button(
    qtbot, qloop, tab: HistoryTab, tmp_path: Path
) -> None:
    from tests.support.chatgpt_export import realistic_export

    path = realistic_export(tmp_path / "chatgpt-export.zip")
    import_through_the_dialog(qtbot, qloop, tab, path)
    assert tab.banner.level == "warning"  # a PDF the export did not hold is named
    assert tab.banner.text.startswith(
        "Imported 4 dialogues (11 messages) from a ChatGPT export. Attached 2 files from the "
        "archive. Kept 2 turns that held only an image or a file."
    )
    assert tab.store.count_dialogues() == 5
    assert {"What is this plant", "Weather chat", "Lisbon trip", "Lighthouse picture"} <= {
        r.title for r in tab.model.dialogue_rows()
    }
    assert tab.open_id is not None  # the first one imported is shown

    import_through_the_dialog(qtbot, qloop, tab, path)  # the same export again
    assert tab.banner.text == (
        "Nothing new in a ChatGPT export: 4 dialogues in it were imported before and have "
        "not changed."
    )
    assert tab.banner.level == "info"
    assert tab.store.count_dialogues() == 5


def test_a_file_that_is_not_an_export_says_so_in_the_tab(
    qtbot, qloop, tab: HistoryTab, tmp_path: Path
) -> None:
    import zipfile

    path = tmp_path / "holiday-photos.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("IMG_0001.jpg", b"\xff\xd8\xff")
    import_through_the_dialog(qtbot, qloop, tab, path)
    assert tab.banner.level == "error"
    assert tab.banner.text.startswith(
        "Nothing was imported from holiday-photos.zip. holiday-photos.zip holds no "
        "conversations.json."
    )
    assert "Traceback" not in tab.banner.text
    assert_nothing_imported(tab)
