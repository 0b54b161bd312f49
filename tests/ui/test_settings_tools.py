"""Settings → Tools as a user works it: adding a local MCP server (its command line shown and
accepted before it first runs), seeing its tools and stderr, restarting it, importing the
mcpServers JSON of another client, a server that fails, switching one off and removing one."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialogButtonBox

from desktop_app.core.mcp_config import McpServerConfig
from desktop_app.services.mcp_types import FAILED, NEEDS_APPROVAL, READY
from desktop_app.services.settings import Settings
from tests.mcp_servers.launch import REPO_ROOT, http_server, stdio_config
from tests.support.loop import run_until

pytestmark = pytest.mark.slow


def click(qtbot, widget) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def ok(dialog):  # type: ignore[no-untyped-def]
    return dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)


def cancel(dialog):  # type: ignore[no-untyped-def]
    return dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Cancel)


def open_tools(parley):  # type: ignore[no-untyped-def]
    parley.window.settings_requested.emit()
    dialog = parley.settings_dialog
    dialog.pages.setCurrentWidget(dialog.tools_page)
    return dialog, dialog.tools_page


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        return stat.read().split(")")[-1].split()[0] != "Z"


def test_a_local_server_is_added_accepted_started_and_shows_its_tools(
    qloop, qtbot, start_parley, fake_keyring, paths
) -> None:
    parley = start_parley()
    dialog, page = open_tools(parley)
    assert page.list.count() == 0 and "No MCP server yet" in page.state.text()

    click(qtbot, page.add_button)
    adding = page.dialog
    assert adding.windowTitle() == "Add MCP server"
    qtbot.keyClicks(adding.name, "tools")
    qtbot.keyClicks(adding.command, sys.executable)
    adding.args.setFocus()
    qtbot.keyClicks(adding.args, "-m")
    qtbot.keyClick(adding.args, Qt.Key.Key_Return)
    qtbot.keyClicks(adding.args, "tests.mcp_servers.tools_server")
    qtbot.keyClicks(adding.cwd, str(REPO_ROOT))
    adding.env.setPlainText("PARLEY_TEST_ECHO=hello\nAPI_TOKEN=tok-secret-12345")
    click(qtbot, ok(adding))

    # Saved, not started: its full command line is shown first.
    confirm = page.dialog
    assert confirm.windowTitle() == "Start tools?"
    details = confirm.details.toPlainText()
    assert f"Program:   {sys.executable}" in details
    assert "Argument:  -m\nArgument:  tests.mcp_servers.tools_server" in details
    assert "Variable:  PARLEY_TEST_ECHO=hello" in details
    assert "Variable:  API_TOKEN=(kept in the keyring)" in details
    assert "tok-secret" not in details
    assert parley.mcp.status("tools").state == NEEDS_APPROVAL
    assert fake_keyring.passwords[("Parley", "mcp:tools:env:API_TOKEN")] == "tok-secret-12345"
    saved = paths.settings_file.read_text()
    assert "tok-secret" not in saved

    click(qtbot, ok(confirm))  # "Start it"
    run_until(qloop, lambda: parley.mcp.status("tools").state == READY, timeout=60)
    assert page.list.item(0).text() == "tools — ready"
    assert page.state.text().startswith("Ready (parley-test-tools")
    assert page.state.text().endswith("5 tools, 1 prompt, 1 resource.")
    tools = [page.tools.item(i).text() for i in range(page.tools.count())]
    assert "add — Add two numbers and return the sum." in tools
    assert page.start_button.text() == "Restart"
    assert json.loads(paths.settings_file.read_text())["mcp_servers"][0]["approved_launch"]

    click(qtbot, page.stderr_button)
    stderr = page.dialog
    run_until(qloop, lambda: (stderr.refresh(), "echo: hello" in stderr.text.toPlainText())[1])
    text = stderr.text.toPlainText()
    assert "tools server starting" in text and "tok-secret" not in text
    first = int(re.search(r"pid (\d+)", text).group(1))
    stderr.reject()

    click(qtbot, page.start_button)  # Restart
    run_until(qloop, lambda: not _alive(first), timeout=30)
    run_until(qloop, lambda: parley.mcp.status("tools").state == READY, timeout=60)
    run_until(qloop, lambda: len(re.findall(r"pid (\d+)", parley.mcp.stderr("tools"))) == 2)
    second = int(re.findall(r"pid (\d+)", parley.mcp.stderr("tools"))[-1])
    assert second != first  # the earlier run's lines are kept above the new one's

    click(qtbot, ok(dialog))
    assert not dialog.isVisible()
    assert parley.settings.mcp_servers[0].name == "tools"
    from tests.support.loop import run

    run(qloop, parley.shutdown(), timeout=30)  # the app quits: no process is left
    assert not _alive(second)


def test_cancelling_the_confirmation_starts_nothing(qloop, qtbot, start_parley) -> None:
    config = McpServerConfig("local", command=sys.executable, args=("-c", "print(1)"))
    parley = start_parley(Settings(mcp_servers=(config,)))
    _dialog, page = open_tools(parley)
    assert page.list.item(0).text() == "local — not started: its command is waiting for your OK"
    assert page.start_button.text() == "Start…"
    click(qtbot, page.start_button)
    confirm = page.dialog
    assert confirm.windowTitle() == "Start local?"
    click(qtbot, cancel(confirm))
    assert parley.mcp.status("local").state == NEEDS_APPROVAL
    assert parley.settings.mcp_servers[0].needs_approval


def test_importing_mcp_servers_json_in_one_step(qloop, qtbot, start_parley, fake_keyring) -> None:
    parley = start_parley()
    _dialog, page = open_tools(parley)
    with http_server() as url:
        pasted = json.dumps(
            {
                "mcpServers": {
                    "local": {"command": sys.executable, "args": ["-m", "x"]},
                    "remote": {
                        "type": "http",
                        "url": url,
                        "headers": {"Authorization": "Bearer tok-abcdefgh"},
                    },
                    "old": {"type": "sse", "url": "http://127.0.0.1:1/sse"},
                }
            }
        )
        click(qtbot, page.import_button)
        importing = page.dialog
        importing.text.setPlainText("{broken")
        click(qtbot, ok(importing))
        assert importing.isVisible() and importing.error.text().startswith("This is not valid")
        importing.text.setPlainText(pasted)
        click(qtbot, ok(importing))
        assert not importing.isVisible()
        assert page.message.text().startswith("Added 2 servers: local, remote. Left out: 'old'")
        assert [page.list.item(i).text().split(" — ")[0] for i in range(2)] == ["local", "remote"]
        assert fake_keyring.passwords[("Parley", "mcp:remote:header:Authorization")] == (
            "Bearer tok-abcdefgh"
        )
        page.list.setCurrentRow(1)
        click(qtbot, page.start_button)
        run_until(qloop, lambda: parley.mcp.status("remote").state == READY, timeout=60)
        assert "add — Add two numbers" in page.tools.item(0).text() or any(
            page.tools.item(i).text().startswith("add — ") for i in range(page.tools.count())
        )
        assert not page.stderr_button.isEnabled()  # a remote server has no stderr
        from tests.support.loop import run

        run(qloop, parley.mcp.stop("remote"), timeout=30)


def test_a_failing_server_says_why_and_can_be_switched_off_and_removed(
    qloop, qtbot, start_parley, fake_keyring, paths
) -> None:
    bad = stdio_config("bad", "bad_server", "die")
    bad = McpServerConfig(
        "bad", command=bad.command, args=bad.args, cwd=bad.cwd, secret_env=("API_KEY",)
    ).approved()
    fake_keyring.set_password("Parley", "mcp:bad:env:API_KEY", "key-value-1234")
    parley = start_parley(Settings(mcp_servers=(bad,)))
    _dialog, page = open_tools(parley)
    click(qtbot, page.start_button)
    run_until(qloop, lambda: parley.mcp.status("bad").state == FAILED, timeout=60)
    assert page.list.item(0).text() == "bad — failed"
    assert page.state.text().startswith("Failed: The server stopped by itself") or (
        page.state.text().startswith("Failed: The server exited while starting")
    )
    assert "was refused" in page.state.text()

    page.list.item(0).setCheckState(Qt.CheckState.Unchecked)  # as a click on its box does
    assert parley.settings.mcp_servers[0].enabled is False
    assert json.loads(paths.settings_file.read_text())["mcp_servers"][0]["enabled"] is False

    click(qtbot, page.remove_button)
    assert page.list.count() == 0 and page.message.text() == "Removed bad."
    assert parley.settings.mcp_servers == ()
    assert ("Parley", "mcp:bad:env:API_KEY") not in fake_keyring.passwords


def test_changing_a_server_keeps_its_secret_unless_replaced(
    qloop, qtbot, start_parley, fake_keyring
) -> None:
    server = McpServerConfig(
        "remote", "http", url="https://example.com/mcp", secret_headers=("Authorization",)
    )
    fake_keyring.set_password("Parley", "mcp:remote:header:Authorization", "Bearer old-token")
    parley = start_parley(Settings(mcp_servers=(server,)))
    _dialog, page = open_tools(parley)
    click(qtbot, page.edit_button)
    editing = page.dialog
    assert editing.name.isReadOnly()
    assert editing.headers.toPlainText() == "Authorization: ••••••••"
    editing.headers.setPlainText("Authorization: ••••••••\nX-Team: blue")
    editing.url.clear()
    qtbot.keyClicks(editing.url, "https://example.org/mcp")
    click(qtbot, ok(editing))
    saved = parley.settings.mcp_servers[0]
    assert saved.url == "https://example.org/mcp" and saved.headers == (("X-Team", "blue"),)
    assert saved.secret_headers == ("Authorization",)
    key = ("Parley", "mcp:remote:header:Authorization")
    assert fake_keyring.passwords[key] == "Bearer old-token"


def test_a_remote_server_can_be_let_to_openai_and_keeps_that_when_changed(
    qloop, qtbot, start_parley, fake_keyring, paths
) -> None:
    parley = start_parley()
    _dialog, page = open_tools(parley)
    click(qtbot, page.add_button)
    adding = page.dialog
    qtbot.waitExposed(adding)
    assert not adding.hosted.isVisible()  # a local program is always run by Parley
    adding.kind.setCurrentIndex(adding.kind.findData("http"))
    assert adding.hosted.isVisible() and not adding.hosted.isChecked()
    assert adding.hosted.text() == "Let OpenAI connect to it directly"
    assert "reachable from the internet" in adding.hosted_note.text()
    assert adding.hosted_note.isVisible()
    adding.kind.setCurrentIndex(adding.kind.findData("stdio"))
    assert not adding.hosted.isVisible() and not adding.hosted_note.isVisible()
    adding.kind.setCurrentIndex(adding.kind.findData("http"))
    qtbot.keyClicks(adding.name, "cloud")
    qtbot.keyClicks(adding.url, "https://mcp.example.com/mcp")
    # on its box (a click in the empty width of the row to the right of the text does nothing)
    box = QPoint(8, adding.hosted.height() // 2)
    qtbot.mouseClick(adding.hosted, Qt.MouseButton.LeftButton, pos=box)
    assert adding.hosted.isChecked()
    click(qtbot, ok(adding))
    assert not adding.isVisible()
    saved = parley.settings.mcp_servers[0]
    assert (saved.name, saved.transport, saved.hosted) == ("cloud", "http", True)
    assert json.loads(paths.settings_file.read_text())["mcp_servers"][0]["hosted"] is True
    assert "hosted by openai when possible" in page.state.text().lower()

    click(qtbot, page.edit_button)  # changing it keeps the box's state
    editing = page.dialog
    assert editing.hosted.isChecked()
    qtbot.keyClicks(editing.headers, "X-Team: blue")
    click(qtbot, ok(editing))
    saved = parley.settings.mcp_servers[0]
    assert saved.hosted and saved.headers == (("X-Team", "blue"),)

    click(qtbot, page.edit_button)  # made a local program, it is no longer hosted
    editing = page.dialog
    editing.kind.setCurrentIndex(editing.kind.findData("stdio"))
    qtbot.keyClicks(editing.command, "my-server")
    click(qtbot, ok(editing))
    saved = parley.settings.mcp_servers[0]
    assert saved.transport == "stdio" and not saved.hosted
    assert "hosted by openai" not in page.state.text().lower()


def test_the_sdk_is_not_imported_at_start_up() -> None:
    code = (
        "import sys, desktop_app.app, desktop_app.services.mcp_sessions, "
        "desktop_app.ui.settings_dialog; "
        "print(sorted(m for m in sys.modules if m == 'mcp' or m.startswith(('mcp.', 'mcp_'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_the_launch_text_names_what_the_sdk_passes_on() -> None:
    from mcp.client.stdio import DEFAULT_INHERITED_ENV_VARS

    from desktop_app.core.mcp_config import INHERITED_ENV_POSIX, INHERITED_ENV_WINDOWS

    inherited = INHERITED_ENV_WINDOWS if sys.platform == "win32" else INHERITED_ENV_POSIX
    assert list(inherited) == list(DEFAULT_INHERITED_ENV_VARS)
