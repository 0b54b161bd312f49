"""Validate a JSONL dataset file (blocking: run it in a worker thread)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from desktop_app.core.token_count import counter_for
from desktop_app.core.training_checks import ERROR, Problem
from desktop_app.core.training_report import ValidationReport, parse_jsonl, validate
from desktop_app.services.dataset_files import Progress, check_encoding


def validate_file(
    path: Path, model: str, epochs: int | None, progress: Progress, cancelled: Callable[[], bool]
) -> ValidationReport:
    """The report for one JSONL file; the service takes UTF-8 only, so another encoding is
    an error."""
    encoding, note = check_encoding(path, progress, cancelled)
    size = max(path.stat().st_size, 1)
    with path.open("rb") as raw, io.TextIOWrapper(raw, encoding, "replace", newline="") as lines:

        def step(done: int) -> None:
            progress("Validating", min(raw.tell(), size), size)

        report = validate(parse_jsonl(lines), model, counter_for(model), epochs, step, cancelled)
    if encoding not in ("utf-8", "utf-8-sig"):
        message = note or f"The file is {encoding.upper()}; the service takes UTF-8 only."
        report.problems.insert(0, Problem(0, ERROR, "encoding", message))
    return report
