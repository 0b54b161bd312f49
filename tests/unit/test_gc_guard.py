"""Cyclic garbage is collected on the GUI thread, never in a worker that happened to allocate."""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QObject

from tests.support.loop import run_until


class Cycle:
    def __init__(self) -> None:
        self.me = self
        self.qt = QObject()


def test_garbage_in_cycles_is_collected_on_the_gui_thread(qloop) -> None:  # type: ignore[no-untyped-def]
    assert not gc.isenabled()  # the suite runs as the app does
    collected_in: list[threading.Thread] = []

    def note(phase: str, info: dict) -> None:
        if phase == "stop" and info.get("collected"):
            collected_in.append(threading.current_thread())

    gc.callbacks.append(note)
    try:
        for _ in range(2000):
            Cycle()

        def allocate() -> None:  # a worker allocating a lot triggers no collection
            [[n] for n in range(50_000)]

        worker = threading.Thread(target=allocate)
        worker.start()
        worker.join()
        run_until(qloop, lambda: bool(collected_in))  # the GUI thread's timer collected it
    finally:
        gc.callbacks.remove(note)
    assert set(collected_in) == {threading.main_thread()}
