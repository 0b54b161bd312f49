"""Dataset benchmark: validation throughput for 100,000 examples, and CSV building.

    .venv/bin/python bench/datasets.py [--examples 100000] [--rows 500000]

Writes a JSONL file of chat examples (varied lengths, a few broken lines and problems), then
validates it as the Validate panel does (parse every line, run every check, count tokens
exactly with tiktoken, estimate the run) and prints examples per second and peak memory. Then
builds a supervised dataset from a labelled CSV through pandas, as the Build panel does.

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import tempfile
import time
from pathlib import Path

from desktop_app.core.training_build import SFT, Built, ColumnMapping
from desktop_app.services.dataset_reader import build_from_files
from desktop_app.services.dataset_validation import validate_file

WORDS = [
    "the", "model", "answers", "questions", "about", "orders", "refunds", "shipping", "and",
    "accounts", "politely", "briefly", "with", "a", "friendly", "tone", "while", "checking",
    "every", "detail", "twice", "before", "replying", "réponse", "数据",
]  # fmt: skip


def sentence(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high))).capitalize() + "."


def write_examples(path: Path, count: int) -> None:
    rng = random.Random(1)
    with path.open("w", encoding="utf-8") as out:
        for i in range(count):
            if i % 10_000 == 5_000:
                out.write('{"messages": [\n')  # a broken line now and then
                continue
            messages = [{"role": "system", "content": "You are a helpful support agent."}]
            for _ in range(rng.randint(1, 3)):
                messages.append({"role": "user", "content": sentence(rng, 5, 40)})
                messages.append({"role": "assistant", "content": sentence(rng, 10, 120)})
            if i % 7_000 == 0:
                messages[-1]["weight"] = 2  # a problem the report must name
            out.write(json.dumps({"messages": messages}) + "\n")


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(2)
    with path.open("w", encoding="utf-8") as out:
        out.write("question,answer,label\n")
        for i in range(rows):
            label = "positive" if i % 3 else "negative"
            out.write(f'"{sentence(rng, 5, 30)}","{sentence(rng, 10, 60)}",{label}\n')


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(label: str, work):  # type: ignore[no-untyped-def]
    before = peak_rss_mib()
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    print(
        f"{label}: {seconds:.2f} s; peak resident memory {peak_rss_mib():.0f} MiB "
        f"(was {before:.0f} MiB before)"
    )
    return result, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=500_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="parley-bench-") as scratch:
        data = Path(scratch) / "examples.jsonl"
        write_examples(data, args.examples)
        size = data.stat().st_size / 2**20
        print(f"validating {args.examples:,} examples ({size:.0f} MiB of JSONL)")
        report, seconds = measure(
            "validation",
            lambda: validate_file(data, "gpt-4o-mini", None, lambda *a: None, lambda: False),
        )
        print(
            f"  {report.examples / seconds:,.0f} examples/s, {sum(report.tokens):,} tokens "
            f"({sum(report.tokens) / seconds:,.0f} tokens/s); {report.errors} errors, "
            f"{report.warnings} warnings; counted with {report.counting}"
        )
        print(f"  {report.summary()}")
        table = Path(scratch) / "labelled.csv"
        write_csv(table, args.rows)
        size = table.stat().st_size / 2**20
        print(f"building from a {size:.0f} MiB CSV ({args.rows:,} rows) with pandas")
        mapping = ColumnMapping("question", "answer", label="label")
        built, seconds = measure(
            "build",
            lambda: build_from_files([table], mapping, Built(SFT), lambda *a: None, lambda: False),
        )
        rate = f"{built.rows_read / seconds:,.0f} rows/s ({size / seconds:.0f} MiB/s)"
        print(f"  {rate}; {built.summary()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
