"""The price table in use: the one Parley ships (`resources/prices.json`) with the user's edits.

The edits live in the config folder (`prices.json` there), holding only what differs from the
shipped table. A broken edits file is not fatal: the shipped prices are used and `problem`
says why, for the app to show.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path

from desktop_app.core.price_table import (
    PriceRow,
    PriceTableError,
    apply_edits,
    edits_from_rows,
    parse_table,
)
from desktop_app.core.pricing import PriceTable
from desktop_app.services.atomic_file import write_text_atomically
from desktop_app.services.private_files import private_dir
from desktop_app.services.resources import resource_path

SHIPPED = "prices.json"
EDITS_FILE = "prices.json"  # in the config folder


def load_shipped() -> PriceTable:
    return parse_table(json.loads(resource_path(SHIPPED).read_text(encoding="utf-8")))


class PriceBook:
    def __init__(self, edits_path: Path, shipped: PriceTable | None = None) -> None:
        self.edits_path = edits_path
        self._shipped = shipped
        self._table: PriceTable | None = None
        self._lock = threading.Lock()  # loaded from a worker thread or the loop's, once
        self._user_priced: frozenset[str] = frozenset()
        self.problem = ""

    @property
    def shipped(self) -> PriceTable:
        with self._lock:
            if self._shipped is None:
                self._shipped = load_shipped()
            return self._shipped

    @property
    def table(self) -> PriceTable:
        """The table in use (loaded on first use; `load()` does it ahead, off the UI thread)."""
        if self._table is None:
            self.load()
        assert self._table is not None
        return self._table

    def load(self) -> PriceTable:
        shipped = self.shipped
        table, self.problem = shipped, ""
        self._user_priced = frozenset()
        try:
            text = self.edits_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            text = ""
        except OSError as exc:
            self.problem = f"Your price edits could not be read ({exc.strerror}); "
        if text:
            try:
                edits = json.loads(text)
                table = apply_edits(shipped, edits)
                self._user_priced = frozenset(
                    str(name).lower() for name, row in edits["models"].items() if row is not None
                )
            except json.JSONDecodeError as exc:
                self.problem = (
                    f"Your price edits ({self.edits_path}) are not usable: not valid JSON "
                    f"(line {exc.lineno}, column {exc.colno}); "
                )
            except (ValueError, PriceTableError, RecursionError) as exc:
                reason = str(exc) if isinstance(exc, PriceTableError) else "a value is malformed"
                self.problem = f"Your price edits ({self.edits_path}) are not usable: {reason}; "
        if self.problem:
            self.problem += "the prices Parley ships with are used."
        self._table = table
        return table

    def user_priced(self) -> frozenset[str]:
        """The models the user gave a price (their edits), lower-case."""
        table = self.table  # loads the edits
        del table
        return self._user_priced

    def save_rows(self, rows: Sequence[PriceRow]) -> PriceTable:
        """Keep the user's table (as edits to the shipped one); raises OSError."""
        edits = edits_from_rows(self.shipped, rows)
        private_dir(self.edits_path.parent)
        if edits["models"]:
            write_text_atomically(self.edits_path, json.dumps(edits, indent=2) + "\n")
        else:
            self.edits_path.unlink(missing_ok=True)
        return self.load()
