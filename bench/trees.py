"""Tree benchmark: one dialogue of 2,000 messages with 100 branches, and reading it.

    .venv/bin/python bench/trees.py

Writes the dialogue through `Store.add_message` (1,900 messages on the branch shown, and 100
regenerated replies beside it, at every 9th user message), then prints the median and p95 time to
read the current branch (`messages`, what the Chat tab and requests read), the branch through
an old version (`branch_through`, a search hit), a switch to another version, and a History
row's count of the branch. Last line: `RESULT {json}`. Asserts nothing.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

MESSAGES = 2_000
BRANCHES = 100
RUNS = 30


def timed(action: Callable[[], object]) -> tuple[float, float]:
    """Median and p95 of RUNS calls, in milliseconds."""
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main() -> None:
    from desktop_app.core.dialogue import Message
    from desktop_app.services.history_store import HistoryStore

    with tempfile.TemporaryDirectory() as folder:
        store = HistoryStore.open(Path(folder) / "parley.db", Path(folder) / "attachments")
        dialogue = store.create_dialogue("Long and branched")
        shown = MESSAGES - BRANCHES
        every = shown // 2 // BRANCHES  # a branch at every n-th user message
        old_versions: list[int] = []
        start = time.perf_counter()
        for k in range(shown):
            role = ("user", "assistant")[k % 2]
            text = f"message {k} " + "words " * 40
            message_id = store.add_message(dialogue, Message(role, text))
            if role == "user" and len(old_versions) < BRANCHES and (k // 2) % every == 0:
                old = store.add_message(dialogue, Message("assistant", f"old reply {k}"))
                old_versions.append(old)
                store.set_current_leaf(dialogue, message_id)  # the next reply is the newer one
        written = time.perf_counter() - start
        branch = store.messages(dialogue)
        assert len(branch) == shown and len(old_versions) == BRANCHES
        figures = {
            "messages": MESSAGES,
            "branches": BRANCHES,
            "branch_length": len(branch),
            "write_s": round(written, 2),
        }
        for name, action in {
            "current_branch_ms": lambda: store.messages(dialogue),
            "branch_through_ms": lambda: store.branch_through(old_versions[BRANCHES // 2]),
            "history_row_ms": lambda: store.dialogue_row(dialogue),
            "sibling_ids_ms": lambda: store.sibling_ids(old_versions[0]),
        }.items():
            median, p95 = timed(action)
            figures[name] = round(median, 2)
            figures[name.replace("_ms", "_p95_ms")] = round(p95, 2)
        median, p95 = timed(lambda: store.switch_to(old_versions[0]))
        figures["switch_ms"], figures["switch_p95_ms"] = round(median, 2), round(p95, 2)
        store.close()
    for name, value in figures.items():
        print(f"{name:>22}: {value}")
    print("RESULT " + json.dumps(figures))


if __name__ == "__main__":
    main()
