"""Validate a whole dataset: every line checked, tokens counted, the run estimated.

Input is a stream of parsed lines, so a 100,000-example file is checked in one pass with flat
memory apart from one integer per example (its token count). The report lists every problem
with its line number and a sentence a person can act on, and exports as CSV.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from desktop_app.core.json_guard import JsonTooDeep, loads
from desktop_app.core.token_count import TokenCounter, count_examples
from desktop_app.core.training_checks import (
    ERROR,
    NOTE,
    WARNING,
    Problem,
    check_example,
    example_kind,
)
from desktop_app.core.training_estimate import (
    MIN_EXAMPLES,
    Distribution,
    Estimate,
    distribution,
    estimate,
)

CHUNK = 2000
KIND_NAMES = {"chat": "supervised (chat)", "dpo": "preference (DPO)"}


class Cancelled(Exception):
    """The user cancelled a long dataset job."""


@dataclass(frozen=True)
class ParsedLine:
    """One line of a JSONL file: its number, and its value or why it could not be read."""

    row: int
    example: Any = None
    error: str = ""


def parse_jsonl(lines: Iterable[str], first_row: int = 1) -> Iterator[ParsedLine]:
    """Parse lines of JSONL; a broken line becomes a ParsedLine with an error, not a stop."""
    for row, line in enumerate(lines, start=first_row):
        if not line.strip():
            continue
        try:
            yield ParsedLine(row, loads(line))
        except JsonTooDeep as exc:
            yield ParsedLine(row, error=f"The line cannot be read: {exc.msg}.")
        except ValueError as exc:
            reason = getattr(exc, "msg", str(exc))
            column = getattr(exc, "colno", None)
            at = f" at character {column}" if column else ""
            yield ParsedLine(row, error=f"The line is not valid JSON: {reason}{at}.")


@dataclass
class ValidationReport:
    model: str
    problems: list[Problem] = field(default_factory=list)
    examples: int = 0
    kind: str = ""
    tokens: list[int] = field(default_factory=list)  # per example, in file order
    rows: list[int] = field(default_factory=list)  # the line of each example
    counting: str = ""
    distribution: Distribution = field(default_factory=Distribution)
    estimate: Estimate | None = None

    def count(self, severity: str) -> int:
        return sum(1 for p in self.problems if p.severity == severity)

    @property
    def errors(self) -> int:
        return self.count(ERROR)

    @property
    def warnings(self) -> int:
        return self.count(WARNING)

    @property
    def passed(self) -> bool:
        return self.errors == 0

    def summary(self) -> str:
        kind = KIND_NAMES.get(self.kind, "unknown")
        verdict = "passes" if self.passed else "does not pass"
        parts = [
            f"{self.examples:,} {kind} examples: the dataset {verdict} "
            f"({self.errors:,} errors, {self.warnings:,} warnings, {self.count(NOTE):,} notes)."
        ]
        if self.estimate is not None:
            parts.append(self.estimate.summary())
        parts.append(f"Tokens: {self.counting}.")
        return " ".join(parts)


def validate(
    lines: Iterable[ParsedLine],
    model: str,
    counter: TokenCounter,
    epochs: int | None = None,
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> ValidationReport:
    """Check every line, count tokens, and estimate the run for `model`."""
    report = ValidationReport(model, counting=counter.source)
    chunk: list[Any] = []

    def flush() -> None:
        report.tokens += count_examples(counter, chunk)
        chunk.clear()

    for line in lines:
        if line.error:
            report.problems.append(Problem(line.row, ERROR, "invalid_json", line.error))
            continue
        report.examples += 1
        report.problems += check_example(line.example, line.row)
        kind = example_kind(line.example)
        if kind and report.kind and kind != report.kind:
            report.problems.append(
                Problem(
                    line.row,
                    ERROR,
                    "mixed_formats",
                    f"A {KIND_NAMES[kind]} line in a {KIND_NAMES[report.kind]} file; a file "
                    "holds one kind.",
                )
            )
        report.kind = report.kind or kind
        report.rows.append(line.row)
        chunk.append(line.example)
        if len(chunk) >= CHUNK:
            flush()
            if progress is not None:
                progress(report.examples)
            if cancelled is not None and cancelled():
                raise Cancelled
    flush()
    _finish(report, epochs)
    return report


def _finish(report: ValidationReport, epochs: int | None) -> None:
    if report.examples < MIN_EXAMPLES:
        report.problems.insert(
            0,
            Problem(
                0,
                ERROR,
                "too_few_examples",
                f"{report.examples} example{'s' if report.examples != 1 else ''}; fine-tuning "
                f"needs at least {MIN_EXAMPLES} (50–100 well-chosen ones is a better start).",
            ),
        )
    report.estimate = estimate(report.tokens, report.model, epochs)
    limit = report.estimate.limit
    for row, n in zip(report.rows, report.tokens, strict=True):
        if n > limit:
            report.problems.append(
                Problem(
                    row,
                    WARNING,
                    "example_too_long",
                    f"{n:,} tokens, over the limit of {limit:,} for {report.model}: the "
                    "example will be truncated.",
                )
            )
    report.problems.sort(key=lambda p: (p.row, p.severity != ERROR))
    report.distribution = distribution(report.tokens)


def write_report_csv(report: ValidationReport, out: TextIO) -> None:
    writer = csv.writer(out)
    writer.writerow(["row", "severity", "check", "problem", "source"])
    for p in report.problems:
        writer.writerow([p.row or "", p.severity, p.code, p.message, p.source])
