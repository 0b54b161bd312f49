"""One Parley per data folder: a second guard on the same folder finds the first and asks it
for its window; another folder runs alongside; a crashed holder's lock and port are taken
over; a connection without the holder's token asks for nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from desktop_app.ui.instance_guard import InstanceGuard

ROOT = Path(__file__).resolve().parents[2]


def ask_from_a_thread(guard: InstanceGuard) -> list[bool]:
    """What a second launch does, from a thread: in a process of its own it would block on the
    answer, which this (the holder's) event loop has to give."""
    answered: list[bool] = []
    thread = threading.Thread(target=lambda: answered.append(guard.ask_first_to_raise()))
    thread.start()
    return answered


def test_a_second_guard_on_the_folder_finds_the_first_and_asks_it_to_raise(
    qtbot, tmp_path: Path
) -> None:
    first = InstanceGuard(tmp_path / "data")
    second = InstanceGuard(tmp_path / "data")
    try:
        assert first.acquire()
        assert not second.acquire()
        with qtbot.waitSignal(first.raise_requested, timeout=3_000):
            answered = ask_from_a_thread(second)
        qtbot.waitUntil(lambda: answered == [True])
        assert first.held and not second.held
    finally:
        first.release()
        second.release()


def test_the_same_folder_by_another_spelling_is_the_same_instance(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "data")
    first = InstanceGuard(tmp_path / "data")
    try:
        assert first.acquire()
        assert not InstanceGuard(tmp_path / "link").acquire()
    finally:
        first.release()


def test_another_data_folder_runs_alongside(qtbot, tmp_path: Path) -> None:
    first = InstanceGuard(tmp_path / "one")
    other = InstanceGuard(tmp_path / "two")
    raised: list[str] = []
    first.raise_requested.connect(lambda: raised.append("one"))
    try:
        assert first.acquire()
        assert other.acquire()
        with qtbot.waitSignal(other.raise_requested, timeout=3_000):
            answered = ask_from_a_thread(InstanceGuard(tmp_path / "two"))
        qtbot.waitUntil(lambda: answered == [True])
        assert raised == []
    finally:
        first.release()
        other.release()


def test_a_released_folder_can_be_taken_again(tmp_path: Path) -> None:
    first = InstanceGuard(tmp_path / "data")
    assert first.acquire()
    first.release()
    again = InstanceGuard(tmp_path / "data")
    try:
        assert again.acquire()
    finally:
        again.release()


HOLD = """
import sys, time
from PySide6.QtCore import QCoreApplication
from desktop_app.ui.instance_guard import InstanceGuard
app = QCoreApplication([])
guard = InstanceGuard(__import__("pathlib").Path(sys.argv[1]))
print("HELD" if guard.acquire() else "REFUSED", flush=True)
time.sleep(120)
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_hung_or_crashed_holder_is_not_taken_for_a_live_instance(qtbot, tmp_path: Path) -> None:
    """A hung holder is not said to have raised its window. Killed, it leaves its lock file and
    its port file behind; the next launch takes the folder, and later launches reach the new
    holder, not the dead one's port."""
    data = tmp_path / "data"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(data)],
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "HELD"
        assert not InstanceGuard(data).acquire()  # alive: it holds the folder
        # but hung (its event loop never runs): the kernel takes the connection, no one answers
        assert not InstanceGuard(data).ask_first_to_raise(wait_s=0.5)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.communicate(timeout=10)
    assert (data / "parley.lock").exists()
    dead_channel = (data / "parley.instance").read_text(encoding="utf-8")
    successor = InstanceGuard(data)
    try:
        assert successor.acquire()
        assert (data / "parley.instance").read_text(encoding="utf-8") != dead_channel
        with qtbot.waitSignal(successor.raise_requested, timeout=3_000):
            answered = ask_from_a_thread(InstanceGuard(data))
        qtbot.waitUntil(lambda: answered == [True])
    finally:
        successor.release()


def test_a_connection_without_the_token_asks_for_nothing(qtbot, tmp_path: Path) -> None:
    import socket

    first = InstanceGuard(tmp_path / "data")
    raised: list[bool] = []
    first.raise_requested.connect(lambda: raised.append(True))
    try:
        assert first.acquire()
        port = int((tmp_path / "data" / "parley.instance").read_text(encoding="utf-8").split()[0])
        with socket.create_connection(("127.0.0.1", port)) as conn:
            conn.sendall(b"raise not-the-token\n")
        with qtbot.waitSignal(first.raise_requested, timeout=3_000):  # a real one still works
            answered = ask_from_a_thread(InstanceGuard(tmp_path / "data"))
        qtbot.waitUntil(lambda: answered == [True])
        assert raised == [True]
    finally:
        first.release()
    assert not (tmp_path / "data" / "parley.instance").exists()  # released: nothing to dial
