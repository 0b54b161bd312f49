"""History benchmark: a store of 100,000 messages in 5,000 dialogues, and how History copes.

    .venv/bin/python bench/history.py [--platform offscreen] [--keep DIR]

Builds the store in a temporary folder (one dialogue holds 2,000 messages), then prints:
the time to open the History tab and show its first page, the median and p95 latency of ten
varied searches (in the store, and through the tab: typing to results shown, without the
200 ms debounce), the time to open the 2,000-message dialogue (loaded and laid out), the time
to fetch a page deep in the list, and the peak RSS. Targets: first page < 150 ms, search
median < 30 ms, 2,000-message dialogue < 500 ms.

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

MESSAGES = 100_000
DIALOGUES = 5_000
LONG_DIALOGUE = 2_000
MODELS = ("gpt-4o", "gpt-4o-mini", "o3", "gpt-4.1")
WORDS = """
the of and to a in is you that it for on with as are this be can what how your use will
have not or if from by an at more there which do about when one all so some would like need
make just also first then them only other into time could each way want
"""  # the most common, in order; then a few topics, then a long tail made of syllables
TOPICS = """
python asyncio coroutine database index query sqlite garden tomato recipe pasta travel
lisbon train budget invoice taxes poem sonnet guitar chord history rome empire physics
quantum energy climate ocean whale docker kubernetes deploy cloud error traceback regex
unicode pandas dataframe matplotlib chart contract lawyer visa passport
"""
SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "ta", "shi", "po", "va", "de", "zu", "fi", "ro")
QUERIES = (
    ("whale", {}),
    ("python asyncio", {}),
    ("the", {}),
    ("pyth", {}),  # the last word of a query still being typed: a prefix
    ("traceback error docker", {}),
    ("kalomi", {}),  # a rare word of the long tail
    ("invoice", {"role": "assistant"}),
    ("recipe", {"model": "o3"}),
    ("quantum", {"sentiment": "negative"}),
    ("zzzyxnothing", {}),
)


def vocabulary(rng: random.Random) -> list[str]:
    tail = {"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(8000)}
    return WORDS.split() + TOPICS.split() + sorted(tail)


def sentence(rng: random.Random, words: list[str], weights: list[float]) -> str:
    text = " ".join(rng.choices(words, weights, k=rng.randint(8, 60)))
    if rng.random() < 0.08:
        text += "\n\n```python\nimport asyncio\nprint(await main())\n```\n"
    return text.capitalize() + "."


def build(database: Path) -> int:
    """Write the store; returns the id of the 2,000-message dialogue."""
    from desktop_app.services.branch_store import link_in_order
    from desktop_app.services.store import Store

    Store.open(database, database.parent / "attachments").close()
    rng = random.Random(2024)
    words = vocabulary(rng)
    weights = [1.0 / (rank + 1) for rank in range(len(words))]  # Zipf-like
    now = time.time()
    long_id = DIALOGUES // 2
    sizes = [(MESSAGES - LONG_DIALOGUE) // (DIALOGUES - 1)] * (DIALOGUES - 1)
    for i in range((MESSAGES - LONG_DIALOGUE) % (DIALOGUES - 1)):
        sizes[i] += 1
    sizes.insert(long_id - 1, LONG_DIALOGUE)
    conn = sqlite3.connect(database, isolation_level=None)
    conn.execute("BEGIN")
    trigger = conn.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'messages_fts_insert'"
    ).fetchone()[0]
    conn.execute("DROP TRIGGER messages_fts_insert")  # index once at the end: much faster
    dialogues, messages = [], []
    for number, size in enumerate(sizes, start=1):
        start = now - number * 5400  # one every 90 minutes: ten months of history
        model = rng.choice(MODELS)
        first = sentence(rng, words, weights)
        dialogues.append((number, first[:60], model, start, start + size * 30))
        for k in range(size):
            role = ("user", "assistant")[k % 2]
            text = first if k == 0 else sentence(rng, words, weights)
            mood = rng.choice(("positive", "neutral", "negative"))
            messages.append((number, role, text, model, mood, start + k * 30, start + k * 30))
    conn.executemany(
        "INSERT INTO dialogues (id, title, model, created_at, updated_at) VALUES (?,?,?,?,?)",
        dialogues,
    )
    conn.executemany(
        "INSERT INTO messages (dialogue_id, role, content, model, sentiment_label, created_at,"
        " updated_at) VALUES (?,?,?,?,?,?,?)",
        messages,
    )
    link_in_order(conn, [d[0] for d in dialogues])  # each dialogue one branch
    conn.execute("INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')")
    conn.execute(trigger)
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return long_id


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def measure(qt_app, database: Path, long_id: int) -> None:  # type: ignore[no-untyped-def]
    from desktop_app.core.history import SearchFilters
    from desktop_app.services.history_store import HistoryStore
    from desktop_app.ui.history.history_tab import HistoryTab

    started = time.perf_counter()
    store = await asyncio.to_thread(HistoryStore.open, database, database.parent / "attachments")
    tab = HistoryTab(store)
    tab.resize(1100, 760)
    tab.show()  # showing the tab starts its refresh; the first page comes first
    while tab.model.rowCount() == 0:
        await asyncio.sleep(0.001)
    tab.repaint()  # paint the first page, now
    first_page = time.perf_counter() - started
    while not tab.count_label.text():
        await asyncio.sleep(0.001)  # the rest of the refresh: counts, filter choices
    print(
        f"first page shown:            {first_page * 1000:8.1f} ms "
        f"({tab.model.rowCount()} rows, of {store.count_dialogues():,} dialogues)"
    )

    in_store, through_tab = [], []
    for text, filters in QUERIES:
        chosen = SearchFilters(**filters)
        store.search_messages(text, chosen, 100)  # warm the page cache for this query
        t = time.perf_counter()
        hits = await asyncio.to_thread(store.search_messages, text, chosen, 100)
        in_store.append(time.perf_counter() - t)
        tab.filter_bar.search_edit.setText(text)
        for name, value in filters.items():
            combo = getattr(tab.filter_bar, f"{name}_combo")
            combo.setCurrentIndex(combo.findData(value))
        t = time.perf_counter()
        await tab.search()
        tab.repaint()
        through_tab.append(time.perf_counter() - t)
        label = text + (
            f" [{', '.join(f'{k}={v}' for k, v in filters.items())}]" if filters else ""
        )
        print(f"  search {label!r:36} {len(hits):4} hits  {in_store[-1] * 1000:7.1f} ms")
        for name in filters:
            getattr(tab.filter_bar, f"{name}_combo").setCurrentIndex(0)
    for name, values in (("in the store", in_store), ("typed to shown", through_tab)):
        print(
            f"search latency, {name:15} median {statistics.median(values) * 1000:7.1f} ms, "
            f"p95 {percentile(values, 0.95) * 1000:7.1f} ms"
        )
    tab.filter_bar.search_edit.clear()
    await tab.search()

    t = time.perf_counter()
    opening = asyncio.ensure_future(tab.open_dialogue(long_id))
    while tab.view.message_count == 0:
        await asyncio.sleep(0.001)
    tab.repaint()  # paint the first screen, now
    first_screen = time.perf_counter() - t
    await opening
    tab.repaint()
    opened = time.perf_counter() - t
    print(
        f"open a {LONG_DIALOGUE:,}-message dialogue:  {first_screen * 1000:8.1f} ms to the first "
        f"screen, {opened * 1000:.1f} ms until all {tab.view.message_count} are rendered"
    )
    t = time.perf_counter()
    await tab.open_dialogue(long_id, store.messages(long_id)[1500].id, ["the"])
    tab.repaint()
    print(f"  … opened at message 1,500:  {(time.perf_counter() - t) * 1000:8.1f} ms")
    gaps, tick = [], time.perf_counter()
    reopening = asyncio.ensure_future(tab.open_dialogue(long_id))
    while not reopening.done():
        await asyncio.sleep(0.001)
        now = time.perf_counter()
        gaps.append(now - tick)
        tick = now
    print(f"  longest the window waited while it rendered: {max(gaps) * 1000:.1f} ms")

    last = tab.model.dialogue_rows()[-1]
    for _ in range(24):
        last = store.dialogue_rows(last)[-1]
    t = time.perf_counter()
    for _ in range(10):
        tab.model.fetchMore()
    print(f"fetch one more page (list):  {(time.perf_counter() - t) * 100:8.2f} ms")

    await tab.shutdown()
    tab.close()
    store.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak RSS:                    {peak / 1024:8.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--platform", default=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    parser.add_argument("--keep", type=Path, help="build the store in this folder and keep it")
    args = parser.parse_args()
    os.environ["QT_QPA_PLATFORM"] = args.platform
    folder = args.keep or Path(tempfile.mkdtemp(prefix="parley-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "parley.db"
    database.unlink(missing_ok=True)
    t = time.perf_counter()
    long_id = build(database)
    size = database.stat().st_size / 1e6
    print(
        f"built {MESSAGES:,} messages in {DIALOGUES:,} dialogues in "
        f"{time.perf_counter() - t:.1f} s ({size:.0f} MB) at {folder}"
    )

    from PySide6.QtWidgets import QApplication

    from desktop_app.app import run_in_qt_loop

    qt_app = QApplication([sys.argv[0]])

    async def run() -> int:
        await measure(qt_app, database, long_id)
        return 0

    run_in_qt_loop(qt_app, run)
    if args.keep is None:
        for leftover in folder.iterdir():
            leftover.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
