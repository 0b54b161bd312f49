"""Validate's figures beside what OpenAI's cookbook method gives, for one dataset.

    .venv/bin/python bench/validate_figures.py [--examples 50] [--model gpt-3.5-turbo-0125]

The dataset: tests.support.training_data.support_examples — support conversations shaped
like the cookbook's toy chat set (a system message on most, one to three turns, a few user
`name`s). Validate counts as the Validate panel does; the cookbook's figures come from its
formulas (tests/support/cookbook_method.py: num_tokens_from_messages, num_assistant_tokens,
len(messages), numpy mean/median, and numpy.quantile 0.1 / 0.9, which it prints as "p5 / p95").
Both count with the same encoding (cl100k_base for gpt-3.5-turbo, the cookbook's).

Prints a table; asserts nothing; the last line is `RESULT {json}`.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

from desktop_app.core.token_count import counter_for
from desktop_app.core.training_report import parse_jsonl, validate
from tests.support.cookbook_method import cookbook_figures
from tests.support.training_data import support_examples, write_jsonl

NAMES = {"tokens": "total tokens", "assistant_tokens": "assistant tokens", "messages": "messages"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=50)
    parser.add_argument("--model", default="gpt-3.5-turbo-0125")
    args = parser.parse_args()
    examples = support_examples(args.examples)
    counter = counter_for(args.model)
    with tempfile.TemporaryDirectory() as temp:
        path = write_jsonl(Path(temp) / "support.jsonl", examples)
        with path.open(encoding="utf-8") as lines:
            report = validate(parse_jsonl(lines), args.model, counter)
    theirs = cookbook_figures(examples, counter.count)
    values = {"tokens": report.tokens, "assistant_tokens": report.assistant_tokens,
              "messages": report.messages}  # fmt: skip
    print(f"{args.examples} examples, {counter.source}")
    print(f"{'figure':<18}{'statistic':<11}{'Validate':>10}{'cookbook':>10}")
    result: dict[str, dict[str, list[float]]] = {}
    for key, ours in report.spreads.items():
        cook = theirs[key]
        rows = [
            ("min", ours.minimum, cook["min"]),
            ("max", ours.maximum, cook["max"]),
            ("mean", ours.mean, cook["mean"]),
            ("median", ours.median, cook["median"]),
            ("p5", ours.p5, cook["p5 (its quantile 0.1)"]),
            ("p95", ours.p95, cook["p95 (its quantile 0.9)"]),
        ]
        result[key] = {name: [round(a, 3), round(b, 3)] for name, a, b in rows}
        for name, a, b in rows:
            print(f"{NAMES[key]:<18}{name:<11}{a:>10.2f}{b:>10.2f}")
        check = float(np.quantile(values[key], 0.05)), float(np.quantile(values[key], 0.95))
        print(f"{'':<18}(numpy.quantile 0.05 / 0.95: {check[0]:.2f} / {check[1]:.2f})")
    estimate = report.estimate
    assert estimate is not None
    # the cookbook: 3 epochs nudged into 100–25,000 example-epochs; each example billed up to
    # its MAX_TOKENS_PER_EXAMPLE (16,385)
    epochs = 3
    if epochs * len(examples) < 100:
        epochs = min(25, 100 // len(examples))
    elif epochs * len(examples) > 25_000:
        epochs = max(1, 25_000 // len(examples))
    billed = epochs * sum(min(16_385, n) for n in report.tokens)
    print(f"epochs: Validate {estimate.epochs}, cookbook {epochs}; billed tokens: Validate "
          f"{estimate.billed_tokens:,}, cookbook {billed:,}")  # fmt: skip
    print("RESULT " + json.dumps({"examples": args.examples, "figures": result,
                                  "billed_tokens": [estimate.billed_tokens, billed]}))  # fmt: skip


if __name__ == "__main__":
    main()
