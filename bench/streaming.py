"""Streaming benchmark: the real Chat tab against a raw AsyncOpenAI loop, and a long dialogue.

    .venv/bin/python bench/streaming.py [--lengths 1000,10000,50000] [--paced 5000]
                                        [--turns 300] [--platform offscreen]

The test server (tests/openai_server) runs in a child process on 127.0.0.1, so the CPU time
measured here is the client's alone. It answers "LONG <shape> <n>" with n word pieces, one
streamed chunk each, in two shapes: ordinary 60-word "paragraphs", and one "unbroken"
paragraph (the case that made Qt lay out the whole paragraph again on every insert).

1. For each shape and length, a reply is streamed into Parley's Chat tab (the whole app, live
   Markdown on), and, in the same process and on the same qasync loop, into the baseline: the
   same AsyncOpenAI stream appended to a plain QPlainTextEdit. Printed per run: CPU seconds per
   10k tokens, the ratio of Parley to the baseline, and the p50/p99 lateness of a 5 ms QTimer
   (how long the window would have been late to answer).
2. The same at a paced 500 tokens/s (--paced tokens per shape): the lateness figures that
   matter for a user watching a reply arrive.
3. --turns turns in one dialogue: the time of each turn and the memory per 100 turns.

Prints figures; asserts nothing. The last line is `RESULT {json}`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

SHAPES = ("paragraphs", "unbroken")


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class LagProbe:
    """A 5 ms QTimer; records how late each tick came."""

    def __init__(self) -> None:
        from PySide6.QtCore import QTimer

        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._on_timer_timeout)
        self.lateness: list[float] = []
        self._last = 0.0

    def start(self) -> None:
        self.lateness.clear()
        self._last = time.perf_counter()
        self.timer.start()

    def stop(self) -> tuple[float, float]:
        self.timer.stop()
        if not self.lateness:
            return 0.0, 0.0
        ordered = sorted(self.lateness)
        p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
        return statistics.median(ordered) * 1000, p99 * 1000

    def _on_timer_timeout(self) -> None:
        now = time.perf_counter()
        self.lateness.append(max(0.0, now - self._last - 0.005))
        self._last = now


def start_server(delay: float = 0.0) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.openai_server", "--port", "0", "--chunk-delay", str(delay)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    return process, url


def set_delay(url: str, delay: float) -> None:
    import urllib.request

    request = urllib.request.Request(
        url.removesuffix("/v1") + "/_control/settings",
        data=json.dumps({"chunk_delay": delay}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=5).read()


BASELINE_LIMIT_S = 120.0  # the raw loop is quadratic on one long paragraph: stop it there


async def baseline_run(url: str, prompt: str) -> tuple[float, int]:
    """AsyncOpenAI into a plain QPlainTextEdit: (CPU seconds, chunks). Past BASELINE_LIMIT_S
    of CPU the stream is closed and the figure is for the chunks that arrived (so a ratio to
    it is, if anything, too kind to the baseline)."""
    from openai import AsyncOpenAI
    from PySide6.QtGui import QTextCursor
    from PySide6.QtWidgets import QPlainTextEdit

    edit = QPlainTextEdit()
    edit.resize(900, 700)
    edit.show()
    client = AsyncOpenAI(base_url=url, api_key="bench")
    chunks = 0
    started = time.process_time()
    stream = await client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}], stream=True
    )
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            cursor = edit.textCursor()
            cursor.movePosition(QTextCursor.MoveOperation.End)
            cursor.insertText(chunk.choices[0].delta.content)
            chunks += 1
            if chunks % 256 == 0 and time.process_time() - started > BASELINE_LIMIT_S:
                await stream.close()
                break
    spent = time.process_time() - started
    await client.close()
    edit.close()
    edit.deleteLater()
    return spent, chunks


async def parley_run(parley: Any, prompt: str) -> float:
    """A message sent through the Chat tab as a user would; CPU seconds until it is done."""
    tab = parley.chat_tab
    tab.new_dialogue()
    tab.input.setPlainText(prompt)
    started = time.process_time()
    await tab.send()
    return time.process_time() - started


async def start_parley(url: str, home: Path) -> Any:
    from PySide6.QtWidgets import QApplication

    from desktop_app.app import Parley
    from desktop_app.services.paths import AppPaths
    from desktop_app.services.settings import Settings, save_settings
    from tests.support.fake_keyring import FakeKeyring

    paths = AppPaths.from_environment({"PARLEY_HOME": str(home)})
    paths.ensure()
    save_settings(
        Settings(provider="custom", base_url=url, default_model="gpt-4o-mini"),
        paths.settings_file,
    )
    parley = Parley(
        QApplication.instance(), paths, secret_backend=FakeKeyring(), discovery_candidates=[]
    )
    parley.window.resize(1200, 800)
    parley.window.show()
    await parley.start()
    while parley.tasks.running:
        await asyncio.sleep(0.05)
    return parley


async def measure(args: argparse.Namespace, url: str, home: Path) -> dict[str, Any]:
    parley = await start_parley(url, home)
    probe = LagProbe()
    result: dict[str, Any] = {
        "cpu_per_10k": {},
        "baseline_cpu_per_10k": {},
        "ratio_to_baseline": {},
        "lag_ms": {},
    }
    lengths = [int(n) for n in args.lengths.split(",")]
    print(
        f"{'shape':<11}{'tokens':>8}{'parley s/10k':>14}{'raw s/10k':>11}{'ratio':>7}"
        f"{'lag p50':>9}{'lag p99':>9}"
    )
    for shape in SHAPES:
        for tokens in lengths:
            prompt = f"LONG {shape} {tokens}"
            probe.start()
            spent = await parley_run(parley, prompt)
            p50, p99 = probe.stop()
            raw, chunks = await baseline_run(url, prompt)
            per = spent / tokens * 10_000
            raw_per = raw / max(chunks, 1) * 10_000
            key = f"{shape}_{tokens}"
            result["cpu_per_10k"][key] = round(per, 4)
            result["baseline_cpu_per_10k"][key] = round(raw_per, 4)
            result["ratio_to_baseline"][key] = round(per / raw_per, 3)
            result["lag_ms"][key] = [round(p50, 2), round(p99, 2)]
            print(
                f"{shape:<11}{tokens:>8}{per:>14.3f}{raw_per:>11.3f}{per / raw_per:>7.2f}"
                f"{p50:>9.2f}{p99:>9.2f}"
            )
    set_delay(url, 0.002)  # 500 tokens a second
    result["lag_p99_ms_500tps"] = {}
    for shape in SHAPES:
        probe.start()
        spent = await parley_run(parley, f"LONG {shape} {args.paced}")
        p50, p99 = probe.stop()
        result["lag_p99_ms_500tps"][shape] = round(p99, 2)
        print(
            f"paced 500 tok/s, {shape}: lag p50 {p50:.2f} ms, p99 {p99:.2f} ms "
            f"(CPU {spent:.2f} s for {args.paced} tokens)"
        )
    set_delay(url, 0.0)
    result["long_dialogue"] = await long_dialogue(parley, args.turns)
    await parley.shutdown()
    parley.window.close()
    return result


async def long_dialogue(parley: Any, turns: int) -> dict[str, Any]:
    """`turns` turns in one dialogue: seconds per turn (first and last tenth), MB per 100."""
    import gc

    tab = parley.chat_tab
    tab.new_dialogue()
    gc.collect()
    before = rss_mb()
    times, cpu = [], []
    for turn in range(turns):
        tab.input.setPlainText(f"Turn {turn}: tell me about the weather and some code")
        started, used = time.perf_counter(), time.process_time()
        await tab.send()
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
    gc.collect()
    grown = rss_mb() - before
    tenth = max(1, turns // 10)
    first, last = statistics.median(times[:tenth]), statistics.median(times[-tenth:])
    cpu_first, cpu_last = statistics.median(cpu[:tenth]), statistics.median(cpu[-tenth:])
    per_100 = grown / turns * 100
    shown = tab.transcript
    laid_out = sum(1 for item in shown.items if item.parts is not None)
    print(
        f"{turns} turns in one dialogue: {first * 1000:.0f} ms a turn at the start, "
        f"{last * 1000:.0f} ms at the end (Parley's CPU {cpu_first * 1000:.0f} → "
        f"{cpu_last * 1000:.0f} ms; the rest is the server answering a longer history); "
        f"memory +{grown:.1f} MB ({per_100:.1f} MB per 100 turns); {laid_out} of "
        f"{len(shown.items)} messages laid out"
    )
    return {
        "turn_ms_first": round(first * 1000, 1),
        "turn_ms_last": round(last * 1000, 1),
        "turn_cpu_ms_first": round(cpu_first * 1000, 1),
        "turn_cpu_ms_last": round(cpu_last * 1000, 1),
        "mb_per_100_turns": round(per_100, 2),
        "laid_out": laid_out,
        "messages": len(shown.items),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lengths", default="1000,10000,50000")
    parser.add_argument("--paced", type=int, default=5000)
    parser.add_argument("--turns", type=int, default=300)
    parser.add_argument("--platform", default="offscreen")
    args = parser.parse_args()
    os.environ["QT_QPA_PLATFORM"] = args.platform
    from PySide6.QtWidgets import QApplication

    from desktop_app.app import run_in_qt_loop

    qt_app = QApplication([])
    server, url = start_server()
    try:
        with tempfile.TemporaryDirectory() as home:

            async def run() -> int:
                result = await measure(args, url, Path(home))
                print("RESULT " + json.dumps(result, sort_keys=True))
                return 0

            return run_in_qt_loop(qt_app, run)
    finally:
        server.terminate()
        server.wait(5)


if __name__ == "__main__":
    raise SystemExit(main())
