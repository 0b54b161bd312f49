"""Temporary files a killed save left behind are removed at the next save into that folder,
unless their process still runs; files that may not be Parley's are never touched.

(`temp_files` is imported inside the tests that need it, so the saving tests run, and fail, on
a Parley without it.)"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.services.atomic_file import write_text_atomically
from desktop_app.services.settings import Settings, save_settings
from desktop_app.services.training_writer import save_dataset

EXAMPLE = {
    "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]
}


@pytest.fixture(scope="module")
def dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    probe = subprocess.Popen([sys.executable, "-c", "pass"])
    probe.wait()
    return probe.pid


@pytest.fixture
def live_pid() -> Iterator[int]:
    """The pid of another process running for the whole test (another Parley saving)."""
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        yield other.pid
    finally:
        other.kill()
        other.wait()


def leftover(folder: Path, name: str) -> Path:
    path = folder / name
    path.write_text('{"half": "a line cut by a ki', encoding="utf-8")
    return path


def test_a_dead_saves_leftover_is_gone_after_the_next_save_and_a_live_ones_kept(
    tmp_path: Path, dead_pid: int, live_pid: int
) -> None:
    folder = tmp_path / "my datasets"
    folder.mkdir()
    killed = leftover(folder, f".dataset.jsonl.{dead_pid}.tmp")  # as Parley wrote it before
    killed_tagged = leftover(folder, f".older.jsonl.parley-{dead_pid}.tmp")
    saving_now = leftover(folder, f".dataset.jsonl.parley-{live_pid}.tmp")
    saving_now_untagged = leftover(folder, f".dataset.jsonl.{live_pid}.tmp")
    not_ours = leftover(folder, f".notes.txt.{dead_pid}.tmp")  # another program's, maybe

    written = save_dataset([EXAMPLE] * 4, folder / "dataset.jsonl")

    assert written == [folder / "dataset.jsonl"]
    assert not killed.exists() and not killed_tagged.exists()
    assert saving_now.exists() and saving_now_untagged.exists() and not_ours.exists()
    assert len((folder / "dataset.jsonl").read_text(encoding="utf-8").splitlines()) == 4
    assert not list(folder.glob(f"*parley-{os.getpid()}*"))  # this save left nothing either


def test_an_export_clears_a_killed_exports_leftover(tmp_path: Path, dead_pid: int) -> None:
    killed = leftover(tmp_path, f".usage.csv.parley-{dead_pid}.tmp")
    write_text_atomically(tmp_path / "descriptions.csv", "a,b\n")
    assert not killed.exists()
    assert (tmp_path / "descriptions.csv").read_text(encoding="utf-8") == "a,b\n"


def test_only_files_of_parleys_shape_count_and_folders_are_never_removed(
    tmp_path: Path, dead_pid: int
) -> None:
    from desktop_app.services.temp_files import remove_stale_temps

    (tmp_path / f".x.parley-{dead_pid}.tmp").mkdir()  # a folder of that name: not a temp file
    names = [f"x.parley-{dead_pid}.tmp", f".x.parley-{dead_pid}.tmp.bak", ".x.parley-.tmp"]
    for name in names:
        leftover(tmp_path, name)
    assert remove_stale_temps(tmp_path, any_untagged=True) == []
    assert (tmp_path / f".x.parley-{dead_pid}.tmp").is_dir()
    assert all((tmp_path / name).exists() for name in names)


def test_an_unreadable_folder_is_not_an_error(tmp_path: Path) -> None:
    from desktop_app.services.temp_files import remove_stale_temps

    assert remove_stale_temps(tmp_path / "missing") == []


def test_pid_alive(dead_pid: int, live_pid: int) -> None:
    from desktop_app.services.temp_files import pid_alive

    assert pid_alive(os.getpid()) and pid_alive(live_pid)
    assert not pid_alive(dead_pid) and not pid_alive(0)


def test_temporary_files_are_tagged_with_parley_and_the_pid(tmp_path: Path) -> None:
    from desktop_app.services.temp_files import temp_path

    assert temp_path(tmp_path / "a.jsonl").name == f".a.jsonl.parley-{os.getpid()}.tmp"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
def test_settings_are_still_written_private_to_the_user(tmp_path: Path, dead_pid: int) -> None:
    killed = leftover(tmp_path, f".settings.json.parley-{dead_pid}.tmp")
    save_settings(Settings(), tmp_path / "settings.json")
    assert stat.S_IMODE((tmp_path / "settings.json").stat().st_mode) == 0o600
    assert killed.exists()  # the config folder is swept at start, not at every save
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["settings.json", killed.name])
