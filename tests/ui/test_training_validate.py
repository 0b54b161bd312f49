"""The Validate panel and the dataset it checks, driven as a user drives them: the spread of
each per-example figure, problems errors-first with their whole text, the file each problem is
about, a validation split that passes, and a dataset that never holds a row twice."""

from __future__ import annotations

import csv
import html
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QHelpEvent, QTextDocumentFragment
from PySide6.QtWidgets import QApplication, QTableView, QToolTip

from desktop_app.app import Parley
from desktop_app.core.dialogue import Message
from desktop_app.core.training_stats import format_figure
from desktop_app.ui.training.training_tab import TrainingTab
from tests.openai_server import OpenAIServer
from tests.support.loop import run, run_until
from tests.support.training_data import (
    chat_example,
    labelled_csv,
    support_examples,
    write_jsonl,
)

TIP = Qt.ItemDataRole.ToolTipRole
# A tooltip on the offscreen platform (headless tests) asks it to raise the tooltip's window,
# which it cannot, and it says so; that says nothing about the table.
OFFSCREEN_TOOLTIP = pytest.mark.qt_log_ignore("This plugin does not support raise")
LEFT = Qt.MouseButton.LeftButton


def training(qloop, parley: Parley) -> TrainingTab:  # type: ignore[no-untyped-def]
    tab = parley.training_tab
    parley.window.resize(1100, 760)
    parley.window.tabs.setCurrentWidget(tab)
    run_until(qloop, lambda: tab.jobs.available is True)
    return tab


def validate_by_click(qloop, qtbot, tab: TrainingTab, path: Path, held: Path | None = None):  # type: ignore[no-untyped-def]
    tab.validation.set_file(path, held)
    tab.start.set_files(path, held)
    tab.show_panel(tab.validation)
    qtbot.mouseClick(tab.validation.validate_button, LEFT)
    run_until(qloop, lambda: tab.validation.report is not None)
    return tab.validation.report


def hover_text(view: QTableView, row: int, column: int) -> str:
    """The tooltip a user sees resting the mouse on a cell, as plain text."""
    QToolTip.hideText()
    centre = view.visualRect(view.model().index(row, column)).center()
    event = QHelpEvent(QEvent.Type.ToolTip, centre, view.viewport().mapToGlobal(centre))
    QApplication.sendEvent(view.viewport(), event)
    shown = QTextDocumentFragment.fromHtml(QToolTip.text()).toPlainText()
    QToolTip.hideText()
    return shown


@OFFSCREEN_TOOLTIP
def test_the_figures_table_and_the_problems_errors_first(
    qloop, qtbot, parley: Parley, tmp_path: Path, qtmodeltester
) -> None:
    tab = training(qloop, parley)
    lines = support_examples(50)
    lines[7]["messages"][1]["content"] = "   "  # an error on line 8
    lines[20]["messages"] = [m for m in lines[20]["messages"] if m["role"] != "user"]  # warning
    report = validate_by_click(qloop, qtbot, tab, write_jsonl(tmp_path / "support.jsonl", lines))
    panel = tab.validation
    figures = panel.figures
    qtmodeltester.check(figures)
    labels = [figures.headerData(r, Qt.Orientation.Vertical) for r in range(figures.rowCount())]
    assert labels == ["Total tokens", "Assistant tokens", "Messages"]
    assert [figures.headerData(c, Qt.Orientation.Horizontal) for c in range(6)] == [
        "Min", "P5", "Median", "Mean", "P95", "Max",
    ]  # fmt: skip
    tokens, messages = report.spreads["tokens"], report.spreads["messages"]
    assert figures.index(0, 5).data() == format_figure(tokens.maximum)
    assert figures.index(0, 1).data() == format_figure(tokens.p5)
    assert figures.index(2, 0).data() == str(min(report.messages)) == "2"  # line 21's
    assert figures.index(2, 5).data() == format_figure(messages.maximum)
    tip = figures.headerData(1, Qt.Orientation.Horizontal, TIP)
    assert "5th percentile" in tip and "linear interpolation" in tip and "10th" in tip
    assert "p95 are the 5th and 95th percentiles" in panel.stats_label.text()

    problems = panel.problems
    qtmodeltester.check(problems)
    severities = [problems.index(r, 1).data() for r in range(problems.rowCount())]
    assert severities == ["error", "warning", "note"]  # notes of one kind are one row
    assert problems.index(0, 0).data() == 8 and problems.index(1, 0).data() == 21
    note = problems.index(2, 3).data()
    assert note.startswith("No system message.") and "9 examples: lines 1, 7, 13" in note
    for column in range(5):  # the whole text on hover, wrapped
        assert problems.index(2, column).data(TIP) == f"<p>{html.escape(note)}</p>"

    view = panel.problems_view
    assert view.isColumnHidden(4)  # one file: no File column
    assert hover_text(view, 1, 3) == problems.index(1, 3).data() == "No user message."
    widest_code = max(
        view.fontMetrics().horizontalAdvance(problems.index(r, 2).data())
        for r in range(problems.rowCount())
    )
    assert view.columnWidth(2) >= widest_code  # Check is never cut
    assert view.columnWidth(3) > view.columnWidth(2)  # Problem takes the room

    exported = tmp_path / "report.csv"
    assert run(qloop, panel.export_report(exported))
    with exported.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert [r[1] for r in rows[1:4]] == ["error", "warning", "note"]
    assert rows[3][3] == note
    assert {r[2] for r in rows if r[1] == "figure"} == {"tokens", "assistant_tokens", "messages"}


