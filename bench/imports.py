"""Import benchmark: a ChatGPT export .zip of about 500 MB, imported as History imports it.

    .venv/bin/python bench/imports.py [--size-mb 500] [--keep DIR] [--no-sentiment]

Writes, in a temporary folder, an export shaped like ChatGPT's: conversations.json (deflated,
written as a stream) with conversations of varied prose, some turns holding only an image,
search citations and voice turns; and the images those turns refer to (stored, as ChatGPT
stores pictures). About 45 % of the zip is images. Then a fresh Python process imports it
through `history_transfer.import_file` (reading from the zip, rating tone, writing the store
and the attachments) and reports its peak RSS (getrusage), its RSS before the import, and the
time; throughput is given per megabyte of the zip and of conversations.json.

Prints figures; asserts nothing. The last line is `RESULT {json}`.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

MB = 1 << 20
IMAGE_BYTES = 96 * 1024
IMAGE_SHARE = 0.45
_VOCABULARY = """
the of and to a in is you that it for on with as are this be can what how your use will
have not or if from by an at more there which do about when one all so some would like
river bridge garden tomato recipe pasta travel lisbon train budget invoice poem guitar
history physics energy climate ocean whale docker deploy error regex unicode chart visa
"""
WORDS = _VOCABULARY.split()
SYLLABLES = ("ka", "lo", "mi", "ne", "ru", "ta", "shi", "po", "va", "de", "zu", "fi", "ro")


def prose(rng: random.Random, words: int) -> str:
    out = []
    for i in range(words):
        if rng.random() < 0.2:
            out.append("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
        else:
            out.append(rng.choice(WORDS))
        if i % 14 == 13:
            out[-1] += rng.choice((".", ",", "!", "?"))
    return " ".join(out)


def fake_image(rng: random.Random) -> bytes:
    """A PNG header and incompressible bytes: what a photo costs in a zip."""
    return b"\x89PNG\r\n\x1a\n" + rng.randbytes(IMAGE_BYTES - 8)


def build(path: Path, size_mb: int, seed: int = 15) -> dict[str, int]:
    from tests.support.chatgpt_export import (
        SEARCH_TEXT,
        Turn,
        assistant,
        conversation,
        part_image,
        part_voice,
        search_metadata,
        user,
    )

    rng = random.Random(seed)
    target = size_mb * MB
    images_wanted = int(target * IMAGE_SHARE) // IMAGE_BYTES
    image_ids: list[str] = []
    counts = {"conversations": 0, "messages": 0, "images": 0}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        with archive.open("conversations.json", "w", force_zip64=True) as out:
            out.write(b"[")
            index = 0
            while path.stat().st_size < target * (1 - IMAGE_SHARE):
                turns = []
                for k in range(rng.randint(4, 16)):
                    if k % 2:
                        if rng.random() < 0.05:
                            turns.append(assistant(SEARCH_TEXT, **search_metadata()))
                        else:
                            turns.append(assistant(prose(rng, rng.randint(80, 900))))
                    elif len(image_ids) < images_wanted and rng.random() < 0.2:
                        image_id = f"file-B{index:07d}x{k:02d}"
                        image_ids.append(image_id)
                        turns.append(user("", part_image(image_id)))
                    elif rng.random() < 0.03:
                        turns.append(
                            Turn("user", part_voice(prose(rng, 20), "in", "file_0000ab"),
                                 "multimodal_text")
                        )  # fmt: skip
                    else:
                        turns.append(user(prose(rng, rng.randint(5, 120))))
                item = conversation(f"bench-{index:07d}", f"Conversation {index}", turns,
                                    start=1_700_000_000.0 + index * 600)  # fmt: skip
                out.write((b"," if index else b"") + json.dumps(item).encode())
                counts["conversations"] += 1
                counts["messages"] += len(turns)
                index += 1
            out.write(b"]")
        for image_id in image_ids:
            archive.writestr(
                zipfile.ZipInfo(f"{image_id}-photo.png", (2024, 5, 29, 12, 0, 0)),
                fake_image(rng),
                compress_type=zipfile.ZIP_STORED,
            )
        counts["images"] = len(image_ids)
        counts["json_bytes"] = archive.getinfo("conversations.json").file_size
    counts["zip_bytes"] = path.stat().st_size
    return counts


def run_import(zip_path: Path, home: Path, sentiment: bool) -> dict[str, float]:
    """In this (fresh) process: import the zip; the figures as a dict."""
    from desktop_app.core.sentiment import IMPORT_CHARS, SentimentAnalyzer
    from desktop_app.services.history_store import HistoryStore
    from desktop_app.services.history_transfer import import_file

    analyzer = SentimentAnalyzer(IMPORT_CHARS) if sentiment else None  # as History does
    if analyzer is not None:
        analyzer.analyze("warm up the lexicon")
    store = HistoryStore.open(home / "parley.db", home / "attachments")
    before = _rss_now()
    last = [0.0]

    def progress(phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] > 10:
            last[0] = now
            print(f"  {phase} {done / max(total, 1):.0%}", file=sys.stderr, flush=True)

    started = time.perf_counter()
    report, ids = import_file(store, zip_path, progress, sentiment=analyzer)
    seconds = time.perf_counter() - started
    store.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux
    return {
        "seconds": seconds,
        "peak_rss": peak,
        "rss_before": before,
        "dialogues": len(ids),
        "messages": report.message_count,
        "attached": report.attached,
        "summary": report.summary()[:300],  # type: ignore[dict-item]
    }


def _rss_now() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=500)
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    parser.add_argument("--no-sentiment", action="store_true")
    parser.add_argument("--import-only", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--home", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.import_only:  # the child process
        figures = run_import(args.import_only, args.home, not args.no_sentiment)
        print("CHILD " + json.dumps(figures), flush=True)
        return

    folder = args.keep or Path(tempfile.mkdtemp(prefix="parley-bench-imports-"))
    folder.mkdir(parents=True, exist_ok=True)
    zip_path = folder / "chatgpt-export.zip"
    started = time.perf_counter()
    counts = build(zip_path, args.size_mb)
    built = time.perf_counter() - started
    print(
        f"export: {counts['zip_bytes'] / MB:,.0f} MB zip, conversations.json "
        f"{counts['json_bytes'] / MB:,.0f} MB, {counts['conversations']:,} conversations, "
        f"{counts['messages']:,} messages, {counts['images']:,} images (built in {built:.0f} s)"
    )
    home = folder / "home"
    home.mkdir(exist_ok=True)
    command = [sys.executable, __file__, "--import-only", str(zip_path), "--home", str(home)]
    if args.no_sentiment:
        command.append("--no-sentiment")
    child = subprocess.run(command, capture_output=True, text=True, check=False, cwd=REPO_ROOT)
    sys.stderr.write(child.stderr)
    line = next((x for x in child.stdout.splitlines() if x.startswith("CHILD ")), "")
    if not line:
        print(child.stdout)
        raise SystemExit("the import process gave no figures")
    figures = json.loads(line[len("CHILD ") :])
    seconds = figures["seconds"]
    peak, before = figures["peak_rss"], figures["rss_before"]
    result = {
        "zip_mb": round(counts["zip_bytes"] / MB, 1),
        "conversations_json_mb": round(counts["json_bytes"] / MB, 1),
        "conversations": counts["conversations"],
        "messages": figures["messages"],
        "images_attached": figures["attached"],
        "import_s": round(seconds, 1),
        "zip_mb_per_s": round(counts["zip_bytes"] / MB / seconds, 2),
        "json_mb_per_s": round(counts["json_bytes"] / MB / seconds, 2),
        "messages_per_s": round(figures["messages"] / seconds),
        "peak_rss_mb": round(peak / MB, 1),
        "rss_before_import_mb": round(before / MB, 1),
        "import_rss_growth_mb": round((peak - before) / MB, 1),
        "peak_rss_share_of_zip": round(peak / counts["zip_bytes"], 3),
        "peak_rss_share_of_json": round(peak / counts["json_bytes"], 3),
        "sentiment": not args.no_sentiment,
    }
    print(f"summary: {figures['summary']}")
    print(
        f"import: {seconds:,.0f} s — {result['zip_mb_per_s']} MB/s of zip, "
        f"{result['json_mb_per_s']} MB/s of conversations.json, "
        f"{result['messages_per_s']:,} messages/s"
    )
    print(
        f"memory: peak RSS {result['peak_rss_mb']} MB ({result['rss_before_import_mb']} MB "
        f"before the import, +{result['import_rss_growth_mb']} MB during it) for a "
        f"{result['zip_mb']} MB zip / {result['conversations_json_mb']} MB conversations.json"
    )
    if not args.keep:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
