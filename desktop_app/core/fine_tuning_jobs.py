"""Fine-tuning jobs as Parley keeps them: the local registry record, events, checkpoints.

The registry (the seed's `save_job_id`, grown up) remembers every job seen on a provider —
started here with the user's description, or found in the account's list — so the Jobs panel
can be browsed offline and a fine-tuned model can be named by what it was trained for.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

TERMINAL = frozenset({"succeeded", "failed", "cancelled"})
ACTIVE = frozenset({"validating_files", "queued", "running", "paused"})
STATUS_TEXT = {
    "validating_files": "validating files",
    "queued": "queued",
    "running": "running",
    "paused": "paused",
    "succeeded": "succeeded",
    "failed": "failed",
    "cancelled": "cancelled",
}


def is_terminal(status: str) -> bool:
    return status in TERMINAL


@dataclass(frozen=True)
class JobRecord:
    id: str
    provider: str = ""
    description: str = ""
    base_model: str = ""
    method: str = "supervised"
    training_file: str = ""
    validation_file: str = ""
    fine_tuned_model: str = ""
    status: str = ""
    error: str = ""
    created_at: float = 0.0
    updated_at: float = 0.0
    details: Mapping[str, Any] = field(default_factory=dict, compare=False)

    @property
    def finished(self) -> bool:
        return is_terminal(self.status)

    def merged(self, server: JobRecord) -> JobRecord:
        """What the server says now, keeping what only this computer knows (description)."""
        return replace(
            server,
            provider=self.provider or server.provider,
            description=self.description or server.description,
            details={**self.details, **server.details},
        )


@dataclass(frozen=True)
class JobEvent:
    id: str
    created_at: float
    message: str
    level: str = "info"
    step: int | None = None
    train_loss: float | None = None
    valid_loss: float | None = None

    def line(self) -> str:
        from datetime import datetime

        when = datetime.fromtimestamp(self.created_at).strftime("%H:%M:%S")
        mark = {"warn": "⚠ ", "error": "✗ "}.get(self.level, "")
        return f"{when}  {mark}{self.message}"


@dataclass(frozen=True)
class Checkpoint:
    id: str
    step: int
    model: str
    created_at: float = 0.0
    metrics: Mapping[str, float] = field(default_factory=dict)


def event_from_data(
    event_id: str, created_at: float, message: str, level: str, data: Any
) -> JobEvent:
    """An event; metrics events carry {"step", "train_loss", …} in `data`."""
    step = loss = valid = None
    if isinstance(data, dict):
        if isinstance(data.get("step"), int | float):
            step = int(data["step"])
        if isinstance(data.get("train_loss"), int | float):
            loss = float(data["train_loss"])
        if isinstance(data.get("valid_loss"), int | float):
            valid = float(data["valid_loss"])
    return JobEvent(event_id, created_at, message, level, step, loss, valid)


def loss_points(events: Iterable[JobEvent]) -> list[tuple[int, float]]:
    """Training loss by step, in step order, one point per step."""
    points: dict[int, float] = {}
    for e in events:
        if e.step is not None and e.train_loss is not None:
            points[e.step] = e.train_loss
    return sorted(points.items())


def validation_loss_points(events: Iterable[JobEvent]) -> list[tuple[int, float]]:
    """Validation loss by step, for a job given a validation file (the service reports it on
    some steps only), in step order."""
    points: dict[int, float] = {}
    for e in events:
        if e.step is not None and e.valid_loss is not None:
            points[e.step] = e.valid_loss
    return sorted(points.items())


def registry_json(records: Iterable[JobRecord]) -> str:
    """The registry as JSON: a list of jobs, newest first (a readable backup)."""
    rows = [asdict(r) for r in sorted(records, key=lambda r: -r.created_at)]
    for row in rows:
        row["details"] = dict(row["details"])
    return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"


def model_label(model_id: str, description: str) -> str:
    """How a fine-tuned model reads in a picker's tooltip."""
    return f"{model_id} — {description}" if description else model_id
