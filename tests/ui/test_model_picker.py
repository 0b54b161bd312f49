"""The Chat tab's model picker with a server that lists 500 models: typing any part of a name,
in any case, narrows it to the matches; Down and Enter pick one, and the next message goes to
that model."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt

from desktop_app.services.settings import Settings
from tests.openai_server.models import make_model
from tests.support.chat import send_and_wait
from tests.support.loop import run_until

# The completer's popup on the offscreen platform (headless tests) asks it to raise the popup
# and grab the keyboard, which it cannot, and it says so; that says nothing about the picker.
OFFSCREEN_POPUP = pytest.mark.qt_log_ignore(
    "This plugin does not support raise", "This plugin does not support grabbing the keyboard"
)
MODEL_IDS = [f"org-{n % 7}/Model-{n:03}-chat" for n in range(500)]


def start_with_500_models(qloop, start_parley, openai_server):  # type: ignore[no-untyped-def]
    openai_server.models = [make_model(m) for m in MODEL_IDS]
    parley = start_parley(Settings(provider="custom", base_url=openai_server.url))
    run_until(qloop, lambda: parley.chat_tab.model_picker.count() == 500)
    run_until(qloop, lambda: parley.tasks.running == 0)
    return parley


def matches(completer) -> list[str]:  # type: ignore[no-untyped-def]
    shown = completer.completionModel()
    return [str(shown.index(row, 0).data()) for row in range(shown.rowCount())]


@OFFSCREEN_POPUP
def test_typing_part_of_a_name_lists_only_the_models_containing_it(
    qloop, qtbot, start_parley, openai_server
) -> None:
    parley = start_with_500_models(qloop, start_parley, openai_server)
    picker = parley.chat_tab.model_picker
    edit = picker.lineEdit()
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, "DEL-42")  # the middle of the name, in another case

    completer = picker.completer()
    run_until(qloop, lambda: completer.popup().isVisible())
    expected = [m for m in sorted(MODEL_IDS, key=str.casefold) if "del-42" in m.casefold()]
    assert matches(completer) == expected  # Model-420 … Model-429, under any org
    assert len(expected) == 10

    qtbot.keyClick(completer.popup(), Qt.Key.Key_Down)
    qtbot.keyClick(completer.popup(), Qt.Key.Key_Return)
    assert parley.chat_tab.model == expected[0]

    send_and_wait(qloop, qtbot, parley.chat_tab, "Which model are you?")
    sent = [r.body for r in openai_server.requests if r.path == "/v1/chat/completions"]
    assert [b for b in sent if b.get("messages")][-1]["model"] == expected[0]


@OFFSCREEN_POPUP
def test_a_name_that_is_not_listed_can_still_be_typed_and_sent(
    qloop, qtbot, start_parley, openai_server
) -> None:
    parley = start_with_500_models(qloop, start_parley, openai_server)
    tab = parley.chat_tab
    edit = tab.model_picker.lineEdit()
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, "my-own-deployment")
    assert tab.model_picker.completer().completionModel().rowCount() == 0
    qtbot.keyClick(edit, Qt.Key.Key_Escape)
    assert tab.model == "my-own-deployment"


def test_the_picker_fills_500_models_in_well_under_a_frame_budget_of_seconds(
    qloop, start_parley, openai_server
) -> None:
    """Not a benchmark (the machine is shared): a guard against filling going quadratic."""
    parley = start_with_500_models(qloop, start_parley, openai_server)
    tab = parley.chat_tab
    started = time.perf_counter()
    tab.show_cached_models()
    took = time.perf_counter() - started
    assert tab.model_picker.count() == 500
    assert took < 2.0, f"filling 500 models took {took:.2f} s"
