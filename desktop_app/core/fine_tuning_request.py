"""A fine-tuning job as the user asks for it, checked, and turned into `jobs.create` arguments.

Hyperparameters left as None are "auto": they are not sent, and the service picks them (for
epochs, by the rule in `training_estimate.default_epochs`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

SUPERVISED, DPO = "supervised", "dpo"
METHODS = (SUPERVISED, DPO)
MAX_SUFFIX = 64
_SUFFIX = re.compile(r"^[A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class JobRequest:
    model: str
    training_file: str
    method: str = SUPERVISED
    suffix: str = ""
    validation_file: str = ""
    epochs: int | None = None
    batch_size: int | None = None
    learning_rate_multiplier: float | None = None
    beta: float | None = None  # DPO only
    seed: int | None = None
    description: str = ""


def request_problems(request: JobRequest) -> list[str]:
    """What stops the request from being sent, in words; empty when it can go."""
    problems = []
    if not request.model.strip():
        problems.append("Choose a base model.")
    if not request.training_file:
        problems.append("Upload a training file first.")
    if request.method not in METHODS:
        problems.append(f"The method must be one of {', '.join(METHODS)}.")
    if len(request.suffix) > MAX_SUFFIX or not _SUFFIX.match(request.suffix):
        problems.append(
            f"The suffix may have up to {MAX_SUFFIX} letters, digits, '-', '_' and '.'."
        )
    if request.epochs is not None and not 1 <= request.epochs <= 50:
        problems.append("Epochs must be between 1 and 50 (or auto).")
    if request.batch_size is not None and not 1 <= request.batch_size <= 256:
        problems.append("The batch size must be between 1 and 256 (or auto).")
    lr = request.learning_rate_multiplier
    if lr is not None and not 0 < lr <= 10:
        problems.append("The learning-rate multiplier must be above 0 and at most 10.")
    if request.validation_file and request.validation_file == request.training_file:
        problems.append("The validation file must differ from the training file.")
    return problems


def create_params(request: JobRequest) -> dict[str, Any]:
    """Keyword arguments for `client.fine_tuning.jobs.create`."""
    hyper: dict[str, Any] = {}
    for key, value in (
        ("n_epochs", request.epochs),
        ("batch_size", request.batch_size),
        ("learning_rate_multiplier", request.learning_rate_multiplier),
    ):
        if value is not None:
            hyper[key] = value
    if request.method == DPO and request.beta is not None:
        hyper["beta"] = request.beta
    method: dict[str, Any] = {"type": request.method}
    if hyper:
        method[request.method] = {"hyperparameters": hyper}
    params: dict[str, Any] = {
        "model": request.model.strip(),
        "training_file": request.training_file,
        "method": method,
    }
    if request.suffix:
        params["suffix"] = request.suffix
    if request.validation_file:
        params["validation_file"] = request.validation_file
    if request.seed is not None:
        params["seed"] = request.seed
    if request.description:
        # Kept on the server too, so the account's list shows it on another computer.
        params["metadata"] = {"description": request.description[:512]}
    return params
