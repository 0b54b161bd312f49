"""Start-up benchmark: time to first frame and idle memory, Parley against a bare Qt window.

    .venv/bin/python bench/startup.py [--runs 7] [--platform offscreen] [--bundle PATH]

With --bundle (e.g. dist/Parley/Parley) the packaged app is measured too, and the size of its
folder on disk is printed. With --cold (Linux, as root) the page cache is dropped before every
start, so each one reads the program from disk as after a reboot; without it, starts are warm.

Each variant is started --runs times, the variants taking turns so that a slow moment of the
machine hits all of them alike. A child prints `FIRST_FRAME <time.time()>` when its window is
first painted and `IDLE_RSS_KB <n>` after about 1.5 s of idling, then exits. Time to first frame
is FIRST_FRAME minus the time.time() taken just before the child was spawned, so it includes
interpreter start-up and imports. The bare window is the floor: what PySide6 alone costs.

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
CHILD_TIMEOUT_S = 120

BARE_WINDOW = r"""
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow


def idle_rss_kb():
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class FirstPaint(QObject):
    def __init__(self, app):
        super().__init__()
        self.app = app
        self.seen = False

    def eventFilter(self, watched, event):
        if not self.seen and event.type() == QEvent.Type.Paint:
            self.seen = True
            print(f"FIRST_FRAME {time.time():.6f}", flush=True)
            QTimer.singleShot(1500, self.finish)
        return False

    def finish(self):
        print(f"IDLE_RSS_KB {idle_rss_kb()}", flush=True)
        self.app.quit()


app = QApplication(sys.argv)
window = QMainWindow()
window.setWindowTitle("bare")
window.setCentralWidget(QLabel("Hello"))
window.resize(1000, 700)
watcher = FirstPaint(app)
window.installEventFilter(watcher)
window.show()
sys.exit(app.exec())
"""


@dataclass
class Variant:
    name: str
    argv: list[str]
    frames_ms: list[float] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)


class ChildFailed(Exception):
    pass


def parse_child_output(stdout: str) -> tuple[float, int]:
    """FIRST_FRAME time and IDLE_RSS_KB from a child's output."""
    first_frame: float | None = None
    rss: int | None = None
    for line in stdout.splitlines():
        key, _, value = line.strip().partition(" ")
        if key == "FIRST_FRAME" and first_frame is None:
            first_frame = float(value)
        elif key == "IDLE_RSS_KB":
            rss = int(value)
    if first_frame is None or rss is None:
        raise ValueError("the child did not print both FIRST_FRAME and IDLE_RSS_KB")
    return first_frame, rss


def child_environment(qt_platform: str, parley_home: str) -> dict[str, str]:
    env = dict(os.environ)
    if qt_platform == "native":
        env.pop("QT_QPA_PLATFORM", None)
    else:
        env["QT_QPA_PLATFORM"] = qt_platform
    env["PARLEY_HOME"] = parley_home
    return env


def drop_page_cache() -> None:
    """Make the next start read its files from disk (Linux, root only)."""
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w", encoding="ascii") as control:
        control.write("3\n")


def measure_once(variant: Variant, qt_platform: str, cold: bool = False) -> tuple[float, int]:
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as home:
        env = child_environment(qt_platform, home)
        if cold:
            drop_page_cache()
        started = time.time()
        try:
            result = subprocess.run(
                variant.argv,
                cwd=REPO_ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=CHILD_TIMEOUT_S,
                check=False,
            )
        except subprocess.TimeoutExpired as expired:
            raise ChildFailed(
                f"{variant.name}: no exit after {CHILD_TIMEOUT_S} s\n{expired.stderr or ''}"
            ) from None
        except OSError as error:
            raise ChildFailed(
                f"{variant.name}: could not start {variant.argv[0]}: {error}"
            ) from None
    if result.returncode != 0:
        raise ChildFailed(
            f"{variant.name} exited with {result.returncode}\n"
            f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
        )
    try:
        first_frame, rss = parse_child_output(result.stdout)
    except ValueError as error:
        raise ChildFailed(
            f"{variant.name}: {error}\n"
            f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
        ) from None
    return (first_frame - started) * 1000.0, rss


