"""Validate a JSONL dataset file, or a training file and its validation file (blocking: run it
in a worker thread)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from desktop_app.core.token_count import counter_for
from desktop_app.core.training_checks import ERROR, Problem
from desktop_app.core.training_report import (
    ValidationReport,
    attach_validation,
    parse_jsonl,
    validate,
)
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


def validate_files(
    path: Path,
    validation_path: Path | None,
    model: str,
    epochs: int | None,
    progress: Progress,
    cancelled: Callable[[], bool],
) -> ValidationReport:
    """The report for a training file and, if given, its validation file: each is checked on
    its own (both must pass) and every problem names its file."""
    report = validate_file(path, model, epochs, progress, cancelled)
    if validation_path is None:
        return report
    held = validate_file(validation_path, model, epochs, progress, cancelled)
    return attach_validation(report, held, path.name, validation_path.name)
