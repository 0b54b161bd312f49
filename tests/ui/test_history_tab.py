"""The History tab driven as a user would: type, click, press keys; read what it shows."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QLineEdit, QListView

from desktop_app.core.dialogue import Message
from desktop_app.core.exporters import FORMATS
from desktop_app.core.history import SearchFilters
from desktop_app.services.history_store import HistoryStore
from desktop_app.services.store import Store
from desktop_app.ui.history.dialogues_model import HEADER_ROLE
from desktop_app.ui.history.history_tab import OFFLINE_TEXT, HistoryTab
from tests.support.history_data import add, dialogue
from tests.support.loop import run, run_until

NOW = time.time()  # one "now" for the data and the tab's clock: no midnight between them


@pytest.fixture
def store(paths) -> HistoryStore:  # type: ignore[no-untyped-def]
    store = HistoryStore.open(paths.database, paths.attachments_dir)
    add(
        store,
        dialogue(
            "Old trip",
            ("user", "plan a trip to Lisbon", "neutral"),
            ("assistant", "Lisbon has trams and whales offshore", "positive"),
            model="gpt-4",
            age_days=40,
            assistant="travel-bot",
            now=NOW,
        ),
        dialogue(
            "Pasta recipe",
            ("user", "my pasta is terrible", "negative"),
            ("assistant", "Salt the water generously", "neutral"),
            model="o3",
            age_days=1,
            now=NOW,
        ),
        dialogue(
            "Whale facts",
            ("user", "tell me about whales", "neutral"),
            ("assistant", "Whales are wonderful mammals", "positive"),
            now=NOW,
        ),
    )
    pasta = store.messages(2)[0].id
    store.add_attachment(pasta, b"\x89PNG", "png", "image/png", "pasta.png")
    yield store
    store.close()


@pytest.fixture
def tab(qtbot, qloop, store: HistoryStore) -> HistoryTab:  # type: ignore[no-untyped-def]
    # Not qtbot.addWidget: pytest-qt closes those before fixtures are torn down, and the tab
    # must shut its tasks down while it still exists.
    tab = HistoryTab(store, clock=lambda: NOW)
    tab.resize(1000, 700)
    tab.show()
    run_until(qloop, lambda: tab.count_label.text() == "3 dialogues")
    yield tab
    run(qloop, tab.shutdown())
    tab.close()
    tab.deleteLater()


def titles(tab: HistoryTab) -> list[str]:
    return [r.title for r in tab.model.dialogue_rows()]


def click_row(qtbot, view: QListView, row: int) -> None:  # type: ignore[no-untyped-def]
    rect = view.visualRect(view.model().index(row, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def row_of(tab: HistoryTab, title: str) -> int:
    return next(i for i, r in enumerate(tab.model._rows) if getattr(r, "title", None) == title)


def test_list_is_newest_first_under_day_headings(tab: HistoryTab, qtmodeltester) -> None:
    qtmodeltester.check(tab.model)
    headings = [
        tab.model.index(i, 0).data(HEADER_ROLE)
        for i in range(tab.model.rowCount())
        if tab.model.index(i, 0).data(HEADER_ROLE)
    ]
    assert titles(tab) == ["Whale facts", "Pasta recipe", "Old trip"]
    assert headings[:2] == ["Today", "Yesterday"] and len(headings) == 3
    tip = tab.model.index(row_of(tab, "Old trip"), 0).data(Qt.ItemDataRole.ToolTipRole)
    assert "Assistant: travel-bot" in tip and "2 messages" in tip and "mixed" not in tip
    assert tab.count_label.text() == "3 dialogues"


def test_clicking_a_dialogue_opens_it_read_only(qtbot, qloop, tab: HistoryTab) -> None:
    click_row(qtbot, tab.list_view, row_of(tab, "Pasta recipe"))
    run_until(qloop, lambda: tab.view.message_count == 2)
    assert tab.reader.title_label.text() == "Pasta recipe"
    assert "Salt the water generously" in tab.view.toPlainText()
    assert tab.view.isReadOnly()


def test_typing_searches_live_once_typing_pauses(
    qtbot, qloop, tab: HistoryTab, qtmodeltester, monkeypatch
) -> None:
    qtmodeltester.check(tab.results)
    searched: list[str] = []
    real = tab.store.search_messages

    def spy(text: str, *args):  # type: ignore[no-untyped-def]
        searched.append(text)
        return real(text, *args)

    monkeypatch.setattr(tab.store, "search_messages", spy)
    qtbot.keyClicks(tab.filter_bar.search_edit, "whales")
    run_until(qloop, lambda: tab.results.rowCount() == 3)
    assert searched == ["whales"]  # one search after the pause, not one per key
    assert tab.stack.currentWidget() is tab.results_view
    first = tab.results.hits[0]
    assert first.title == "Whale facts" and "\x02whales\x03" in first.snippet.lower()
    click_row(qtbot, tab.results_view, 1)
    hit = tab.results.hits[1]
    run_until(qloop, lambda: tab.view.current_message_id == hit.message_id)
    assert [w.lower() for w in tab.view.marked_words] == ["whales"]
    tab.filter_bar.search_edit.clear()
    run_until(qloop, lambda: tab.stack.currentWidget() is tab.list_view)


def test_a_hit_in_a_branch_not_shown_opens_in_that_branch(qtbot, qloop, tab: HistoryTab) -> None:
    question = tab.store.messages(3)[0].id
    tab.store.add_message(3, Message("assistant", "Narwhals have tusks"), parent_id=question)
    qtbot.keyClicks(tab.filter_bar.search_edit, "wonderful")  # in the older version only
    run_until(qloop, lambda: tab.results.rowCount() == 1)
    hit = tab.results.hits[0]
    click_row(qtbot, tab.results_view, 0)
    run_until(qloop, lambda: tab.view.current_message_id == hit.message_id)
    shown = tab.view.toPlainText()
    assert "Whales are wonderful mammals" in shown and "Narwhals" not in shown
    assert tab.store.messages(3)[-1].content == "Narwhals have tusks"  # Chat's branch stays


def test_a_newer_search_supersedes_a_slower_older_one(
    qtbot, qloop, tab: HistoryTab, monkeypatch
) -> None:
    release = threading.Event()
    real = tab.store.search_messages

    def slow_for_pasta(text: str, *args):  # type: ignore[no-untyped-def]
        if text == "pasta":
            release.wait(5)
        return real(text, *args)

    monkeypatch.setattr(tab.store, "search_messages", slow_for_pasta)
    qtbot.keyClicks(tab.filter_bar.search_edit, "pasta")
    run_until(qloop, lambda: tab._search_generation == 1)
    tab.filter_bar.search_edit.setText("whales")
    run_until(qloop, lambda: tab.results.query == "whales")
    release.set()
    time.sleep(0.05)
    run_until(qloop, lambda: tab.tasks.running == 0)
    assert tab.results.query == "whales"
    assert {h.title for h in tab.results.hits} == {"Whale facts", "Old trip"}


def set_combo(combo, value: str) -> None:  # type: ignore[no-untyped-def]
    combo.setCurrentIndex(combo.findData(value))


@pytest.mark.parametrize(
    ("apply", "expected"),
    [
        (lambda bar: set_combo(bar.model_combo, "gpt-4"), {("Old trip", "assistant")}),
        (lambda bar: set_combo(bar.role_combo, "user"), {("Whale facts", "user")}),
        (lambda bar: set_combo(bar.sentiment_combo, "positive"), {("Whale facts", "assistant"),
                                                                   ("Old trip", "assistant")}),
        (lambda bar: set_combo(bar.assistant_combo, "travel-bot"), {("Old trip", "assistant")}),
        (lambda bar: bar.image_check.click(), set()),
        (lambda bar: (bar.since_edit.setDate(QDate.currentDate().addDays(-7)),
                      bar.dates_check.click()), {("Whale facts", "user"),
                                                 ("Whale facts", "assistant")}),
    ],
    ids=["model", "role", "sentiment", "assistant", "has-image", "date-range"],
)  # fmt: skip
def test_each_filter_narrows_the_search(qloop, tab: HistoryTab, apply, expected) -> None:  # type: ignore[no-untyped-def]
    tab.filter_bar.search_edit.setText("whales")
    run_until(qloop, lambda: tab.results.rowCount() == 3)
    apply(tab.filter_bar)
    run_until(qloop, lambda: tab.filter_bar.filters().active and tab.tasks.running == 0)
    run(qloop, tab.search())
    assert {(h.title, h.role) for h in tab.results.hits} == expected


def test_filters_alone_list_matching_messages(qloop, tab: HistoryTab) -> None:
    tab.filter_bar.image_check.click()
    run_until(qloop, lambda: tab.results.rowCount() == 2)
    assert {h.title for h in tab.results.hits} == {"Pasta recipe"}
    assert tab.stack.currentWidget() is tab.results_view


def test_rename_in_place_with_f2(qtbot, qloop, tab: HistoryTab) -> None:
    click_row(qtbot, tab.list_view, row_of(tab, "Whale facts"))
    run_until(qloop, lambda: tab.open_id is not None)
    qtbot.keyClick(tab.list_view, Qt.Key.Key_F2)
    editor = tab.list_view.findChild(QLineEdit)
    assert editor is not None and editor.text() == "Whale facts"
    editor.selectAll()
    qtbot.keyClicks(editor, "Cetaceans")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    run_until(qloop, lambda: "Cetaceans" in titles(tab))
    assert tab.store.dialogue_row(3).title == "Cetaceans"
    assert tab.reader.title_label.text() == "Cetaceans"
    assert titles(tab)[0] == "Cetaceans"  # a rename does not reorder


def test_pin_moves_a_dialogue_to_the_top(qtbot, qloop, tab: HistoryTab) -> None:
    click_row(qtbot, tab.list_view, row_of(tab, "Old trip"))
    run_until(qloop, lambda: tab.reader.pin_button.isEnabled())
    qtbot.mouseClick(tab.reader.pin_button, Qt.MouseButton.LeftButton)
    run_until(qloop, lambda: titles(tab)[0] == "Old trip")
    assert tab.model.index(0, 0).data(HEADER_ROLE) == "Pinned"
    assert tab.reader.pin_button.accessibleName() == "Unpin"
    qtbot.mouseClick(tab.reader.pin_button, Qt.MouseButton.LeftButton)
    run_until(qloop, lambda: titles(tab)[-1] == "Old trip")


def test_delete_undo_trash_restore_and_purge(qtbot, qloop, tab: HistoryTab) -> None:
    click_row(qtbot, tab.list_view, row_of(tab, "Pasta recipe"))
    run_until(qloop, lambda: tab.open_id == 2)
    qtbot.keyClick(tab.list_view, Qt.Key.Key_Delete)
    run_until(qloop, lambda: "Pasta recipe" not in titles(tab))
    assert tab.banner.text == "The dialogue moved to the trash."
    run_until(qloop, lambda: tab.open_id == 3)  # the next one opens, as in a mail client
    qtbot.mouseClick(tab.banner.action_button, Qt.MouseButton.LeftButton)  # Undo
    run_until(qloop, lambda: "Pasta recipe" in titles(tab))

    click_row(qtbot, tab.list_view, row_of(tab, "Pasta recipe"))
    run_until(qloop, lambda: tab.open_id == 2)
    qtbot.mouseClick(tab.reader.delete_button, Qt.MouseButton.LeftButton)
    run_until(qloop, lambda: titles(tab) == ["Whale facts", "Old trip"])
    qtbot.mouseClick(tab.trash_button, Qt.MouseButton.LeftButton)
    run_until(qloop, lambda: tab.model.trash and titles(tab) == ["Pasta recipe"])
    assert tab.reader.restore_button.isVisible() and not tab.reader.delete_button.isVisible()
    click_row(qtbot, tab.list_view, row_of(tab, "Pasta recipe"))
    run_until(qloop, lambda: tab.reader.restore_button.isEnabled())
    qtbot.mouseClick(tab.reader.restore_button, Qt.MouseButton.LeftButton)
    run_until(qloop, lambda: titles(tab) == [])
    qtbot.mouseClick(tab.trash_button, Qt.MouseButton.LeftButton)
    run_until(qloop, lambda: not tab.model.trash and "Pasta recipe" in titles(tab))

    run(qloop, tab.delete([1, 2]))
    qtbot.mouseClick(tab.trash_button, Qt.MouseButton.LeftButton)
    run_until(qloop, lambda: len(titles(tab)) == 2)
    qtbot.mouseClick(tab.empty_trash_button, Qt.MouseButton.LeftButton)
    assert "for good" in tab.banner.text  # asks first, in the banner
    qtbot.mouseClick(tab.banner.action_button, Qt.MouseButton.LeftButton)
    run_until(qloop, lambda: titles(tab) == [])
    assert tab.store.get_dialogue(2) is None
    assert tab.store.count_dialogues() == 1


def test_export_selected_in_every_format(qtbot, qloop, tab: HistoryTab, tmp_path: Path) -> None:
    click_row(qtbot, tab.list_view, row_of(tab, "Whale facts"))
    rect = tab.list_view.visualRect(tab.model.index(row_of(tab, "Old trip"), 0))
    qtbot.mouseClick(
        tab.list_view.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.ControlModifier,
        rect.center(),
    )
    assert sorted(tab.selected_ids()) == [1, 3]
    for fmt in ("json", "markdown", "jsonl"):
        assert run(qloop, tab.export_selected(tmp_path / f"out.{fmt}", fmt))
    exported = json.loads((tmp_path / "out.json").read_text())
    assert [d["title"] for d in exported] == ["Whale facts", "Old trip"]
    assert exported[0]["messages"][0] == {
        "role": "user",
        "content": "tell me about whales",
        "sentiment": "neutral",
        "timestamp": exported[0]["messages"][0]["timestamp"],
    }
    markdown = (tmp_path / "out.markdown").read_text()
    assert markdown.startswith("# Whale facts") and "# Old trip" in markdown
    lines = (tmp_path / "out.jsonl").read_text().splitlines()
    assert [json.loads(line)["messages"][-1]["role"] for line in lines] == ["assistant"] * 2
    assert "Exported 2 dialogues to out.jsonl" in tab.banner.text


def test_import_adds_dialogues_and_reports(qloop, tab: HistoryTab, tmp_path: Path) -> None:
    log = tmp_path / "gpt-4o-mini_2024-10-27.json"
    entries = [
        {"role": "user", "content": "Bonjour, ça va ?", "sentiment": None,
         "timestamp": "2024-10-27T10:00:00"},
        {"role": "assistant", "content": "Très bien !", "sentiment": "positive",
         "timestamp": "2024-10-27T10:00:03"},
    ]  # fmt: skip
    log.write_text(json.dumps(entries), encoding="utf-8")
    ids = run(qloop, tab.import_file(log))
    assert len(ids) == 1
    assert "Bonjour, ça va ?" in titles(tab)
    assert tab.open_id == ids[0] and "Très bien" in tab.view.toPlainText()  # shown at once
    assert tab.banner.text.startswith("Imported 1 dialogue (2 messages) from a dialogue log.")
    assert not tab.job_bar.isVisible()
    assert tab.store.get_dialogue(ids[0]).messages[0].sentiment_label  # rated on import


def test_continue_in_chat(qtbot, qloop, tab: HistoryTab) -> None:
    click_row(qtbot, tab.list_view, row_of(tab, "Old trip"))
    run_until(qloop, lambda: tab.reader.continue_button.isEnabled())
    with qtbot.waitSignal(tab.continue_requested) as caught:
        qtbot.mouseClick(tab.reader.continue_button, Qt.MouseButton.LeftButton)
    assert caught.args == [1]


def test_offline_banner_and_everything_still_works(qloop, tab: HistoryTab) -> None:
    tab.set_connection("offline")
    assert tab.offline_banner.isVisible() and tab.offline_banner.text == OFFLINE_TEXT
    tab.filter_bar.search_edit.setText("lisbon")
    run_until(qloop, lambda: tab.results.rowCount() == 2)
    tab.set_connection("online")
    assert not tab.offline_banner.isVisible()


def test_showing_the_tab_picks_up_dialogues_saved_by_chat(qtbot, qloop, tab, paths) -> None:  # type: ignore[no-untyped-def]
    chat_store = Store.open(paths.database, paths.attachments_dir)
    chat_store.create_dialogue("Written by Chat")
    chat_store.close()
    tab.hide()
    tab.show()
    run_until(qloop, lambda: tab.count_label.text() == "4 dialogues")
    assert titles(tab)[0] == "Written by Chat"


def test_search_text_without_results_and_filters_reset(qloop, tab: HistoryTab) -> None:
    tab.filter_bar.search_edit.setText("zeppelin")
    run_until(qloop, lambda: tab.count_label.text() == "0 results")
    assert tab.results.rowCount() == 0
    assert tab.filter_bar.filters() == SearchFilters()


def test_a_long_dialogue_opens_at_the_hit_and_stays_there_while_the_rest_loads(
    qtbot, qloop, tab: HistoryTab
) -> None:
    turns = [("user" if i % 2 == 0 else "assistant", f"message {i} about nothing", "neutral")
             for i in range(600)]  # fmt: skip
    turns[450] = ("assistant", "the hidden narwhal is here", "positive")
    (long_id,) = add(tab.store, dialogue("Long one", *turns))
    tab.filter_bar.search_edit.setText("narwhal")
    run_until(qloop, lambda: tab.results.rowCount() == 1)
    click_row(qtbot, tab.results_view, 0)
    hit = tab.results.hits[0]
    run_until(qloop, lambda: tab.view.current_message_id == hit.message_id)
    assert tab.open_id == long_id
    where = tab.view.verticalScrollBar().value()
    assert where > 0 and [w.lower() for w in tab.view.marked_words] == ["narwhal"]
    run_until(qloop, lambda: tab.view.loaded)
    assert tab.view.message_count == 600
    assert tab.view.verticalScrollBar().value() == where  # nothing pushed it away
    index = tab.view.item_index(hit.message_id)
    rect = tab.view.item_rect(index)
    assert 0 <= rect.top() < tab.view.viewport().height()  # the hit is on screen
    laid_out = [i for i, item in enumerate(tab.view.items) if item.parts is not None]
    assert index in laid_out and len(laid_out) < 200  # only what is near the screen


def test_export_and_import_through_the_file_dialogs(
    qtbot, qloop, tab: HistoryTab, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """The dialogs open with open(), not a nested event loop; the user picks and accepts."""
    click_row(qtbot, tab.list_view, row_of(tab, "Whale facts"))
    tab.choose_export_file()
    dialog = tab._file_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.selectNameFilter(FORMATS["markdown"])
    dialog.selectFile(str(tmp_path / "whales"))
    dialog.accept()
    run_until(qloop, lambda: (tmp_path / "whales.md").exists() and not tab.job_running)
    assert (tmp_path / "whales.md").read_text().startswith("# Whale facts")

    log = tmp_path / "seed.json"
    log.write_text(json.dumps([{"role": "user", "content": "imported by dialog"}]))
    tab.choose_import_file()
    tab._file_dialog.selectFile(str(log))
    tab._file_dialog.accept()
    run_until(
        qloop,
        lambda: (
            "imported by dialog"
            in " ".join(
                m.content for d in tab.store.dialogue_rows() for m in tab.store.messages(d.id)
            )
        ),
    )


def test_the_complete_json_export_keeps_every_version_and_the_reasoning(
    qloop, tab: HistoryTab, tmp_path: Path
) -> None:
    from desktop_app.core.dialogue import Message

    store = tab.store
    dialogue = store.create_dialogue("Versions")
    question = store.add_message(dialogue, Message("user", "Pick a number"))
    store.add_message(dialogue, Message("assistant", "Seven", reasoning="Lucky."))
    store.add_message(dialogue, Message("assistant", "Three"), parent_id=question)
    shown, complete = tmp_path / "shown.json", tmp_path / "complete.json"
    assert run(qloop, tab.export([dialogue], shown, "json"))
    assert run(qloop, tab.export([dialogue], complete, "json", complete=True))
    plain = json.loads(shown.read_text("utf-8"))
    full = json.loads(complete.read_text("utf-8"))
    texts = json.dumps(plain, ensure_ascii=False)
    assert "Three" in texts and "Seven" not in texts and "Lucky." not in texts
    everything = json.dumps(full, ensure_ascii=False)
    assert "Three" in everything and "Seven" in everything and "Lucky." in everything
