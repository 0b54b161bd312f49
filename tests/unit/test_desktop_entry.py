"""The per-user Linux desktop entry: its Exec line, install and uninstall under XDG_DATA_HOME."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.services import desktop_entry
from desktop_app.services.desktop_entry import (
    data_home,
    install,
    installed_files,
    quote_exec_argument,
    render_entry,
    uninstall,
)

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_data_home_honours_an_absolute_xdg_data_home_only(tmp_path: Path) -> None:
    assert data_home({"XDG_DATA_HOME": str(tmp_path), "HOME": "/h"}) == tmp_path
    assert data_home({"XDG_DATA_HOME": "relative/path", "HOME": "/h"}) == Path("/h/.local/share")
    assert data_home({"HOME": "/h"}) == Path("/h/.local/share")


@pytest.mark.parametrize(
    ("argument", "written"),
    [
        ("/opt/Parley/Parley", "/opt/Parley/Parley"),
        ("-m", "-m"),
        ("/home/a b/Parley", '"/home/a b/Parley"'),
        ('/x/"q"$`', '"/x/\\\\"q\\\\"\\\\$\\\\`"'),
        ("/100%/p", "/100%%/p"),
    ],
)
def test_exec_arguments_are_quoted_as_the_desktop_entry_spec_says(
    argument: str, written: str
) -> None:
    assert quote_exec_argument(argument) == written


def test_the_entry_runs_the_given_command() -> None:
    template = "Exec=@EXEC@\nTryExec=@TRYEXEC@\n"
    entry = render_entry(template, ["/my apps/python", "-m", "desktop_app"])
    assert entry == 'Exec="/my apps/python" -m desktop_app\nTryExec=/my apps/python\n'


def test_install_writes_the_entry_and_every_icon_and_uninstall_removes_them(
    tmp_path: Path,
) -> None:
    written = install(tmp_path, ["/opt/Parley/Parley"])
    assert written == installed_files(tmp_path)
    entry = (tmp_path / "applications" / "parley.desktop").read_text(encoding="utf-8")
    assert "Exec=/opt/Parley/Parley\n" in entry and "Icon=parley\n" in entry
    assert "@" not in entry
    for size in (16, 48, 256):
        assert (tmp_path / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "parley.png").is_file()
    assert (tmp_path / "icons" / "hicolor" / "scalable" / "apps" / "parley.svg").is_file()
    other = tmp_path / "applications" / "someone-else.desktop"
    other.write_text("[Desktop Entry]\n")
    assert uninstall(tmp_path) == written
    assert not any(path.exists() for path in written)
    assert other.exists()
    assert uninstall(tmp_path) == []


@pytest.mark.skipif(
    shutil.which("desktop-file-validate") is None, reason="needs desktop-file-utils"
)
def test_the_installed_entry_passes_desktop_file_validate(tmp_path: Path) -> None:
    entry = install(tmp_path, ["/opt/my apps/Parley"])[0]
    result = subprocess.run(
        ["desktop-file-validate", str(entry)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout


def test_from_source_the_entry_starts_this_python_with_the_package() -> None:
    assert desktop_entry.launch_command() == [sys.executable, "-m", "desktop_app"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="desktop entries are Linux's")
def test_the_command_line_flags_install_and_uninstall(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path)}
    for flag, expected in (("--install-desktop-entry", True), ("--uninstall-desktop-entry", False)):
        result = subprocess.run(
            [sys.executable, "-m", "desktop_app", flag],
            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert (tmp_path / "applications" / "parley.desktop").exists() is expected
