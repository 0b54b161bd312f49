"""A store of 100,000 dialogues (100,000 messages): the list pages as the user scrolls."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtTest import QTest

from desktop_app.services.history_store import PAGE_SIZE, HistoryStore
from desktop_app.ui.history.dialogues_model import HEADER_ROLE, DialoguesModel
from desktop_app.ui.history.history_tab import RESULTS_PAGE, HistoryTab
from tests.support.clock import EDGE_DAYS, noon
from tests.support.history_data import build_big_store
from tests.support.loop import run, run_until

DIALOGUES = 100_000
# Noon of a fixed day, for the data and the tab's clock alike: the first dialogue, an hour
# before "now", is "Today" at any hour the suite runs.
NOW = noon(EDGE_DAYS[1])


@pytest.fixture(scope="module")
def big_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    database = tmp_path_factory.mktemp("big") / "parley.db"
    build_big_store(database, DIALOGUES, now=NOW)
    return database


@pytest.fixture
def tab(qtbot, qloop, big_database: Path) -> HistoryTab:  # type: ignore[no-untyped-def]
    store = HistoryStore.open(big_database, big_database.parent / "attachments")
    # Not qtbot.addWidget: pytest-qt closes those before fixtures are torn down, and the tab
    # must shut its tasks down while it still exists.
    tab = HistoryTab(store, clock=lambda: NOW)
    tab.resize(900, 600)
    tab.show()
    run_until(qloop, lambda: tab.count_label.text() == f"{DIALOGUES:,} dialogues")
    yield tab
    run(qloop, tab.shutdown())
    tab.close()
    tab.deleteLater()
    store.close()


def scroll_to_end(qloop, view) -> None:  # type: ignore[no-untyped-def]
    """Drag the scroll bar to the bottom, as a user would, and let the view react."""
    bar = view.verticalScrollBar()
    bar.setValue(bar.maximum())
    QTest.qWait(0)


def test_paged_model_passes_qt_model_tester_through_every_change(
    tmp_path: Path, qapp, qtmodeltester
) -> None:  # type: ignore[no-untyped-def]
    build_big_store(tmp_path / "parley.db", 300)
    store = HistoryStore.open(tmp_path / "parley.db", tmp_path / "attachments")
    model = DialoguesModel(store, page_size=7)
    model.reload()
    qtmodeltester.check(model)  # re-checks the whole model after every signal
    while model.canFetchMore():
        model.fetchMore()
    assert [r.id for r in model.dialogue_rows()] == list(range(1, 301))
    model.remove_ids([1, 2, 150])
    store.rename(3, "Renamed")
    model.update_row(store.dialogue_row(3))
    assert model.dialogue_rows()[0].title == "Renamed"
    store.move_to_trash([4, 5])
    model.reload(trash=True)
    assert sorted(r.id for r in model.dialogue_rows()) == [4, 5]
    store.close()


def test_scrolling_fetches_every_page_in_order(qloop, tab: HistoryTab) -> None:
    model = tab.model
    # The first page, and whatever the view and the model tester asked for since.
    assert len(model.dialogue_rows()) <= 3 * PAGE_SIZE
    fetches = 0
    while model.canFetchMore():
        before = model.rowCount()
        scroll_to_end(qloop, tab.list_view)
        fetches += 1
        assert model.rowCount() > before or not model.canFetchMore(), "scrolling fetched nothing"
    assert fetches >= DIALOGUES // PAGE_SIZE - 3
    rows = model.dialogue_rows()
    assert [r.id for r in rows] == list(range(1, DIALOGUES + 1))  # newest first, no gaps
    headings = [
        model.index(i, 0).data(HEADER_ROLE)
        for i in range(model.rowCount())
        if model.index(i, 0).data(HEADER_ROLE)
    ]
    assert headings[:3] == ["Today", "Yesterday", "Previous 7 days"] or headings[0] == "Today"
    assert len(headings) == len(set(headings))  # each group heads one unbroken run of rows
    assert len(headings) >= 12 * 11  # about eleven years of hourly dialogues, by month
    assert rows[-1].message_count == 1 and rows[-1].mood


def test_search_results_page_as_well(qloop, tab: HistoryTab) -> None:
    tab.filter_bar.search_edit.setText("whales")
    run_until(qloop, lambda: tab.results.rowCount() == RESULTS_PAGE)
    scroll_to_end(qloop, tab.results_view)
    run_until(qloop, lambda: tab.results.rowCount() == 2 * RESULTS_PAGE)
    ids = [h.message_id for h in tab.results.hits]
    assert len(set(ids)) == len(ids)
    assert all("\x02whales\x03" in h.snippet for h in tab.results.hits)
    tab.filter_bar.search_edit.setText("token7 whales")  # one dialogue in a thousand
    run_until(qloop, lambda: tab.results.query == "token7 whales")
    assert tab.results.rowCount() == 0  # dialogues 7, 1007, … are all about taxes
    tab.filter_bar.search_edit.setText("token7 taxes")
    run_until(qloop, lambda: tab.results.rowCount() == DIALOGUES // 1000)
