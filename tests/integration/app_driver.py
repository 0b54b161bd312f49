"""Runs the real app in a subprocess and drives it like a user, for crash tests.

    python -m tests.integration.app_driver send "message"   # type it, press Enter, keep going
    python -m tests.integration.app_driver inspect          # start, print what the app shows
    python -m tests.integration.app_driver close-busy FILE  # close while workers are stuck

Settings and data come from PARLEY_HOME, as for the app itself.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time

from desktop_app.app import Parley, make_qt_app, run_in_qt_loop
from desktop_app.services.paths import AppPaths
from desktop_app.ui.event_loop import leave


async def drive(parley: Parley, mode: str, text: str) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    await parley.ready.wait()
    tab = parley.chat_tab
    if mode == "close-busy":
        await close_while_busy(parley, text)
        return
    if mode == "send":
        QTest.keyClicks(tab.input, text)
        QTest.keyClick(tab.input, Qt.Key.Key_Return)
        print("SENT", flush=True)
        return
    dialogues = parley.store.list_dialogues()
    if dialogues:
        tab.open_dialogue(dialogues[0].id)
    report = {
        "recovered": parley.store.recovered_replies,
        "banner": tab.banner.text,
        "transcript": tab.transcript.toPlainText(),
        "messages": [
            {"role": m.role, "content": m.content, "status": m.status.value}
            for m in (parley.store.messages(dialogues[0].id) if dialogues else [])
        ],
    }
    print("REPORT " + json.dumps(report), flush=True)
    parley.window.close()


def _stuck(*_args: object, **_kwargs: object) -> object:
    """A step that never ends and never looks at Cancel (a hostile file, a hung disk)."""
    while True:
        time.sleep(0.01)


async def close_while_busy(parley: Parley, path: str) -> None:
    """Start a History import and an image's first look, both stuck in a worker thread (one
    of the job's own, one of the loop's executor), then close the window as a user would."""
    from pathlib import Path

    import desktop_app.services.history_transfer as history_transfer
    import desktop_app.services.image_describer as image_describer

    history_transfer.iter_dialogues = _stuck  # type: ignore[assignment]
    image_describer.inspect_image = _stuck  # type: ignore[assignment]
    history = parley.history_tab
    history.tasks.spawn(history.import_file(Path(path)))
    await parley.images_tab.intake.add_paths([Path(path)])
    while not history.job_running or not _worker_busy():
        await asyncio.sleep(0.02)
    print("BUSY", flush=True)
    parley.window.close()


def _worker_busy() -> bool:
    import threading

    return any(t.name.startswith("parley-worker") for t in threading.enumerate())


def main() -> int:
    mode = sys.argv[1]
    text = sys.argv[2] if len(sys.argv) > 2 else ""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    qt_app = make_qt_app()
    paths = AppPaths.from_environment()
    paths.ensure()
    parley = Parley(qt_app, paths, discovery_candidates=[])

    async def run() -> int:
        driver = asyncio.ensure_future(drive(parley, mode, text))
        code = await parley.run()
        await driver
        return code

    return leave(run_in_qt_loop(qt_app, run))


if __name__ == "__main__":
    sys.exit(main())