def test_an_error_in_the_validation_file_is_named_there(
    qloop, qtbot, parley: Parley, tmp_path: Path
) -> None:
    tab = training(qloop, parley)
    train = write_jsonl(tmp_path / "qa.jsonl", [chat_example(i) for i in range(12)])
    held = write_jsonl(tmp_path / "qa.validation.jsonl", [chat_example(i) for i in range(3)])
    report = validate_by_click(qloop, qtbot, tab, train, held)
    assert not report.passed
    panel = tab.validation
    view, problems = panel.problems_view, panel.problems
    assert not view.isColumnHidden(4)
    assert problems.rowCount() == 1
    assert problems.index(0, 2).data() == "too_few_examples"
    assert problems.index(0, 4).data() == "qa.validation.jsonl"
    assert "qa.validation.jsonl has 1 error." in panel.summary_label.text()
    tab.show_panel(tab.start)
    assert "1 error, in qa.validation.jsonl" in tab.start.file_label.text()
    qtbot.mouseClick(tab.start.upload_button, LEFT)
    run_until(qloop, lambda: "1 error, in qa.validation.jsonl; fix it" in tab.banner.text)
    assert not parley.test_server.files  # type: ignore[attr-defined]


def test_a_validation_split_respects_the_minimum_and_uploads(
    qloop, qtbot, parley: Parley, tmp_path: Path
) -> None:
    server: OpenAIServer = parley.test_server  # type: ignore[attr-defined]
    tab = training(qloop, parley)
    build = tab.build
    run(qloop, build.preview_source(labelled_csv(tmp_path / "small.csv", rows=15)))
    qtbot.mouseClick(build.add_rows_button, LEFT)
    run_until(qloop, lambda: len(build.built.examples) == 15)
    build.split_spin.setValue(20)
    assert run(qloop, build.save(tmp_path / "small.jsonl")) == []
    assert "Nothing was saved. A validation split needs at least 20 examples" in tab.banner.text
    assert tab.banner.level == "error" and not (tmp_path / "small.jsonl").exists()

    run(qloop, build.preview_source(labelled_csv(tmp_path / "more.csv", rows=30)))
    qtbot.mouseClick(build.add_rows_button, LEFT)
    run_until(qloop, lambda: len(build.built.examples) == 45)
    written = run(qloop, build.save(tmp_path / "qa.jsonl"))
    assert "10 examples were held out for validation rather than 9 (20 %)" in tab.banner.text
    run_until(qloop, lambda: tab.validation.report is not None)
    report = tab.validation.report
    assert report.passed and report.examples == 35 and report.validation.examples == 10
    assert report.errors == report.warnings == 0
    problems = tab.validation.problems  # one note (no system message) for each file
    assert [problems.index(r, 4).data() for r in range(problems.rowCount())] == [
        "qa.jsonl", "qa.validation.jsonl",
    ]  # fmt: skip
    tab.show_panel(tab.start)
    qtbot.mouseClick(tab.start.upload_button, LEFT)
    run_until(qloop, lambda: all(p in tab.start.file_ids for p in written))
    assert len(server.files) == 2


def test_rows_left_out_are_all_listed_and_nothing_is_added_twice(
    qloop, qtbot, parley: Parley, tmp_path: Path
) -> None:
    tab = training(qloop, parley)
    build = tab.build
    source = labelled_csv(tmp_path / "qa.csv", rows=6)
    with source.open("a", encoding="utf-8") as f:
        f.write('"What is 9 plus 9?","18",maybe\n')
    run(qloop, build.preview_source(source))
    qtbot.mouseClick(build.add_rows_button, LEFT)
    problems = build.problems
    run_until(qloop, lambda: problems.rowCount() > 0)
    assert build.built.left_out == 7 and problems.rowCount() == 7  # 6 negative, 1 unknown
    assert problems.index(0, 1).data() == "error" and problems.index(0, 0).data() == 14
    assert {problems.index(r, 2).data() for r in range(1, 7)} == {"negative_label"}
    assert "7 rows left out" in build.summary_label.text()
    qtbot.mouseClick(build.add_rows_button, LEFT)  # the same file again
    run_until(qloop, lambda: "already in the dataset" in tab.banner.text)
    assert len(build.built.examples) == 6 and problems.rowCount() == 7

    store = parley.store
    for title, reply in (("Oranges", "Orange."), ("Grass", "Green."), ("Unanswered", "")):
        dialogue = store.create_dialogue(title, "gpt-4o-mini")
        store.add_message(dialogue, Message("user", f"What colour is {title.lower()}?"))
        if reply:
            store.add_message(dialogue, Message("assistant", reply, model="gpt-4o-mini"))
    qtbot.mouseClick(build.add_history_button, LEFT)
    run_until(qloop, lambda: problems.rowCount() == 8)
    assert len(build.built.examples) == 8  # 'Unanswered' has no reply: listed
    qtbot.mouseClick(build.add_history_button, LEFT)
    run_until(qloop, lambda: "3 dialogues matching these filters were already" in tab.banner.text)
    assert len(build.built.examples) == 8 and problems.rowCount() == 8
    replies = [e["messages"][-1]["content"] for e in build.built.examples]
    assert replies.count("Orange.") == 1 and replies.count("Green.") == 1
