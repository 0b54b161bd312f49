"""Validate a whole dataset: every line checked, tokens counted, the run estimated.

Input is a stream of parsed lines, so a 100,000-example file is checked in one pass with flat
memory apart from three integers per example (its tokens, its assistant tokens, its messages).
The report lists every problem — errors first, then warnings, then notes — with its line
number, the file it is about and a sentence a person can act on; it gives the spread of each
per-example figure (min, p5, median, mean, p95, max) and exports as CSV.

Counting follows OpenAI's cookbook: total tokens with its message framing (token_count),
assistant tokens as the tokens of the assistant messages' text, messages as the length of
`messages` (a DPO line: its input and one reply).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, TextIO

from desktop_app.core.json_guard import JsonTooDeep, loads
from desktop_app.core.token_count import TokenCounter, count_examples, example_messages
from desktop_app.core.training_calls import LEGACY_CODE
from desktop_app.core.training_checks import (
    ERROR,
    NOTE,
    SEVERITIES,
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
from desktop_app.core.training_stats import Spread, spread

CHUNK = 2000
KIND_NAMES = {"chat": "supervised (chat)", "dpo": "preference (DPO)"}
# (key, label) of each per-example figure, in the order the panel and the CSV show them
FIGURES = (
    ("tokens", "Total tokens"),
    ("assistant_tokens", "Assistant tokens"),
    ("messages", "Messages"),
)
# Said once per file (with how many examples and their first lines), not once per example.
ONCE_PER_FILE = (LEGACY_CODE, "example_missing_system_message")
LINES_NAMED = 8


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
    assistant_tokens: list[int] = field(default_factory=list)
    messages: list[int] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # the line of each example
    counting: str = ""
    distribution: Distribution = field(default_factory=Distribution)
    spreads: dict[str, Spread] = field(default_factory=dict)  # FIGURES' keys
    estimate: Estimate | None = None
    name: str = ""  # the file's name, once a validation file is attached
    validation: ValidationReport | None = None  # the validation file's own report

    def count(self, severity: str, source: str | None = None) -> int:
        return sum(
            1
            for p in self.problems
            if p.severity == severity and (source is None or p.source == source)
        )

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
        counts = (
            f"{_plural(self.errors, 'error')}, {_plural(self.warnings, 'warning')}, "
            f"{_plural(self.count(NOTE), 'note')}"
        )
        held = self.validation
        if held is None:
            parts = [f"{self.examples:,} {kind} examples: the dataset {verdict} ({counts})."]
        else:
            parts = [
                f"{self.examples:,} {kind} examples in {self.name} and {held.examples:,} in "
                f"the validation file {held.name}: the dataset {verdict} ({counts})."
            ]
            parts += [self.file_verdict(n) for n in (self.name, held.name) if self.failed(n)]
        if self.estimate is not None:
            parts.append(self.estimate.summary())
        parts.append(f"Tokens: {self.counting}.")
        return " ".join(parts)

    def failed(self, source: str) -> bool:
        return self.count(ERROR, source) > 0

    def file_verdict(self, source: str) -> str:
        """The error count of one file: "qa.validation.jsonl has 1 error." """
        errors = self.count(ERROR, source)
        return f"{source} has {_plural(errors, 'error')}."

    def where_errors_are(self) -> str:
        """The errors and which files hold them: "1 error, in qa.validation.jsonl"."""
        text = _plural(self.errors, "error")
        if self.validation is None:
            return text
        files = [n for n in (self.name, self.validation.name) if self.failed(n)]
        return f"{text}, in {' and '.join(files)}" if files else text

    def figure_rows(self) -> list[tuple[str, Spread]]:
        """(label, spread) of each per-example figure, for the panel's table and the CSV."""
        return [(label, self.spreads.get(key, Spread())) for key, label in FIGURES]


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


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
        report.assistant_tokens += assistant_tokens(counter, chunk)
        report.messages += [message_count(e) for e in chunk]
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


def _assistant_texts(example: Any) -> list[str]:
    texts: list[str] = []
    for message in example_messages(example):
        if not isinstance(message, dict) or message.get("role") != "assistant":
            continue
        content = message.get("content")
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, list):
            for part in content:
                if isinstance(part, dict) and part.get("type") == "text":
                    text = part.get("text")
                    texts += [text] if isinstance(text, str) else []
    return texts


