"""The bundle build's cache and clean tree, checked without PyInstaller."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.packaging.bundle_builder import (
    build_stamp,
    copy_clean_tree,
    is_build_input,
    stamp_matches,
    tracked_files,
)


def test_build_inputs_are_the_spec_the_package_its_hooks_and_resources() -> None:
    assert is_build_input("build.spec")
    assert is_build_input("desktop_app/app.py")
    assert is_build_input("resources/icons/parley-16.png")
    assert is_build_input("resources/pyinstaller_hooks/hook-PySide6.QtGui.py")
    assert not is_build_input("tests/conftest.py")
    assert not is_build_input("desktop_app/__pycache__/app.cpython-311.pyc")
    assert not is_build_input("build.spec.orig")


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_only_tracked_files_reach_the_clean_tree(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "desktop_app").mkdir(parents=True)
    (repo / "build.spec").write_text("spec")
    (repo / "desktop_app" / "app.py").write_text("app")
    (repo / "tests").mkdir()
    (repo / "tests" / "t.py").write_text("test")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-C", str(repo)]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    (repo / "desktop_app" / "stray.py").write_text("untracked")
    assert tracked_files(repo) == ["build.spec", "desktop_app/app.py"]
    copy_clean_tree(repo, tracked_files(repo), tmp_path / "clean")
    copied = sorted(
        p.relative_to(tmp_path / "clean").as_posix() for p in (tmp_path / "clean").rglob("*.*")
    )
    assert copied == ["build.spec", "desktop_app/app.py"]


def test_the_stamp_changes_with_any_input_or_installed_version(tmp_path: Path) -> None:
    (tmp_path / "build.spec").write_text("one")
    files = ["build.spec"]
    stamp = build_stamp(tmp_path, files, ["pyside6==6.11.3"])
    assert stamp == build_stamp(tmp_path, files, ["pyside6==6.11.3"])
    assert stamp != build_stamp(tmp_path, files, ["pyside6==6.11.4"])
    (tmp_path / "build.spec").write_text("two")
    assert stamp != build_stamp(tmp_path, files, ["pyside6==6.11.3"])
    (tmp_path / "stamp").write_text(stamp + "\n")
    assert stamp_matches(tmp_path / "stamp", stamp)
    assert not stamp_matches(tmp_path / "missing", stamp)
