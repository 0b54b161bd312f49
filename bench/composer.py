"""Composer benchmark: long pastes and large images in the Chat tab's message box.

    PYTHONPATH=. .venv/bin/python bench/composer.py   (offscreen unless QT_QPA_PLATFORM says)

Pastes 5 MB of text (a log: many lines; minified: one line) into the composer and into a bare
QPlainTextEdit (what pasting it into the box would cost, and one key press after it), commits
a 5 MB message with ChatSession.prepare and shows it in the transcript, and prepares a 50 MB
PNG and a 12-megapixel JPEG as the composer does (the work its worker thread does).

Prints figures, the last line `RESULT {json}`; asserts nothing.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from desktop_app.ui.widgets.transcript_view import TranscriptView
from PIL import Image
from PySide6.QtCore import QMimeData, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QPlainTextEdit

from desktop_app.core.sentiment import SentimentAnalyzer
from desktop_app.services.chat_session import ChatSession
from desktop_app.services.gateway import Gateway, ProviderConfig
from desktop_app.services.store import Store
from desktop_app.ui.chat.composer import Composer
from desktop_app.ui.chat.pending_images import prepare_pending

LINE = "2026-12-01 12:00:00 INFO worker 17 finished batch 4096 in 0.25 s; all good\n"


def timed(action) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    action()
    QApplication.processEvents()
    return round(time.perf_counter() - started, 3)


def bench_pastes(results: dict) -> None:  # type: ignore[type-arg]
    log = LINE * (5 * 1024 * 1024 // len(LINE))
    for name, text in (("log", log), ("one_line", log.replace("\n", " "))):
        mime = QMimeData()
        mime.setText(text)
        composer = Composer()
        composer.show()
        results[f"paste_5mb_{name}_composer_s"] = timed(
            lambda c=composer, m=mime: c.input.insertFromMimeData(m)
        )
        box = QPlainTextEdit()
        box.show()
        results[f"paste_5mb_{name}_plain_box_s"] = timed(lambda b=box, t=text: b.insertPlainText(t))
        results[f"key_after_5mb_{name}_plain_box_s"] = timed(
            lambda b=box: QTest.keyClick(b, Qt.Key.Key_A)
        )
        composer.close()
        box.close()


def bench_prepare_message(results: dict, folder: Path) -> None:  # type: ignore[type-arg]
    store = Store.open(folder / "parley.db", folder / "attachments")
    gateway = Gateway(ProviderConfig("custom", "http://127.0.0.1:9/v1", "k"))
    chat = ChatSession(store, gateway, SentimentAnalyzer())
    text = LINE * (5 * 1024 * 1024 // len(LINE))
    turns = []
    results["prepare_5mb_message_s"] = timed(
        lambda: turns.append(chat.prepare(None, text, "gpt-4o", ""))
    )
    store.close()
    view = TranscriptView()  # today's transcript, which the Chat tab shows the message in
    view.show()
    message = turns[0].user_message
    results["transcript_shows_5mb_message_s"] = timed(lambda: view.add_message(message))
    view.close()


def bench_images(results: dict, folder: Path) -> None:  # type: ignore[type-arg]
    png = folder / "50mb.png"
    Image.new("RGB", (4200, 4200), (0, 0, 255)).save(png, compress_level=0)
    jpeg = folder / "12mp.jpg"
    Image.effect_noise((4032, 3024), 60).convert("RGB").save(jpeg, quality=90)
    for name, path in (("png_50mb", png), ("jpeg_12mp", jpeg)):
        results[f"prepare_{name}_s"] = timed(lambda p=path: prepare_pending(p.name, p))


def main() -> int:
    app = QApplication.instance() or QApplication(sys.argv)
    results: dict[str, float] = {}
    bench_pastes(results)
    with tempfile.TemporaryDirectory(prefix="parley-bench-composer-") as folder:
        bench_prepare_message(results, Path(folder))
        bench_images(results, Path(folder))
    for key, value in results.items():
        print(f"{key:40}{value:>8.3f}")
    print("RESULT " + json.dumps(results))
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