def assistant_tokens(counter: TokenCounter, examples: list[Any]) -> list[int]:
    """The cookbook's num_assistant_tokens_from_messages: the tokens of the text of every
    assistant message (no framing, no tool calls), per example, counted in one batch."""
    texts: list[str] = []
    owners: list[int] = []
    for index, example in enumerate(examples):
        found = _assistant_texts(example)
        texts += found
        owners += [index] * len(found)
    totals = [0] * len(examples)
    for owner, n in zip(owners, counter.count_many(texts), strict=True):
        totals[owner] += n
    return totals


def message_count(example: Any) -> int:
    """Messages in an example: its `messages`; a DPO line's input and one reply."""
    if not isinstance(example, dict):
        return 0
    if isinstance(example.get("messages"), list):
        return len(example["messages"])
    source = example.get("input")
    inputs = source.get("messages") if isinstance(source, dict) else None
    return (len(inputs) if isinstance(inputs, list) else 0) + 1


def _once_per_file(problems: list[Problem]) -> list[Problem]:
    """One problem for each ONCE_PER_FILE code, saying how many examples and which lines."""
    rows: dict[str, list[int]] = {}
    kept: list[Problem] = []
    for p in problems:
        if p.code not in ONCE_PER_FILE:
            kept.append(p)
            continue
        if p.code not in rows:
            kept.append(p)
        rows.setdefault(p.code, []).append(p.row)
    for index, p in enumerate(kept):
        lines = rows.get(p.code)
        if lines is not None and len(lines) > 1:
            named = ", ".join(str(r) for r in lines[:LINES_NAMED])
            more = ", …" if len(lines) > LINES_NAMED else ""
            message = f"{p.message} ({len(lines):,} examples: lines {named}{more})"
            kept[index] = replace(p, message=message)
    return kept


def sort_problems(problems: list[Problem], later: str = "") -> list[Problem]:
    """Errors first, then warnings, then notes; within each, by line — the problems of the
    file named `later` (a validation file) after the others."""
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(
        problems,
        key=lambda p: (rank.get(p.severity, len(rank)), bool(later) and p.source == later, p.row),
    )


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
    report.problems = sort_problems(_once_per_file(report.problems))
    report.distribution = distribution(report.tokens)
    report.spreads = {
        "tokens": spread(report.tokens),
        "assistant_tokens": spread(report.assistant_tokens),
        "messages": spread(report.messages),
    }


def attach_validation(
    report: ValidationReport, held: ValidationReport, name: str, held_name: str
) -> ValidationReport:
    """Join the reports of a training file and its validation file: every problem names the
    file it is about, so an error in one is never blamed on the other."""
    report.name, held.name = name, held_name
    mine = [replace(p, source=p.source or name) for p in report.problems]
    theirs = [replace(p, source=p.source or held_name) for p in held.problems]
    if held.kind and report.kind and held.kind != report.kind:
        theirs.insert(
            0,
            Problem(
                0,
                ERROR,
                "mixed_formats",
                f"The validation file holds {KIND_NAMES[held.kind]} examples and the training "
                f"file {KIND_NAMES[report.kind]} ones; both must hold the same kind.",
                held_name,
            ),
        )
    report.problems = sort_problems(mine + theirs, held_name)
    report.validation = held
    return report


def write_report_csv(report: ValidationReport, out: TextIO) -> None:
    """Every problem with its full text, then the figures and the summary as rows of
    severity "figure" and "summary" (the same five columns, so any CSV reader takes it)."""
    writer = csv.writer(out)
    writer.writerow(["row", "severity", "check", "problem", "source"])
    for p in report.problems:
        writer.writerow([p.row or "", p.severity, p.code, p.message, p.source])
    for (key, _label), (label, figures) in zip(FIGURES, report.figure_rows(), strict=True):
        writer.writerow(["", "figure", key, f"{label} per example: {figures.describe()}",
                         report.name])  # fmt: skip
    writer.writerow(["", "summary", "summary", report.summary(), report.name])
