"""``/v1/fine_tuning/jobs``: jobs that move through their statuses on a clock the test controls.

A job spends 1 s validating its files, 1 s queued, then runs ``steps`` steps of 1 s each (one
metrics event with ``step`` and ``train_loss`` per step, and ``valid_loss`` every second step when
the job has a validation file; a checkpoint at the last three), and
succeeds, adding its fine-tuned model to ``/v1/models``. Time moves only when the test calls
``server.advance(seconds)`` (or, for manual sessions, with the wall clock when ``realtime``
is set). ``fail_next(message)`` makes the next job fail once it runs; a training file with
fewer than 10 examples fails validation, as on the service; ``refused`` answers 403 (an
account without fine-tuning); ``server.unsupported`` with "fine_tuning" answers 404.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .errors import error_response
from .features import not_offered
from .routing import JSONResponse, Request, Response, Router

VALIDATING_S, QUEUED_S = 1.0, 1.0
MIN_EXAMPLES = 10
TERMINAL = ("succeeded", "failed", "cancelled")


@dataclass
class Job:
    data: dict[str, Any]
    steps: int
    examples: int
    elapsed: float = 0.0  # simulated seconds of progress (pauses do not count)
    events: list[dict[str, Any]] = field(default_factory=list)
    checkpoints: list[dict[str, Any]] = field(default_factory=list)
    fail_with: tuple[str, str] | None = None
    step: int = 0

    @property
    def status(self) -> str:
        return str(self.data["status"])


def _loss(step: int) -> float:
    return round(2.2 * 0.75**step + 0.15, 4)


class FineTuningState:
    def __init__(self) -> None:
        self.jobs: dict[str, Job] = {}
        self.clock = 0.0
        self.steps = 6
        self.refused = False
        self.realtime = False
        self._fail_next: tuple[str, str] | None = None
        self._wall = time.monotonic()
        self.on_model: Callable[[str], None] | None = None  # a job made a model

    def fail_next(self, message: str, code: str = "training_error") -> None:
        self._fail_next = (code, message)

    def take_failure(self) -> tuple[str, str] | None:
        failure, self._fail_next = self._fail_next, None
        return failure

    def catch_up(self) -> None:
        """In realtime mode, let as much simulated time pass as wall time did."""
        now = time.monotonic()
        if self.realtime:
            self.advance(now - self._wall)
        self._wall = now

    def advance(self, seconds: float) -> None:
        self.clock += seconds
        for job in self.jobs.values():
            if job.status not in TERMINAL and job.status != "paused":
                job.elapsed += seconds
                self._move(job)

    def _event(self, job: Job, message: str, level: str = "info", data: Any = None) -> None:
        job.events.append(
            {
                "id": f"ftevent-{uuid.uuid4().hex[:20]}",
                "object": "fine_tuning.job.event",
                "created_at": int(job.data["created_at"] + job.elapsed),
                "level": level,
                "message": message,
                "data": data,
                "type": "metrics" if data else "message",
            }
        )

    def _move(self, job: Job) -> None:
        data = job.data
        if data["status"] == "validating_files" and job.elapsed >= VALIDATING_S:
            if job.examples < MIN_EXAMPLES:
                self._finish(
                    job, "failed", ("invalid_training_file",
                    f"Training file has {job.examples} example(s), but must have at least "
                    f"{MIN_EXAMPLES} examples"),
                )  # fmt: skip
                return
            data["status"] = "queued"
            self._event(job, "Files validated, moving job to queued state")
        if data["status"] == "queued" and job.elapsed >= VALIDATING_S + QUEUED_S:
            data["status"] = "running"
            self._event(job, "Fine-tuning job started")
        if data["status"] != "running":
            return
        done = min(job.steps, int(job.elapsed - VALIDATING_S - QUEUED_S))
        while job.step < done:
            job.step += 1
            if job.fail_with is not None and job.step >= min(2, job.steps):
                self._finish(job, "failed", job.fail_with)
                return
            loss = _loss(job.step)
            metrics = {"step": job.step, "train_loss": loss, "total_steps": job.steps}
            message = f"Step {job.step}/{job.steps}: training loss={loss:.4f}"
            if job.data.get("validation_file") and job.step % 2 == 0:
                # as the service does: validation loss on some steps only
                metrics["valid_loss"] = round(loss * 1.1 + 0.05, 4)
                message += f", validation loss={metrics['valid_loss']:.4f}"
            self._event(job, message, data=metrics)
            if job.step > job.steps - 3:
                self._checkpoint(job, loss)
        if job.step >= job.steps:
            self._finish(job, "succeeded")

    def _checkpoint(self, job: Job, loss: float) -> None:
        job.checkpoints.append(
            {
                "id": f"ftckpt_{uuid.uuid4().hex[:20]}",
                "object": "fine_tuning.job.checkpoint",
                "created_at": int(job.data["created_at"] + job.elapsed),
                "fine_tuned_model_checkpoint": f"{_model_name(job)}:ckpt-step-{job.step}",
                "fine_tuning_job_id": job.data["id"],
                "metrics": {"step": job.step, "train_loss": loss},
                "step_number": job.step,
            }
        )

    def _finish(self, job: Job, status: str, error: tuple[str, str] | None = None) -> None:
        data = job.data
        data["status"] = status
        data["finished_at"] = int(data["created_at"] + job.elapsed)
        if error is not None:
            data["error"] = {"code": error[0], "message": error[1], "param": None}
            self._event(job, f"Fine-tuning job failed: {error[1]}", "error")
        elif status == "succeeded":
            data["fine_tuned_model"] = _model_name(job)
            data["trained_tokens"] = 1000 * job.steps
            if self.on_model is not None:
                self.on_model(data["fine_tuned_model"])
            self._event(job, f"New fine-tuned model created: {data['fine_tuned_model']}")
            self._event(job, "The job has successfully completed")
        else:
            self._event(job, "Fine-tuning job cancelled")


def _model_name(job: Job) -> str:
    data = job.data
    suffix = data.get("user_provided_suffix") or ""
    return f"ft:{data['model']}:parley-test:{suffix}:{data['id'][-8:]}"


def _examples(server: Any, file_id: str) -> int | None:
    record = server.files.get(file_id)
    if record is None or record.get("purpose") != "fine-tune":
        return None
    return sum(1 for line in record["content"].splitlines() if line.strip())


def _guard(request: Request) -> Response | None:
    missing = not_offered(request, "fine_tuning")
    if missing:
        return missing
    state: FineTuningState = request.server.fine_tuning
    if state.refused:
        return error_response(
            403,
            "This account does not have access to fine-tuning. New fine-tuning jobs are not "
            "available to new accounts.",
            code="permission_denied",
        )
    with request.server.lock:
        state.catch_up()
    return None


def create_job(request: Request) -> Response:
    body = request.body if isinstance(request.body, dict) else {}
    server, state = request.server, request.server.fine_tuning
    model, training = body.get("model"), body.get("training_file")
    if not isinstance(model, str) or not model:
        return error_response(400, "'model' is a required property", param="model")
    with server.lock:
        examples = _examples(server, str(training))
        if examples is None:
            return error_response(
                400, f"invalid training_file: {training}", code="invalid_training_file",
                param="training_file",
            )  # fmt: skip
        validation = body.get("validation_file")
        if validation and _examples(server, str(validation)) is None:
            return error_response(400, f"invalid validation_file: {validation}")
        method = body.get("method") or {"type": "supervised"}
        kind = method.get("type", "supervised")
        hyper = dict((method.get(kind) or {}).get("hyperparameters") or {})
        job_id = f"ftjob-{uuid.uuid4().hex[:24]}"
        data = {
            "id": job_id, "object": "fine_tuning.job", "created_at": int(time.time()),
            "error": None, "fine_tuned_model": None, "finished_at": None,
            "hyperparameters": {"n_epochs": hyper.get("n_epochs", "auto"),
                                "batch_size": hyper.get("batch_size", "auto"),
                                "learning_rate_multiplier":
                                    hyper.get("learning_rate_multiplier", "auto")},
            "model": model, "organization_id": "org-parley-test", "result_files": [],
            "seed": body.get("seed") or 42, "status": "validating_files",
            "trained_tokens": None, "training_file": training, "validation_file": validation,
            "estimated_finish": None, "integrations": [], "metadata": body.get("metadata"),
            "method": {"type": kind, kind: {"hyperparameters": hyper}},
            "user_provided_suffix": body.get("suffix"),
        }  # fmt: skip
        job = Job(data, state.steps, examples, fail_with=state.take_failure())
        state.jobs[job_id] = job
        state._event(job, f"Validating training file: {training}")
        return JSONResponse(_public(job))


def _public(job: Job) -> dict[str, Any]:
    return {k: v for k, v in job.data.items() if k != "user_provided_suffix"}


def _page(items: list[dict[str, Any]], request: Request, default: int = 20) -> JSONResponse:
    """Newest first, `after` an id, `limit` a count: the API's cursor paging."""
    after = request.query.get("after")
    limit = int(request.query.get("limit", default))
    if after:
        ids = [item["id"] for item in items]
        items = items[ids.index(after) + 1 :] if after in ids else []
    page = items[:limit]
    return JSONResponse(
        {"object": "list", "data": page, "has_more": len(items) > limit,
         "first_id": page[0]["id"] if page else None,
         "last_id": page[-1]["id"] if page else None}
    )  # fmt: skip


