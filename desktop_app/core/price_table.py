"""The price table as JSON: the dated table Parley ships, and the user's edits on top of it.

The shipped file (`resources/prices.json`) has `as_of`, `currency` and `models`, each model
priced per million tokens (`input`, `cached_input`, `output`, optional `image_input`, `notes`)
and possibly carrying retirement facts (`shutdown_date`, `replacement`). The user's edits are
kept apart, as only what differs from the shipped table (a changed or added model, or `null`
for one removed), so a new release's prices still arrive for every model the user left alone.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from desktop_app.core.pricing import ModelPrice, PriceTable

_NUMBERS = ("input", "output", "cached_input", "image_input")
_TEXTS = ("notes", "shutdown_date", "replacement")


class PriceTableError(ValueError):
    """A price file Parley cannot use; the message says where."""


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PriceTableError(f"{where} must be a number")
    if not math.isfinite(value) or value < 0:
        raise PriceTableError(f"{where} must be zero or more")
    return float(value)


def _row(name: str, data: Any) -> ModelPrice:
    if not isinstance(data, Mapping):
        raise PriceTableError(f"model {name!r} must be an object")
    for key in ("input", "output"):
        if key not in data:
            raise PriceTableError(f"model {name!r} has no {key} price")
    numbers = {k: _number(data[k], f"{name}.{k}") for k in _NUMBERS if data.get(k) is not None}
    texts = {k: str(data[k]) for k in _TEXTS if isinstance(data.get(k), str)}
    shutdown = texts.get("shutdown_date", "")
    if shutdown:
        try:
            date.fromisoformat(shutdown)
        except ValueError:
            raise PriceTableError(f"{name}.shutdown_date must be a date (YYYY-MM-DD)") from None
    return ModelPrice(**numbers, **texts)  # type: ignore[arg-type]


def parse_table(data: Any) -> PriceTable:
    """The shipped table from its JSON object; raises PriceTableError."""
    if not isinstance(data, Mapping) or not isinstance(data.get("models"), Mapping):
        raise PriceTableError("expected an object with a 'models' object")
    models = {str(k).lower(): _row(str(k), v) for k, v in data["models"].items()}
    as_of = data.get("as_of")
    return PriceTable(
        as_of=as_of if isinstance(as_of, str) else "",
        currency=str(data.get("currency") or "USD"),
        models=models,
    )


def apply_edits(table: PriceTable, edits: Any) -> PriceTable:
    """The shipped table with the user's edits: each edited model's fields replace the
    shipped ones (retirement facts stay unless the edit names them), `null` removes it."""
    if not isinstance(edits, Mapping) or not isinstance(edits.get("models"), Mapping):
        raise PriceTableError("expected an object with a 'models' object")
    models = dict(table.models)
    for key, value in edits["models"].items():
        name = str(key).lower()
        if value is None:
            models.pop(name, None)
            continue
        if not isinstance(value, Mapping):
            raise PriceTableError(f"model {name!r} must be an object or null")
        shipped = models.get(name)
        merged = {**(_as_dict(shipped) if shipped else {}), **value}
        models[name] = _row(name, merged)
    return replace(table, models=models)


def _as_dict(row: ModelPrice) -> dict[str, Any]:
    return {k: getattr(row, k) for k in (*_NUMBERS, *_TEXTS) if getattr(row, k) not in (None, "")}


@dataclass(frozen=True)
class PriceRow:
    """One line of the Prices editor."""

    model: str
    input: float
    cached_input: float | None
    output: float


def editable_rows(table: PriceTable) -> list[PriceRow]:
    return [
        PriceRow(name, row.input, row.cached_input, row.output)
        for name, row in sorted(table.models.items())
    ]


def edits_from_rows(shipped: PriceTable, rows: Sequence[PriceRow]) -> dict[str, Any]:
    """What the user's rows change in the shipped table, as the edits file's object."""
    edits: dict[str, Any] = {}
    seen = set()
    for row in rows:
        name = row.model.strip().lower()
        seen.add(name)
        prices = {"input": row.input, "cached_input": row.cached_input, "output": row.output}
        base = shipped.models.get(name)
        if base is None or (base.input, base.cached_input, base.output) != (
            row.input,
            row.cached_input,
            row.output,
        ):
            edits[name] = prices
    for name in shipped.models:
        if name not in seen:
            edits[name] = None
    return {"models": edits}


def check_rows(rows: Sequence[PriceRow]) -> list[tuple[int, str]]:
    """Problems as (row index, sentence): a model named twice or not at all."""
    problems: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        name = row.model.strip().lower()
        if not name:
            problems.append((index, "Give the model a name."))
        elif name in seen:
            problems.append((index, f"“{name}” is already in row {seen[name] + 1}."))
        else:
            seen[name] = index
    return problems


def parse_price(text: str, optional: bool = False) -> float | None:
    """A price typed in the editor: a number of zero or more ("0,15" too); empty only where
    `optional` (cached input, which then costs as much as input). Raises ValueError."""
    text = text.strip().lstrip("$").strip()
    if not text:
        if optional:
            return None
        raise ValueError("Enter a price (0 for free).")
    try:
        value = float(text.replace(",", ".") if "." not in text else text.replace(",", ""))
    except ValueError:
        raise ValueError(f"“{text}” is not a number.") from None
    if not math.isfinite(value) or value < 0:
        raise ValueError("A price must be zero or more.")
    return value
