"""Validate's figures: the spread of total tokens, assistant tokens and messages per example,
with true 5th/95th percentiles, checked against the cookbook's formulas and numpy."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path

import numpy as np
import pytest

from desktop_app.core.token_count import counter_for
from desktop_app.core.training_report import (
    ValidationReport,
    parse_jsonl,
    validate,
    write_report_csv,
)
from desktop_app.core.training_stats import percentile, spread
from tests.support.cookbook_method import cookbook_figures
from tests.support.training_data import support_examples, write_jsonl

MODEL = "gpt-3.5-turbo-0125"  # cl100k_base, the cookbook's encoding


def validated(path: Path, model: str = MODEL) -> ValidationReport:
    with path.open(encoding="utf-8") as lines:
        return validate(parse_jsonl(lines), model, counter_for(model))


@pytest.mark.parametrize("size", [1, 2, 3, 7, 20, 51, 1000])
def test_percentiles_interpolate_linearly_like_numpy(size: int) -> None:
    rng = random.Random(size)
    values = sorted(rng.randint(0, 5000) for _ in range(size))
    for q in (0.0, 0.05, 0.1, 0.5, 0.9, 0.95, 1.0):
        assert percentile(values, q) == pytest.approx(float(np.quantile(values, q)))
    figures = spread(values)
    assert figures.p5 == pytest.approx(float(np.quantile(values, 0.05)))
    assert figures.p95 == pytest.approx(float(np.quantile(values, 0.95)))
    assert figures.median == pytest.approx(float(np.median(values)))


def test_p5_and_p95_are_the_5th_and_95th_percentiles_not_the_10th_and_90th() -> None:
    figures = spread(list(range(1, 101)))  # 1..100
    assert (figures.p5, figures.p95) == (pytest.approx(5.95), pytest.approx(95.05))
    assert (figures.minimum, figures.maximum, figures.mean) == (1, 100, 50.5)
    assert spread([]).count == 0 and spread([7]).p95 == 7


def test_figures_of_a_support_dataset_match_the_cookbooks_formulas(tmp_path: Path) -> None:
    examples = support_examples(50)
    report = validated(write_jsonl(tmp_path / "support.jsonl", examples))
    assert report.passed and report.examples == 50
    counter = counter_for(MODEL)
    theirs = cookbook_figures(examples, counter.count)
    for key in ("tokens", "assistant_tokens", "messages"):
        ours, cookbook = report.spreads[key], theirs[key]
        assert ours.count == 50
        assert ours.minimum == cookbook["min"] and ours.maximum == cookbook["max"]
        assert ours.mean == pytest.approx(cookbook["mean"])
        assert ours.median == pytest.approx(cookbook["median"])
        values = {"tokens": report.tokens, "assistant_tokens": report.assistant_tokens,
                  "messages": report.messages}[key]  # fmt: skip
        assert ours.p5 == pytest.approx(float(np.quantile(values, 0.05)))
        assert ours.p95 == pytest.approx(float(np.quantile(values, 0.95)))
    # the cookbook's "p5/p95" are its 10th/90th percentiles: on this set they differ
    tokens = theirs["tokens"]
    assert report.spreads["tokens"].p95 != pytest.approx(tokens["p95 (its quantile 0.9)"])
    assert report.distribution.p5 == report.spreads["tokens"].p5


def test_assistant_tokens_count_text_parts_and_dpo_outputs(tmp_path: Path) -> None:
    counter = counter_for(MODEL)
    parts = {
        "messages": [
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": [{"type": "text", "text": "Hello there"}]},
            {"role": "assistant", "content": None, "tool_calls": []},
        ]
    }
    dpo = {
        "input": {"messages": [{"role": "user", "content": "Hi"}]},
        "preferred_output": [{"role": "assistant", "content": "Hello there"}],
        "non_preferred_output": [{"role": "assistant", "content": "Go away"}],
    }
    chat_report = validated(write_jsonl(tmp_path / "parts.jsonl", [parts] * 10))
    assert chat_report.assistant_tokens == [counter.count("Hello there")] * 10
    assert chat_report.messages == [3] * 10
    dpo_report = validated(write_jsonl(tmp_path / "dpo.jsonl", [dpo] * 10))
    both = counter.count("Hello there") + counter.count("Go away")
    assert dpo_report.assistant_tokens == [both] * 10 and dpo_report.messages == [2] * 10


def test_the_csv_report_holds_the_figures_and_the_summary(tmp_path: Path) -> None:
    report = validated(write_jsonl(tmp_path / "support.jsonl", support_examples(20)))
    out = io.StringIO()
    write_report_csv(report, out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == ["row", "severity", "check", "problem", "source"]
    assert all(len(r) == 5 for r in rows)
    figures = {r[2]: r[3] for r in rows if r[1] == "figure"}
    assert set(figures) == {"tokens", "assistant_tokens", "messages"}
    assert figures["messages"].startswith("Messages per example: min 2 · p5 ")
    assert rows[-1][1] == "summary" and "20 supervised (chat) examples" in rows[-1][3]
    assert json.dumps(report.spreads["tokens"].maximum) in figures["tokens"].replace(",", "")