def _find(request: Request) -> Job | JSONResponse:
    job = request.server.fine_tuning.jobs.get(request.params["job_id"])
    if job is None:
        return error_response(
            404, f"Fine-tuning job {request.params['job_id']} not found.", code="not_found"
        )
    return job


def list_jobs(request: Request) -> Response:
    with request.server.lock:
        jobs = [_public(j) for j in reversed(request.server.fine_tuning.jobs.values())]
    return _page(jobs, request)


def retrieve_job(request: Request) -> Response:
    with request.server.lock:
        job = _find(request)
        return job if isinstance(job, JSONResponse) else JSONResponse(_public(job))


def _change(request: Request, allowed: tuple[str, ...], status: str, message: str) -> Response:
    with request.server.lock:
        job = _find(request)
        if isinstance(job, JSONResponse):
            return job
        if job.status not in allowed:
            return error_response(
                400, f"Cannot {request.path.rsplit('/', 1)[-1]} a job that is {job.status}."
            )
        state: FineTuningState = request.server.fine_tuning
        if status == "cancelled":
            state._finish(job, "cancelled")
        else:
            job.data["status"] = status
            state._event(job, message)
        return JSONResponse(_public(job))


def cancel_job(request: Request) -> Response:
    active = ("validating_files", "queued", "running", "paused")
    return _change(request, active, "cancelled", "")


