"""Kill the app with SIGKILL while a reply streams; the next start has everything so far."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop_app.services.settings import Settings, save_settings
from tests.openai_server import OpenAIServer, expected_reply

ROOT = Path(__file__).resolve().parents[2]


def driver(mode: str, *args: str, home: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PARLEY_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.app_driver", mode, *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def streamed_so_far(database: Path) -> str:
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1) as conn:
            row = conn.execute(
                "SELECT content FROM messages WHERE role = 'assistant' ORDER BY id DESC LIMIT 1"
            ).fetchone()
    except sqlite3.Error:
        return ""
    return row[0] if row else ""


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_mid_stream_loses_neither_message_nor_partial_reply(
    openai_server: OpenAIServer, paths
) -> None:
    home = paths.data_dir.parent
    save_settings(
        Settings(provider="custom", base_url=openai_server.url, default_model="gpt-4o-mini"),
        paths.settings_file,
    )
    openai_server.chunk_delay = 0.1
    app = driver("send", "Please stream slowly", home=home)
    try:
        deadline = time.monotonic() + 30
        while len(streamed_so_far(paths.database)) < 30:
            assert app.poll() is None, app.stderr.read() if app.stderr else ""
            assert time.monotonic() < deadline, "no checkpointed text appeared"
            time.sleep(0.05)
    finally:
        app.send_signal(signal.SIGKILL)
        app.communicate(timeout=10)
    assert app.returncode == -signal.SIGKILL
    on_disk = streamed_so_far(paths.database)

    again = driver("inspect", home=home)
    out, err = again.communicate(timeout=60)
    assert again.returncode == 0, err
    report = json.loads(next(line for line in out.splitlines() if line.startswith("REPORT "))[7:])
    user, reply = report["messages"]
    assert (user["role"], user["content"]) == ("user", "Please stream slowly")
    assert reply["status"] == "interrupted"
    full = expected_reply([{"role": "user", "content": "Please stream slowly"}], "gpt-4o-mini")
    assert len(reply["content"]) >= len(on_disk) >= 30 and full.startswith(reply["content"])
    assert report["recovered"] == 1 and "cut off" in report["banner"]
    assert "Please stream slowly" in report["transcript"] and "interrupted" in report["transcript"]


@pytest.mark.slow
def test_closing_the_window_ends_the_process_while_workers_are_busy(paths, tmp_path: Path) -> None:
    """An import and an image's first look both stuck in worker threads: closing the window
    still ends the process (it used to wait for the threads for ever)."""
    hostile = tmp_path / "conversations.json"
    hostile.write_text("[]", encoding="utf-8")
    app = driver("close-busy", str(hostile), home=paths.data_dir.parent)
    try:
        out, err = app.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        app.kill()
        out, err = app.communicate()
        pytest.fail(f"the process outlived its window: {out} {err[-2000:]}")
    assert "BUSY" in out, err[-2000:]
    assert app.returncode == 0, err[-2000:]
