"""Cyclic garbage is collected on the GUI thread only.

Python runs a cyclic collection in whichever thread happens to allocate when a threshold is
passed. With worker threads (every `asyncio.to_thread`: saving replies, reading datasets,
preparing images) that is often a worker, and a collection there destroys any Qt object left
in a reference cycle (qasync's timers, a dropped widget) off the thread that owns it: Qt warns
"Timers cannot be stopped from another thread", or crashes. So the automatic collector is
switched off and a timer on the GUI thread runs the same generational collections, on the same
thresholds, a few times a second. Garbage without cycles is freed at once as ever.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 250


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self.thresholds = gc.get_threshold()
        self.collections = 0
        gc.disable()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.collect_due)
        self.timer.start()

    def collect_due(self) -> int:
        """Collect the oldest generation whose threshold is passed (as Python would);
        returns it, or -1 when nothing was due."""
        counts = gc.get_count()
        generation = -1
        for number, (count, threshold) in enumerate(zip(counts, self.thresholds, strict=True)):
            if threshold and count > threshold:
                generation = number
            elif number:
                break
        if generation >= 0:
            gc.collect(generation)
            self.collections += 1
        return generation

    def stop(self) -> None:
        """Hand collection back to Python (at exit, or when a test is done with it)."""
        self.timer.stop()
        gc.enable()