def pause_job(request: Request) -> Response:
    return _change(request, ("running",), "paused", "Fine-tuning job paused")


def resume_job(request: Request) -> Response:
    return _change(request, ("paused",), "running", "Fine-tuning job resumed")


def list_events(request: Request) -> Response:
    with request.server.lock:
        job = _find(request)
        if isinstance(job, JSONResponse):
            return job
        events = list(reversed(job.events))
    return _page(events, request)


def list_checkpoints(request: Request) -> Response:
    with request.server.lock:
        job = _find(request)
        if isinstance(job, JSONResponse):
            return job
        checkpoints = list(reversed(job.checkpoints))
    return _page(checkpoints, request, 10)


def _guarded(handler: Any) -> Any:
    def guarded(request: Request) -> Response:
        return _guard(request) or handler(request)

    return guarded


def advance_clock(request: Request) -> JSONResponse:
    """``POST /_control/fine_tuning {"advance": seconds, "steps": n, "fail_next": "why",
    "refused": bool, "realtime": bool}`` for manual sessions."""
    body = request.body if isinstance(request.body, dict) else {}
    state: FineTuningState = request.server.fine_tuning
    with request.server.lock:
        for key in ("steps", "refused", "realtime"):
            if key in body:
                setattr(state, key, body[key])
        if body.get("fail_next"):
            state.fail_next(str(body["fail_next"]))
        if body.get("advance"):
            state.advance(float(body["advance"]))
        return JSONResponse({"clock": state.clock, "jobs": len(state.jobs)})


def register(router: Router) -> None:
    base = "/v1/fine_tuning/jobs"
    router.add("POST", "/_control/fine_tuning", advance_clock)
    router.add("POST", base, _guarded(create_job))
    router.add("GET", base, _guarded(list_jobs))
    router.add("GET", base + "/{job_id}", _guarded(retrieve_job))
    router.add("POST", base + "/{job_id}/cancel", _guarded(cancel_job))
    router.add("POST", base + "/{job_id}/pause", _guarded(pause_job))
    router.add("POST", base + "/{job_id}/resume", _guarded(resume_job))
    router.add("GET", base + "/{job_id}/events", _guarded(list_events))
    router.add("GET", base + "/{job_id}/checkpoints", _guarded(list_checkpoints))
