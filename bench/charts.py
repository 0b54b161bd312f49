"""Charts benchmark: what pyqtgraph costs the first time a chart is shown, and after.

    .venv/bin/python bench/charts.py [--runs 5] [--points 2000]

Each run is a fresh interpreter (offscreen Qt, PySide6 already imported, as in the app) that
times `import pyqtgraph` alone, then the first show of a loss chart (building its plot and
painting it: the import is already paid), a second loss chart, and a usage chart of 60 bars;
and 200 pointer moves over the loss curve (the hover readout). Medians over the runs.

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, sys, time
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QApplication
app = QApplication([])
from desktop_app.ui.training.loss_chart import LossChart
from desktop_app.ui.usage.bar_chart import BarChart

points = int(sys.argv[1])
train = [(s, 2.2 * 0.999 ** s + 0.15) for s in range(1, points + 1)]
valid = [(s, v * 1.1) for s, v in train if s % 10 == 0]
started = time.perf_counter(); import pyqtgraph; imported = time.perf_counter() - started

def first_paint(chart):
    chart.resize(600, 260)
    started = time.perf_counter()
    chart.show()
    chart.plot.grab()  # lays out and paints the whole plot
    return time.perf_counter() - started

loss = LossChart(); loss.set_points(train, valid)
first = first_paint(loss)
again = LossChart(); again.set_points(train, valid)
second = first_paint(again)
bars = BarChart()
bars.set_bars([(f"model-{i}", float(i)) for i in range(60)], lambda v: f"${v:.2f}")
bar_first = first_paint(bars)
started = time.perf_counter()
for i in range(200):
    loss._hover(QPointF(1 + i * points / 200, 1.0))
hover = (time.perf_counter() - started) / 200
print("RESULT_CHILD " + json.dumps({"import_s": imported, "first_show_s": first,
    "second_show_s": second, "bars_first_show_s": bar_first, "hover_s": hover}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--points", type=int, default=2000)
    args = parser.parse_args()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO_ROOT)}
    runs: list[dict[str, float]] = []
    for _ in range(args.runs):
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(args.points)],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout
        line = next(x for x in out.splitlines() if x.startswith("RESULT_CHILD "))
        runs.append(json.loads(line.removeprefix("RESULT_CHILD ")))
    median = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    ms = {key: round(value * 1000, 2) for key, value in median.items()}
    print(f"import pyqtgraph (after PySide6): {ms['import_s']:.0f} ms")
    print(f"first loss chart shown and painted ({args.points} steps): {ms['first_show_s']:.0f} ms")
    print(f"a second loss chart: {ms['second_show_s']:.0f} ms")
    print(f"a usage chart of 60 bars: {ms['bars_first_show_s']:.0f} ms")
    print(f"one hover readout: {ms['hover_s']:.2f} ms")
    print("RESULT " + json.dumps({"runs": args.runs, "points": args.points, "ms": ms}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
