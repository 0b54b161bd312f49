"""The Training tab in the running app: build → validate → upload → start → watch → use it."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from desktop_app.app import Parley
from desktop_app.core.fine_tuning_jobs import JobEvent
from desktop_app.services.paging import Listed
from desktop_app.services.settings import Settings
from desktop_app.ui.training.training_tab import TrainingTab
from tests.openai_server import OpenAIServer
from tests.support.chat import type_and_send
from tests.support.loop import run, run_until
from tests.support.training_data import chat_example, labelled_csv, write_jsonl
from tests.support.transcript import click_action


def training(qloop, parley: Parley) -> TrainingTab:  # type: ignore[no-untyped-def]
    """The Training tab, shown, polling fast, once it knows the server has fine-tuning."""
    tab = parley.training_tab
    parley.fine_tuning.poll_min, parley.fine_tuning.poll_max = 0.02, 0.1
    parley.window.tabs.setCurrentWidget(tab)
    run_until(qloop, lambda: tab.jobs.available is True)
    return tab


def job_status(tab: TrainingTab) -> str:
    job = tab.jobs.selected()
    return job.status if job else ""


def finished_job(qloop, tab: TrainingTab, server: OpenAIServer, tmp_path: Path) -> str:  # type: ignore[no-untyped-def]
    """Validate, upload and start a job on 10 examples; let it run to the end; its id."""
    path = write_jsonl(tmp_path / "chat.jsonl", [chat_example(i) for i in range(10)])
    tab.validation.set_file(path)
    tab.start.set_files(path)
    assert run(qloop, tab.validation.validate()).passed
    assert run(qloop, tab.start.upload())
    assert run(qloop, tab.start.start_job()) is not None
    server.advance(10)
    run_until(qloop, lambda: job_status(tab) == "succeeded" and not tab.jobs.tasks.running)
    return tab.jobs.selected().id  # type: ignore[union-attr]


def build_and_validate(qloop, tab: TrainingTab, source: Path, target: Path) -> None:  # type: ignore[no-untyped-def]
    shown = run(qloop, tab.build.preview_source(source))
    assert shown is not None and shown.columns == ["question", "answer", "label"]
    assert run(qloop, tab.build.add_rows()) == 12
    run(qloop, tab.build.save(target))
    run_until(qloop, lambda: tab.validation.report is not None)  # validated on its own
    assert tab.current_panel() is tab.validation


def test_build_validate_upload_start_succeed_and_chat_with_the_model(
    qloop, qtbot, parley: Parley, tmp_path: Path, qtmodeltester
) -> None:
    server: OpenAIServer = parley.test_server  # type: ignore[attr-defined]
    tab = training(qloop, parley)
    build_and_validate(qloop, tab, labelled_csv(tmp_path / "qa.csv"), tmp_path / "qa.jsonl")
    qtmodeltester.check(tab.build.preview_model)
    report = tab.validation.report
    assert report is not None and report.passed and report.examples == 12
    assert "12 supervised (chat) examples" in tab.validation.summary_label.text()
    assert "billed tokens" in tab.validation.summary_label.text()
    assert "5th and 95th percentiles" in tab.validation.stats_label.text()
    assert tab.validation.figures.rowCount() == 3
    assert tab.validation.histogram.counts and not tab.validation.histogram.grab().isNull()

    tab.show_panel(tab.start)
    assert "passes validation" in tab.start.file_label.text()
    qtbot.mouseClick(tab.start.upload_button, Qt.MouseButton.LeftButton)
    run_until(qloop, lambda: tab.start.path in tab.start.file_ids)
    file_id = tab.start.file_ids[tab.start.path]
    assert server.files[file_id]["purpose"] == "fine-tune"
    qtbot.keyClicks(tab.start.description_edit, "Adds numbers politely")
    qtbot.keyClicks(tab.start.suffix_edit, "sums")
    qtbot.mouseClick(tab.start.start_button, Qt.MouseButton.LeftButton)
    run_until(qloop, lambda: job_status(tab) == "validating_files")
    assert tab.current_panel() is tab.jobs
    qtmodeltester.check(tab.jobs.model)

    server.advance(4.5)  # validated, queued, two steps
    run_until(qloop, lambda: len(tab.jobs.chart.points) == 2 and job_status(tab) == "running")
    assert "Step 2/6" in tab.jobs.log.toPlainText()
    assert not tab.jobs.chart.grab().isNull()
    server.advance(10)
    run_until(qloop, lambda: job_status(tab) == "succeeded")
    job = tab.jobs.selected()
    assert job is not None and job.description == "Adds numbers politely"
    assert job.fine_tuned_model.startswith("ft:gpt-4o-mini-2024-07-18:parley-test:sums:")
    run_until(qloop, lambda: tab.jobs.checkpoints.count() == 3)
    assert f"{job.fine_tuned_model} is ready" in tab.banner.text

    picker = parley.chat_tab.model_picker
    index = picker.findText(job.fine_tuned_model)
    assert index >= 0
    assert "Adds numbers politely" in picker.itemData(index, Qt.ItemDataRole.ToolTipRole)
    editor_models = parley.assistants_tab.editor.model
    assert editor_models.findText(job.fine_tuned_model) >= 0
    picker.setCurrentIndex(index)
    parley.window.tabs.setCurrentWidget(parley.chat_tab)
    type_and_send(qtbot, parley.chat_tab, "What is 2 plus 2?")
    run_until(qloop, lambda: parley.chat_tab.dialogue_id is not None and not parley.chat_tab.busy)
    sent = [r.body for r in server.requests if r.body and r.body.get("stream") is True]
    assert sent[-1]["model"] == job.fine_tuned_model


def test_cancel_a_running_job(qloop, qtbot, parley: Parley, tmp_path: Path) -> None:
    server: OpenAIServer = parley.test_server  # type: ignore[attr-defined]
    tab = training(qloop, parley)
    path = write_jsonl(tmp_path / "chat.jsonl", [chat_example(i) for i in range(10)])
    tab.validation.set_file(path)
    tab.start.set_files(path)
    assert run(qloop, tab.validation.validate()).passed
    assert run(qloop, tab.start.upload())
    assert run(qloop, tab.start.start_job()) is not None
    server.advance(3.5)
    run_until(qloop, lambda: job_status(tab) == "running")
    assert tab.jobs.buttons["cancel"].isEnabled() and tab.jobs.buttons["pause"].isEnabled()
    qtbot.mouseClick(tab.jobs.buttons["pause"], Qt.MouseButton.LeftButton)
    run_until(qloop, lambda: job_status(tab) == "paused")
    qtbot.mouseClick(tab.jobs.buttons["cancel"], Qt.MouseButton.LeftButton)
    run_until(qloop, lambda: job_status(tab) == "cancelled")
    run_until(qloop, lambda: not tab.jobs.watchers)
    assert not tab.jobs.buttons["cancel"].isEnabled()
    assert "cancelled" in tab.jobs.log.toPlainText()


def test_a_failed_job_shows_the_servers_error(qloop, parley: Parley, tmp_path: Path) -> None:
    server: OpenAIServer = parley.test_server  # type: ignore[attr-defined]
    server.fine_tuning.fail_next("Training data contains disallowed content.")
    tab = training(qloop, parley)
    path = write_jsonl(tmp_path / "chat.jsonl", [chat_example(i) for i in range(10)])
    tab.validation.set_file(path)
    run(qloop, tab.validation.validate())
    assert run(qloop, tab.start.upload())
    run(qloop, tab.start.start_job())
    server.advance(10)
    run_until(qloop, lambda: "disallowed content" in tab.banner.text)
    assert job_status(tab) == "failed" and tab.banner.level == "error"
    assert "The server said: Training data contains disallowed content." in tab.banner.text
    assert "Training data contains disallowed content." in tab.jobs.status_label.text()


def test_errors_stop_the_upload_and_warnings_need_an_override(
    qloop, qtbot, parley: Parley, tmp_path: Path, qtmodeltester
) -> None:
    server: OpenAIServer = parley.test_server  # type: ignore[attr-defined]
    tab = training(qloop, parley)
    broken = write_jsonl(tmp_path / "broken.jsonl", [chat_example(i) for i in range(12)])
    broken.write_text(broken.read_text("utf-8") + '{"messages": [}\n', "utf-8")
    tab.validation.set_file(broken)
    tab.start.set_files(broken)
    report = run(qloop, tab.validation.validate())
    assert not report.passed
    qtmodeltester.check(tab.validation.problems)
    first = tab.validation.problems.index(0, 3).data()
    assert tab.validation.problems.index(0, 0).data() == 13 and "not valid JSON" in first
    assert not run(qloop, tab.start.upload())
    assert "1 error; fix it" in tab.banner.text and not server.files
    exported = tmp_path / "report.csv"
    assert run(qloop, tab.validation.export_report(exported))
    assert "13,error,invalid_json" in exported.read_text("utf-8")

    long = chat_example(99)
    long["messages"][1]["content"] = "many words " * 40_000
    warned = write_jsonl(tmp_path / "warned.jsonl", [chat_example(i) for i in range(10)] + [long])
    tab.validation.set_file(warned)
    report = run(qloop, tab.validation.validate())
    assert report.passed and report.warnings == 1
    assert not run(qloop, tab.start.upload())
    assert "Upload despite warnings" in tab.banner.text
    tab.start.override_check.setChecked(True)
    assert run(qloop, tab.start.upload()) and len(server.files) == 1


def test_ratings_in_chat_build_sft_and_dpo_datasets(
    qloop, qtbot, parley: Parley, tmp_path: Path
) -> None:
    chat = parley.chat_tab
    run_until(qloop, lambda: chat.model_picker.count() > 1)
    type_and_send(qtbot, chat, "Name a fruit")
    run_until(qloop, lambda: chat.dialogue_id is not None and not chat.busy)
    first = parley.store.messages(chat.dialogue_id)[1]
    click_action(qtbot, chat.transcript, 1, "rate_down")  # 👎 in the reply's action bar
    assert parley.store.get_message(first.id).rating == -1
    run(qloop, chat.regenerate())
    second = parley.store.messages(chat.dialogue_id)[1]
    click_action(qtbot, chat.transcript, 1, "rate_up")
    assert chat.transcript.message(second.id).rating == 1
    assert chat.transcript.actions_bar.buttons["rate_up"].isChecked()

    tab = training(qloop, parley)
    tab.build.rating_combo.setCurrentIndex(tab.build.rating_combo.findData("up"))
    assert run(qloop, tab.build.add_dialogues()) == 1
    example = tab.build.built.examples[0]
    assert example["messages"][-1]["content"] == second.content
    tab.build.kind_combo.setCurrentIndex(1)  # preference pairs: the dataset starts over
    assert tab.build.built.examples == []
    assert run(qloop, tab.build.add_dialogues()) == 1
    pair = tab.build.built.examples[0]
    assert pair["preferred_output"][0]["content"] == second.content
    assert pair["non_preferred_output"][0]["content"] == first.content
    written = run(qloop, tab.build.save(tmp_path / "pairs.sharegpt.json", "sharegpt"))
    assert written and '"chosen"' in written[0].read_text("utf-8")


def test_without_fine_tuning_the_jobs_side_hides_and_says_why(
    qloop, start_parley, openai_server: OpenAIServer, tmp_path: Path
) -> None:
    openai_server.unsupported = {"fine_tuning"}
    settings = Settings(provider="custom", base_url=openai_server.url, default_model="gpt-4o")
    parley = start_parley(settings)
    tab = parley.training_tab
    run_until(qloop, lambda: tab.jobs.available is False)
    assert (
        "not available here (the server has no such endpoint)" in tab.jobs.unavailable_label.text()
    )
    assert tab.jobs.buttons["refresh"].isHidden() and tab.start.upload_button.isHidden()
    assert not tab.start.unavailable_label.isHidden()
    build_and_validate(qloop, tab, labelled_csv(tmp_path / "qa.csv"), tmp_path / "qa.jsonl")
    assert tab.validation.report is not None and tab.validation.report.passed


@pytest.mark.parametrize("split", [0, 25])
def test_saving_with_a_validation_split(qloop, parley: Parley, tmp_path: Path, split: int) -> None:
    tab = training(qloop, parley)
    run(qloop, tab.build.preview_source(labelled_csv(tmp_path / "qa.csv", rows=40)))
    run(qloop, tab.build.add_rows())
    tab.build.split_spin.setValue(split)
    written = run(qloop, tab.build.save(tmp_path / "qa.jsonl"))
    assert len(written) == (2 if split else 1)
    run_until(qloop, lambda: tab.validation.report is not None)
    assert tab.start.validation_path == (written[1] if split else None)
    assert tab.validation.report.passed


@pytest.mark.slow
def test_a_big_csv_reads_off_the_ui_thread_and_cancel_stops_it(
    qloop, qtbot, parley: Parley, tmp_path: Path
) -> None:
    path = tmp_path / "big.csv"
    block = "".join(f'"Question {i} here","Answer {i} there",positive\n' for i in range(5000))
    with path.open("w", encoding="utf-8") as f:
        f.write("question,answer,label\n")
        while f.tell() < 60 * 2**20:
            f.write(block)
    tab = training(qloop, parley)
    run(qloop, tab.build.preview_source(path))
    task = tab.build.tasks.spawn(tab.build.add_rows())
    run_until(qloop, lambda: tab.job_bar.running and tab.job_bar.progress.value() > 0)
    assert "Reading big.csv" in tab.job_bar.label.text() and not task.done()
    qtbot.mouseClick(tab.job_bar.cancel_button, Qt.MouseButton.LeftButton)
    run_until(qloop, task.done)
    assert "Stopped" in tab.banner.text and not tab.job_bar.running
    assert task.result() < 1_500_000  # far from the whole file


def test_the_jobs_view_says_when_a_server_that_always_has_more_was_cut_short(
    qloop, qtbot, parley: Parley, tmp_path: Path
) -> None:
    server: OpenAIServer = parley.test_server  # type: ignore[attr-defined]
    tab = training(qloop, parley)
    job_id = finished_job(qloop, tab, server, tmp_path)
    run(qloop, tab.jobs.load_details(job_id))
    honest = tab.jobs.log.toPlainText().splitlines()
    assert len(honest) > 5 and "Showing the latest" not in honest[0]  # the whole list
    server.endless_pages = "fresh"  # every page has new items and says there are more
    tab.jobs.events.clear()
    before = len(server.requests)
    run(qloop, tab.jobs.load_details(job_id))
    listed = [
        r.path
        for r in server.requests[before:]
        if r.path.startswith(f"/v1/fine_tuning/jobs/{job_id}/")
    ]
    assert sorted(set(listed)) == [
        f"/v1/fine_tuning/jobs/{job_id}/{n}" for n in ("checkpoints", "events")
    ]
    assert len(listed) == 2 * 10  # events and checkpoints: the page cap of each
    lines = tab.jobs.log.toPlainText().splitlines()
    assert len(lines) - 1 == 10 * len(honest)  # ten pages, then the cap
    assert lines[0] == (
        f"Showing the latest {len(lines) - 1} events; the server kept saying it had more, "
        "older ones are not shown."
    )
    last = tab.jobs.checkpoints.item(tab.jobs.checkpoints.count() - 1).text()
    assert last == (
        "Showing the latest 30 checkpoints; the server kept saying it had more, earlier ones "
        "are not shown."
    )


def test_a_list_of_events_read_before_the_job_moved_on_neither_hides_nor_repeats_any(
    qloop, parley: Parley, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The watcher and a details load read one job at once; the older read may answer last."""
    server: OpenAIServer = parley.test_server  # type: ignore[attr-defined]
    tab = training(qloop, parley)
    job_id = finished_job(qloop, tab, server, tmp_path)
    lines = tab.jobs.log.toPlainText().splitlines()
    assert len(tab.jobs.chart.points) == 6 and any("Step 6/6" in line for line in lines)
    service = tab.jobs.context.service
    fresh = service.events

    async def stale(job: str, after: str = "") -> Listed[JobEvent]:
        return Listed((await fresh(job))[:2])  # what a read before the steps saw

    monkeypatch.setattr(service, "events", stale)
    run(qloop, tab.jobs.load_details(job_id))
    assert tab.jobs.log.toPlainText().splitlines() == lines
    assert len(tab.jobs.chart.points) == 6
    monkeypatch.setattr(service, "events", fresh)
    run(qloop, tab.jobs.load_details(job_id))  # the whole list again: nothing twice
    assert tab.jobs.log.toPlainText().splitlines() == lines