def build_variants(bundle: str | None) -> list[Variant]:
    variants = [
        Variant("parley", [sys.executable, "-m", "desktop_app", "--exit-after-first-frame"]),
        Variant("bare window", [sys.executable, "-c", BARE_WINDOW]),
    ]
    if bundle:
        path = str(Path(bundle).resolve())
        variants.insert(1, Variant("parley bundle", [path, "--exit-after-first-frame"]))
    return variants


def print_table(variants: list[Variant]) -> None:
    """Medians and ranges per variant, then each variant's cost over the bare window."""
    baseline = variants[-1]
    rows = [
        (
            variant.name,
            f"{statistics.median(variant.frames_ms):.0f}",
            f"{min(variant.frames_ms):.0f}",
            f"{max(variant.frames_ms):.0f}",
            f"{statistics.median(variant.rss_kb) / 1024:.1f}",
        )
        for variant in variants
    ]
    for variant in variants[:-1]:
        extra_ms = statistics.median(variant.frames_ms) - statistics.median(baseline.frames_ms)
        extra_kb = statistics.median(variant.rss_kb) - statistics.median(baseline.rss_kb)
        rows.append(
            (f"{variant.name} - bare", f"{extra_ms:+.0f}", "", "", f"{extra_kb / 1024:+.1f}")
        )
    width = max(len(row[0]) for row in rows) + 2
    print(f"{'':{width}}{'first frame (ms)':^30}{'idle RSS (MB)':>16}")
    print(f"{'':{width}}{'median':>10}{'min':>10}{'max':>10}{'median':>16}")
    for name, median_ms, low, high, rss in rows:
        print(f"{name:{width}}{median_ms:>10}{low:>10}{high:>10}{rss:>16}")


def bundle_size(executable: str) -> tuple[int, int]:
    """Bytes on disk (allocated blocks, as `du` counts) and files of the bundle's folder."""
    total = files = 0
    for path in Path(executable).resolve().parent.rglob("*"):
        if path.is_symlink() or not path.is_file():
            continue
        stat = path.stat()
        total += stat.st_blocks * 512 if hasattr(stat, "st_blocks") else stat.st_size
        files += 1
    return total, files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each variant (default 7)")
    parser.add_argument(
        "--warmup", type=int, default=1, help="unreported runs of each variant first (default 1)"
    )
    parser.add_argument(
        "--platform",
        default="offscreen",
        help="QT_QPA_PLATFORM for the children (default offscreen; 'native' leaves it unset)",
    )
    parser.add_argument("--bundle", help="also measure this packaged Parley executable")
    parser.add_argument(
        "--cold", action="store_true", help="drop the page cache before each start (Linux, root)"
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.cold and not os.access("/proc/sys/vm/drop_caches", os.W_OK):
        parser.error("--cold needs Linux and root (it writes /proc/sys/vm/drop_caches)")

    variants = build_variants(args.bundle)
    print(
        f"Python {platform.python_version()} on {platform.system()} {platform.machine()}, "
        f"{os.cpu_count()} CPUs; QT_QPA_PLATFORM={args.platform}; "
        f"{args.runs} runs each (+{args.warmup} warm-up), taking turns; "
        f"{'cold (page cache dropped before each start)' if args.cold else 'warm'}",
        flush=True,
    )
    try:
        for round_index in range(args.warmup + args.runs):
            for variant in variants:
                frame_ms, rss_kb = measure_once(variant, args.platform, args.cold)
                if round_index >= args.warmup:
                    variant.frames_ms.append(frame_ms)
                    variant.rss_kb.append(rss_kb)
            print(".", end="", flush=True)
    except ChildFailed as failure:
        print(f"\nbenchmark child failed: {failure}", file=sys.stderr)
        return 1
    print("\n")
    print_table(variants)
    if args.bundle:
        size, files = bundle_size(args.bundle)
        folder = Path(args.bundle).resolve().parent
        print(f"\nbundle size on disk: {size / 2**20:.1f} MB in {files} files ({folder})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
