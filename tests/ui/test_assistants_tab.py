"""The Assistants tab driven as a user drives it: the list, the editor, import, the server."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea, QStyle, QStyleOptionButton

from desktop_app.core.assistant_json import export_json
from desktop_app.core.assistants import AssistantProfile
from desktop_app.ui.assistants.assistants_model import AssistantsModel
from tests.support.loop import run_until

STARTERS = ["Code reviewer", "General helper", "Image describer", "Translator"]


def click(qtbot, widget) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def retype(qtbot, edit, text: str) -> None:  # type: ignore[no-untyped-def]
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.keyClicks(edit, text)


def names(tab) -> list[str]:  # type: ignore[no-untyped-def]
    return [p.name for p in tab.model.profiles]


def select(tab, name: str) -> None:  # type: ignore[no-untyped-def]
    tab.select_row(names(tab).index(name))


def tick(qtbot, editor, name: str) -> None:  # type: ignore[no-untyped-def]
    """Click the box of an MCP server, on its square, once it is laid out and in sight."""
    box = editor.mcp_boxes[name]
    qtbot.waitUntil(lambda: box.isVisible() and box.height() > 0)
    editor.findChild(QScrollArea).ensureWidgetVisible(box)
    option = QStyleOptionButton()
    box.initStyleOption(option)
    square = box.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, box)
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=square.center())


def choose_file(qloop, tab, button, path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    click(qtbot, button)
    dialog = tab.file_dialog
    assert dialog is not None and dialog.isVisible()  # opened with open(), not exec()
    dialog.selectFile(str(path))
    dialog.accept()
    run_until(qloop, lambda: tab.tasks.running == 0)


def test_starters_are_there_on_first_run_and_the_model_passes_qt_checks(
    qloop, qtbot, qtmodeltester, parley
) -> None:
    tab = parley.assistants_tab
    assert names(tab) == STARTERS
    assert parley.window.tab("Assistants") is tab
    qtmodeltester.check(tab.model)
    standalone = AssistantsModel()
    standalone.set_profiles([AssistantProfile("A", "m", id=1), AssistantProfile("B", "m", id=2)])
    standalone.set_active(2)
    qtmodeltester.check(standalone)


def test_create_with_field_errors_then_fix_edit_duplicate_delete_and_undo(
    qloop, qtbot, parley
) -> None:
    tab = parley.assistants_tab
    editor = tab.editor
    run_until(qloop, lambda: parley.catalog.cached())  # the model list is known
    click(qtbot, tab.new_button)
    run_until(qloop, lambda: editor.name.text() == "New assistant")
    retype(qtbot, editor.name, "Poet")
    retype(qtbot, editor.model.lineEdit(), "gpt-9-imaginary")
    qtbot.keyClicks(editor.instructions, "Answer in verse.")
    qtbot.keyClicks(editor.temperature, "3")
    qtbot.keyClicks(editor.max_output_tokens, "lots")
    click(qtbot, editor.save_button)
    run_until(qloop, lambda: editor.problem_text("max_output_tokens"))
    assert "whole number" in editor.problem_text("max_output_tokens")

    retype(qtbot, editor.max_output_tokens, "300")
    click(qtbot, editor.save_button)
    run_until(qloop, lambda: editor.problem_text("temperature"))
    assert editor.problem_text("temperature") == "Temperature must be between 0 and 2."
    assert "no model called “gpt-9-imaginary”" in editor.problem_text("model")
    assert "Fix the marked fields" in tab.banner.text
    assert "Poet" not in names(tab)  # nothing saved

    retype(qtbot, editor.temperature, "0.9")
    retype(qtbot, editor.model.lineEdit(), "gpt-4o")
    click(qtbot, editor.save_button)
    run_until(qloop, lambda: "Poet" in names(tab))
    assert editor.problem_text("temperature") == "" and not tab.banner.isVisible()
    [poet] = [p for p in parley.store.list_assistants() if p.name == "Poet"]
    assert (poet.model, poet.temperature, poet.max_output_tokens) == ("gpt-4o", 0.9, 300)
    assert poet.instructions == "Answer in verse."

    select(tab, "Translator")  # edit an existing one
    retype(qtbot, editor.tags, "language, travel")
    click(qtbot, editor.save_button)
    run_until(qloop, lambda: tab.tasks.running == 0)
    [translator] = [p for p in parley.store.list_assistants() if p.name == "Translator"]
    assert translator.tags == ("language", "travel")

    select(tab, "Poet")
    click(qtbot, tab.duplicate_button)
    run_until(qloop, lambda: "Poet copy" in names(tab))
    assert tab.selected.name == "Poet copy" and tab.selected.temperature == 0.9

    click(qtbot, tab.delete_button)
    run_until(qloop, lambda: "Poet copy" not in names(tab))
    assert "Deleted “Poet copy”" in tab.banner.text
    tab.banner.action_button.click()  # Undo
    run_until(qloop, lambda: "Poet copy" in names(tab))


def test_import_a_valid_seed_file_and_refuse_a_malformed_one(
    qloop, qtbot, parley, tmp_path
) -> None:
    tab = parley.assistants_tab
    seed = tmp_path / "assistants.json"
    seed.write_text(
        json.dumps(
            {
                "site_parser": {"name": "Site parser", "id": "asst_dr5AgQnhhhnef5OSMzQ9zdk9"},
                "translator": {"name": "Translator", "id": "asst_2", "model": "gpt-4o"},
            }
        )
    )
    choose_file(qloop, tab, tab.import_button, seed, qtbot)
    assert "Imported 2 assistants." in tab.banner.text
    assert {"Site parser", "Translator 2"} <= set(names(tab))  # a clash gets a number
    parser = next(p for p in parley.store.list_assistants() if p.name == "Site parser")
    assert parser.source_id == "asst_dr5AgQnhhhnef5OSMzQ9zdk9"

    broken = tmp_path / "broken.json"
    broken.write_text('{"name": "half a file"')
    before = names(tab)
    choose_file(qloop, tab, tab.import_button, broken, qtbot)
    assert tab.banner.level == "error" and "not an assistants file" in tab.banner.text
    assert "Traceback" not in tab.banner.text and names(tab) == before

    exported = tmp_path / "out.json"
    choose_file(qloop, tab, tab.export_button, exported, qtbot)
    assert json.loads(exported.read_text())["format"] == "parley-assistants"
    assert exported.read_text() == export_json(parley.store.list_assistants())


def test_server_assistants_are_listed_across_two_pages_and_copied(qloop, qtbot, parley) -> None:
    for number in range(1, 26):
        parley.test_server.add_assistant(f"Legacy {number:02d}", instructions="Old rules")
    tab = parley.assistants_tab
    panel = tab.server_panel
    click(qtbot, panel.load_button)
    run_until(qloop, lambda: panel.model.rowCount() == 25)
    pages = [r for r in parley.test_server.requests if r.path == "/v1/assistants"]
    assert len(pages) == 2  # 20 + 5
    assert "25 assistants" in panel.status.text()
    panel.select(24)  # the oldest
    click(qtbot, panel.copy_button)
    run_until(qloop, lambda: "Legacy 01" in names(tab))
    copied = tab.selected
    assert (copied.name, copied.instructions, copied.source_id) == (
        "Legacy 01",
        "Old rules",
        "asst_test0001",
    )
    assert "now a local assistant" in tab.banner.text


def test_a_server_that_always_has_more_assistants_is_read_to_a_cap_and_says_so(
    qloop, qtbot, parley
) -> None:
    for number in range(1, 21):
        parley.test_server.add_assistant(f"Legacy {number:02d}")
    parley.test_server.endless_pages = "fresh"  # new ids on every page, has_more for ever
    panel = parley.assistants_tab.server_panel
    click(qtbot, panel.load_button)
    run_until(qloop, lambda: panel.load_button.isEnabled() and panel.model.rowCount() > 0)
    assert panel.model.rowCount() == 500
    assert len([r for r in parley.test_server.requests if r.path == "/v1/assistants"]) == 25
    assert panel.status.text().startswith("Showing the first 500 assistants the server keeps")


def test_a_server_without_the_assistants_api_gets_one_quiet_line(qloop, qtbot, parley) -> None:
    parley.test_server.unsupported.add("assistants")
    tab = parley.assistants_tab
    click(qtbot, tab.server_panel.load_button)
    run_until(qloop, lambda: "no Assistants API" in tab.server_panel.status.text())
    assert not tab.banner.isVisible()  # not an error
    assert not tab.server_panel.view.isVisible()


def test_tools_are_offered_only_where_the_server_has_responses(
    qloop, start_parley, openai_server
) -> None:
    from desktop_app.services.settings import Settings

    openai_server.unsupported.add("responses")
    parley = start_parley(Settings(provider="custom", base_url=openai_server.url))
    editor = parley.assistants_tab.editor
    run_until(qloop, lambda: not editor.tool_boxes["web_search"].isEnabled())
    assert "no Responses API" in editor.tools_note.text()


def test_the_editor_checks_the_schema_and_offers_reasoning_only_where_it_exists(qtbot) -> None:
    from desktop_app.ui.assistants.assistant_editor import AssistantEditor, FieldError

    editor = AssistantEditor()
    qtbot.addWidget(editor)
    editor.show()
    editor.load(AssistantProfile("Extractor", "gpt-4o"))
    assert not editor.json_schema.isVisible() and not editor.reasoning_effort.isEnabled()
    editor.response_format.setCurrentIndex(editor.response_format.findData("json_schema"))
    assert editor.json_schema.isVisible()
    qtbot.keyClicks(editor.json_schema, '{"type": "object"')
    try:
        editor.profile()
    except FieldError as exc:
        editor.show_problems([exc.problem])
    assert "not valid JSON" in editor.problem_text("json_schema")
    qtbot.keyClicks(editor.json_schema, "}")
    assert editor.profile().json_schema == {"type": "object"}

    retype(qtbot, editor.model.lineEdit(), "o4-mini")
    assert editor.reasoning_effort.isEnabled() and not editor.temperature.isEnabled()
    editor.reasoning_effort.setCurrentIndex(editor.reasoning_effort.findData("high"))
    assert editor.profile().reasoning_effort == "high"


def test_export_for_the_original_tool_is_the_list_its_list_assistants_reads(
    qloop, qtbot, parley, tmp_path
) -> None:
    from desktop_app.ui.assistants.assistant_transfers import ORIGINAL_FILTER
    from tests.unit.test_original_tool_files import names_as_the_original_lists_them

    tab = parley.assistants_tab
    click(qtbot, tab.export_button)
    dialog = tab.file_dialog
    assert dialog is not None and ORIGINAL_FILTER in dialog.nameFilters()
    dialog.selectNameFilter(ORIGINAL_FILTER)
    exported = tmp_path / "assistants.json"
    dialog.selectFile(str(exported))
    dialog.accept()
    run_until(qloop, lambda: tab.tasks.running == 0 and exported.exists())
    assert names_as_the_original_lists_them(exported.read_text()) == STARTERS
    assert "in the original tool's shape" in tab.banner.text


def test_an_assistant_ticks_mcp_servers_and_keeps_one_no_longer_in_settings(
    qloop, qtbot, start_parley, openai_server
) -> None:
    from desktop_app.core.mcp_config import McpServerConfig
    from desktop_app.services.settings import Settings
    from desktop_app.ui.assistants.assistant_editor import NO_MCP_SERVERS

    maths = McpServerConfig("maths", "http", url="https://example.invalid/maths")
    files = McpServerConfig("files", "http", url="https://example.invalid/files")
    parley = start_parley(
        Settings(
            provider="custom",
            base_url=openai_server.url,
            default_model="gpt-4o-mini",
            mcp_servers=(maths, files),
        )
    )
    tab, editor = parley.assistants_tab, parley.assistants_tab.editor
    parley.window.tabs.setCurrentWidget(tab)
    run_until(qloop, lambda: parley.catalog.cached())
    select(tab, "Translator")
    assert [box.text() for box in editor.mcp_boxes.values()] == ["maths", "files"]
    assert not any(box.isChecked() for box in editor.mcp_boxes.values())
    assert editor.mcp.note.isHidden() and not editor.mcp.hint.isHidden()

    tick(qtbot, editor, "maths")
    click(qtbot, editor.save_button)
    run_until(qloop, lambda: tab.tasks.running == 0)
    [translator] = [p for p in parley.store.list_assistants() if p.name == "Translator"]
    assert translator.mcp_servers == ("maths",)

    select(tab, "Code reviewer")  # away and back: the tick was saved, not just left on screen
    assert not editor.mcp_boxes["maths"].isChecked()
    select(tab, "Translator")
    assert editor.mcp_boxes["maths"].isChecked() and not editor.mcp_boxes["files"].isChecked()
    assert "maths" in tab.model.data(tab.view.currentIndex(), Qt.ItemDataRole.ToolTipRole)
    click(qtbot, tab.activate_button)
    run_until(qloop, lambda: "MCP: maths" in parley.chat_tab.header.text)

    # Settings → Tools loses "maths": the assistant still names it, marked, and keeps it.
    assert parley.save_mcp_servers((files,)) is None
    assert editor.mcp_boxes["maths"].text() == "maths (not in Settings)"
    assert editor.mcp_boxes["maths"].isChecked()
    select(tab, "Code reviewer")
    select(tab, "Translator")
    assert list(editor.mcp_boxes) == ["files", "maths"]
    assert editor.mcp_boxes["maths"].text() == "maths (not in Settings)"
    retype(qtbot, editor.tags, "language, maths")
    click(qtbot, editor.save_button)
    run_until(qloop, lambda: tab.tasks.running == 0)
    [translator] = [p for p in parley.store.list_assistants() if p.name == "Translator"]
    assert translator.mcp_servers == ("maths",) and translator.tags == ("language", "maths")

    tick(qtbot, editor, "maths")  # unticked, it is forgotten
    click(qtbot, editor.save_button)
    run_until(qloop, lambda: tab.tasks.running == 0)
    [translator] = [p for p in parley.store.list_assistants() if p.name == "Translator"]
    assert translator.mcp_servers == ()

    assert parley.save_mcp_servers(()) is None  # none left: the editor says where to add one
    assert editor.mcp_boxes == {} and editor.mcp.note.isVisible() and editor.mcp.hint.isHidden()
    assert editor.mcp.note.text() == NO_MCP_SERVERS
