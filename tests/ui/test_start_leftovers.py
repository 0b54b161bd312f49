"""At start, Parley clears what a killed Parley was writing in its own folders."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from desktop_app.services.paths import AppPaths


def test_start_removes_a_dead_parleys_temporary_files_and_keeps_a_live_ones(
    start_parley, paths: AppPaths
) -> None:
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        paths.attachments_dir.mkdir(parents=True, exist_ok=True)
        dead = [
            paths.attachments_dir / f".{'ab' * 32}.png.{ended.pid}.tmp",  # an older Parley's
            paths.config_dir / f".settings.json.parley-{ended.pid}.tmp",
            paths.data_dir / f".export.json.parley-{ended.pid}.tmp",
        ]
        live = paths.attachments_dir / f".{'cd' * 32}.png.parley-{running.pid}.tmp"
        kept = paths.data_dir / "notes.tmp"  # not a temporary file of Parley's shape
        for path in [*dead, live, kept]:
            path.write_bytes(b"half a file")
        start_parley()
        assert [p for p in dead if p.exists()] == []
        assert live.exists() and kept.exists()
        assert Path(paths.database).exists()  # and the start went on as usual
    finally:
        running.kill()
        running.wait()
