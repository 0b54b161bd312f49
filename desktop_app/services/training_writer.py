"""Write a dataset to disk: JSONL or ShareGPT, optionally split, each file atomically."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from desktop_app.core.training_formats import split, write_jsonl, write_sharegpt
from desktop_app.services.private_files import atomic_private

SPLIT_SEED = 7


def validation_path(path: Path) -> Path:
    """`dataset.jsonl` → `dataset.validation.jsonl`."""
    return path.with_name(f"{path.stem}.validation{path.suffix}")


def _write(examples: Sequence[dict[str, Any]], path: Path, fmt: str) -> None:
    with atomic_private(path, "w", encoding="utf-8", newline="\n") as out:
        (write_jsonl if fmt == "jsonl" else write_sharegpt)(examples, out)


def save_dataset(
    examples: Sequence[dict[str, Any]], path: Path, fmt: str = "jsonl", fraction: float = 0.0
) -> list[Path]:
    """Write the examples (a share held out for validation); returns the files written.
    Raises SplitRefused, before writing anything, when the split would leave a file with too
    few examples."""
    train, valid = split(examples, fraction, SPLIT_SEED)
    # A save killed half-way left its temporary file here, in the user's folder: each write
    # removes its own (`atomic_private`).
    _write(train, path, fmt)
    if not valid:
        return [path]
    held = validation_path(path)
    _write(valid, held, fmt)
    return [path, held]
