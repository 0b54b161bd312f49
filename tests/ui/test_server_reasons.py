"""A server's reason, wherever it is shown, is quoted by its first sentence with the rest a
click away (Details…, or a hover): the Training tab's upload and job start, the Assistants
tab's server list and copy — not only Chat."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from desktop_app.services.gateway_errors import ErrorKind, GatewayError
from tests.openai_server import Fault
from tests.support.loop import run, run_until
from tests.support.training_data import chat_example, write_jsonl

LONG = (
    "The fine-tuning worker is not running. It was stopped for maintenance at 02:00 and comes "
    "back after the upgrade. Ask your administrator (ops@example.org) if it stays down."
)


def click(qtbot, widget) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def test_trimmed_quotes_the_first_sentence_and_keeps_the_rest_for_details() -> None:
    error = GatewayError(ErrorKind.SERVER, f"The server said: {LONG}", 500, LONG)
    text, details = error.trimmed("The job was not started.")
    said = "The server said: The fine-tuning worker is not running."
    assert text == f"The job was not started. {said}"
    assert details == LONG
    short = GatewayError(ErrorKind.SERVER, "The server said: Busy.", 500, "Busy.")
    assert short.trimmed() == ("The server said: Busy.", "")  # nothing cut, no Details…
    plain = GatewayError(ErrorKind.OFFLINE, "The server cannot be reached.")
    assert plain.trimmed("Refreshing:") == ("Refreshing: The server cannot be reached.", "")


def test_a_job_the_server_refuses_to_start_shows_its_first_sentence_then_details(
    qloop, qtbot, parley, tmp_path: Path
) -> None:
    server = parley.test_server
    tab = parley.training_tab
    parley.window.tabs.setCurrentWidget(tab)
    run_until(qloop, lambda: tab.jobs.available is True)
    path = write_jsonl(tmp_path / "chat.jsonl", [chat_example(i) for i in range(10)])
    tab.validation.set_file(path)
    tab.start.set_files(path)
    assert run(qloop, tab.validation.validate()).passed
    assert run(qloop, tab.start.upload())
    refusal = Fault("/v1/fine_tuning/jobs", 500, body={"detail": LONG}, method="POST", times=None)
    server.faults.append(refusal)
    click(qtbot, tab.start.start_button)
    banner = tab.banner
    run_until(qloop, lambda: "The job was not started." in banner.text)
    assert "The fine-tuning worker is not running." in banner.text
    assert "maintenance" not in banner.text  # the rest waits behind Details…
    assert banner.details_button.isVisibleTo(tab)
    server.faults.clear()
    click(qtbot, banner.details_button)
    assert "Ask your administrator" in banner.text


def test_the_assistants_tab_trims_a_servers_reason_too(qloop, qtbot, parley) -> None:
    server = parley.test_server
    tab = parley.assistants_tab
    parley.window.tabs.setCurrentWidget(tab)
    panel = tab.server_panel
    run_until(qloop, lambda: tab.tasks.running == 0)  # showing the tab lists what it has
    server.faults.append(Fault("/v1/assistants", 500, body={"detail": LONG}, times=None))
    click(qtbot, panel.load_button)
    run_until(qloop, lambda: "not running" in panel.status.text())
    assert "maintenance" not in panel.status.text()
    assert "Ask your administrator" in panel.status.toolTip()  # the whole of it, on hover
    server.faults.clear()

    server.add_assistant("Legacy", instructions="Old rules")
    click(qtbot, panel.load_button)
    run_until(qloop, lambda: panel.model.rowCount() == 1)
    panel.select(0)
    refusal = Fault("/v1/assistants/", 500, body={"detail": LONG}, method="GET", times=None)
    server.faults.append(refusal)
    click(qtbot, panel.copy_button)
    run_until(qloop, lambda: "not running" in tab.banner.text)
    assert "maintenance" not in tab.banner.text
    click(qtbot, tab.banner.details_button)
    assert "Ask your administrator" in tab.banner.text
