"""The real app, launched twice on one data folder: the second launch hands over and exits."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def launch(home: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "PARLEY_HOME": str(home),
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",  # never the user's keyring
    }
    return subprocess.Popen(
        [sys.executable, "-m", "desktop_app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def log_text(home: Path) -> str:
    try:
        return (home / "log" / "parley.log").read_text(encoding="utf-8")
    except OSError:
        return ""


def wait_for(condition: Callable[[], bool], app: subprocess.Popen[str], what: str) -> None:
    deadline = time.monotonic() + 30
    while not condition():
        assert app.poll() is None, f"the app ended while waiting for {what}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def end(app: subprocess.Popen[str]) -> None:
    if app.poll() is None:
        app.terminate()
    try:
        app.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        app.kill()
        app.communicate(timeout=10)


@pytest.mark.slow
def test_a_second_launch_on_one_data_folder_raises_the_first_and_exits(tmp_path: Path) -> None:
    home, other_home = tmp_path / "home", tmp_path / "other-home"
    first = launch(home)
    other: subprocess.Popen[str] | None = None
    try:
        wait_for(lambda: "starting;" in log_text(home), first, "the first launch to start")
        started = time.monotonic()
        second = launch(home)
        _out, err = second.communicate(timeout=30)
        took = time.monotonic() - started
        assert second.returncode == 0, err
        assert "already running" in err and "brought to the front" in err
        assert took < 10, f"the second launch took {took:.1f} s to hand over"
        wait_for(
            lambda: "window brought to the front" in log_text(home), first, "the raise request"
        )
        assert first.poll() is None  # the first one carries on

        other = launch(other_home)  # another data folder runs alongside
        wait_for(lambda: "starting;" in log_text(other_home), other, "the other folder's app")
        assert "window brought to the front" not in log_text(other_home)
        assert other.poll() is None and first.poll() is None
    finally:
        end(first)
        if other is not None:
            end(other)
