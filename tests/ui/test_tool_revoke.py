"""Settings → Tools, "Always allowed", as a user works it: the tools they let run without asking
listed as "tool — on server", one revoked by choosing it and pressing Revoke, then the rest with
Revoke all, each kept in the database at once; the choices outlast a restart until revoked."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from desktop_app.core.tool_calls import ToolSpec
from desktop_app.core.tool_policy import Decision, ToolPolicy
from desktop_app.services.store import Store
from desktop_app.services.tool_decisions import StoredDecisions
from desktop_app.ui.mcp.allowed_tools import EMPTY_TEXT, allowed_text
from tests.support.loop import run, run_until

ADD = ToolSpec("add", "Add two numbers.", source="maths")
READ = ToolSpec("read_file", "Read a file.", source="files")


def click(qtbot, widget) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def open_tools(parley):  # type: ignore[no-untyped-def]
    parley.window.settings_requested.emit()
    dialog = parley.settings_dialog
    dialog.pages.setCurrentWidget(dialog.tools_page)
    return dialog, dialog.tools_page


def rows(allowed) -> list[str]:  # type: ignore[no-untyped-def]
    return [allowed.list.item(i).text() for i in range(allowed.list.count())]


def click_row(qtbot, allowed, text: str) -> None:  # type: ignore[no-untyped-def]
    (item,) = allowed.list.findItems(text, Qt.MatchFlag.MatchExactly)
    where = allowed.list.visualItemRect(item).center()
    qtbot.mouseClick(allowed.list.viewport(), Qt.MouseButton.LeftButton, pos=where)


def always_allow(parley) -> None:  # type: ignore[no-untyped-def]
    """What the Chat side does when the user answers "Always allow this tool"."""
    for spec in (ADD, READ):
        parley.tool_policy.record(spec, Decision.ALWAYS)


def test_a_standing_choice_is_revoked_then_all_of_them(qloop, qtbot, start_parley) -> None:  # type: ignore[no-untyped-def]
    parley = start_parley()
    always_allow(parley)
    assert StoredDecisions(parley.store).allowed() == {"maths/add", "files/read_file"}
    dialog, page = open_tools(parley)
    allowed = page.allowed
    qtbot.waitExposed(dialog)
    assert rows(allowed) == ["read_file — on files", "add — on maths"]  # by server, then tool
    assert not allowed.empty.isVisible()
    assert not allowed.revoke_button.isEnabled()  # nothing chosen yet
    assert allowed.revoke_all_button.isEnabled()
    assert allowed.revoke_button.width() == page.add_button.width()  # the lists end alike

    click_row(qtbot, allowed, "add — on maths")
    assert allowed.revoke_button.isEnabled()
    click(qtbot, allowed.revoke_button)
    assert StoredDecisions(parley.store).allowed() == {"files/read_file"}  # kept at once
    assert rows(allowed) == ["read_file — on files"]
    assert page.message.isVisible()
    assert page.message.text() == "Revoked “add — on maths”: Parley asks before it runs again."
    assert not allowed.revoke_button.isEnabled()  # the choice went with the row
    assert parley.tool_policy.standing(ADD) is None  # the next call of it asks
    assert parley.tool_policy.standing(READ) is Decision.ALWAYS

    click(qtbot, allowed.revoke_all_button)
    assert StoredDecisions(parley.store).allowed() == set()
    assert parley.store.get_flag("tools_always_allowed") is None
    assert rows(allowed) == []
    assert allowed.empty.isVisible() and allowed.empty.text() == EMPTY_TEXT
    assert not allowed.list.isVisible() and not allowed.revoke_all_button.isVisible()
    assert "Revoked 1 always-allowed tool:" in page.message.text()
    dialog.reject()


def test_with_nothing_always_allowed_the_page_says_so(qloop, qtbot, start_parley) -> None:  # type: ignore[no-untyped-def]
    parley = start_parley()
    dialog, page = open_tools(parley)
    qtbot.waitExposed(dialog)
    assert page.allowed.empty.isVisible()
    assert page.allowed.empty.text() == "No tool runs without asking."
    assert not page.allowed.list.isVisible() and not page.allowed.revoke_button.isVisible()
    assert not page.message.isVisible()  # nothing said until something is revoked
    dialog.reject()


def test_the_choices_outlast_a_restart_until_revoked(qloop, qtbot, start_parley) -> None:  # type: ignore[no-untyped-def]
    first = start_parley()
    always_allow(first)
    run_until(qloop, lambda: first.tasks.running == 0)
    run(qloop, first.shutdown())
    first.window.close()

    second = start_parley()
    assert second.tool_policy.standing(ADD) is Decision.ALWAYS
    dialog, page = open_tools(second)
    qtbot.waitExposed(dialog)
    assert rows(page.allowed) == ["read_file — on files", "add — on maths"]
    click_row(qtbot, page.allowed, "read_file — on files")
    click(qtbot, page.allowed.revoke_button)
    dialog.reject()
    run_until(qloop, lambda: second.tasks.running == 0)
    run(qloop, second.shutdown())
    second.window.close()

    third = start_parley()
    assert third.tool_policy.always_allowed() == ["maths/add"]


def test_a_choice_made_while_settings_was_closed_is_listed_when_it_opens(
    qloop, qtbot, start_parley
) -> None:  # type: ignore[no-untyped-def]
    parley = start_parley()
    dialog, page = open_tools(parley)
    qtbot.waitExposed(dialog)
    dialog.pages.setCurrentIndex(0)
    parley.tool_policy.record(ADD, Decision.ALWAYS)
    dialog.pages.setCurrentWidget(page)
    qtbot.waitUntil(lambda: rows(page.allowed) == ["add — on maths"])
    dialog.reject()


def test_decisions_kept_in_a_store_are_read_by_the_next_opening(tmp_path: Path) -> None:
    def store() -> Store:
        return Store.open(tmp_path / "parley.db", tmp_path / "attachments")

    first = store()
    ToolPolicy(StoredDecisions(first)).record(ADD, Decision.ALWAYS)
    ToolPolicy(StoredDecisions(first)).record(READ, Decision.ALLOW_ONCE)  # not kept
    first.close()
    second = store()
    assert StoredDecisions(second).allowed() == {"maths/add"}
    StoredDecisions(second).revoke("maths/add")
    second.close()
    third = store()
    assert StoredDecisions(third).allowed() == set()
    third.close()


def test_a_key_is_shown_as_the_tool_on_its_server() -> None:
    assert allowed_text("maths/add") == "add — on maths"
    assert allowed_text("team/maths/add") == "add — on team/maths"
    assert allowed_text("/search") == "search"  # Parley's own tools have no server
    assert allowed_text("legacy") == "legacy"
