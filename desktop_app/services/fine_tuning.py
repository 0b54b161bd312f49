"""Files and fine-tuning jobs on the server, and the local registry kept in step with them.

`watch(job_id)` is an async iterator that polls a job until it finishes: quickly while things
change, backing off (doubling, up to `poll_max`) while nothing does, and never once a job has
finished. Each update carries the job and the events that arrived since the last one.
"""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from desktop_app.core.fine_tuning_jobs import (
    Checkpoint,
    JobEvent,
    JobRecord,
    event_from_data,
    is_terminal,
)
from desktop_app.core.fine_tuning_request import JobRequest, create_params
from desktop_app.services.gateway import Gateway
from desktop_app.services.gateway_errors import GatewayError
from desktop_app.services.paging import Listed, read_pages

LIST_PAGE = 100
MAX_LISTED = 1000
EVENTS_PAGE = 100
CHECKPOINTS_PAGE = 100


class JobRegistry(Protocol):
    def save_job(self, record: JobRecord) -> JobRecord: ...

    def job(self, provider: str, job_id: str) -> JobRecord | None: ...

    def jobs(self, provider: str | None = None) -> list[JobRecord]: ...


@dataclass
class JobUpdate:
    job: JobRecord
    events: list[JobEvent] = field(default_factory=list)


class _CountingFile(io.FileIO):
    """A file that reports how many bytes were read from it (what the upload has sent)."""

    def __init__(self, path: Path, on_read: Callable[[int, int], None]) -> None:
        super().__init__(path, "rb")
        self.total = path.stat().st_size
        self.sent = 0
        self._on_read = on_read

    def seek(self, pos: int, whence: int = 0) -> int:
        if (pos, whence) == (0, 0):
            self.sent = 0  # the request is being sent (again) from the start
        return super().seek(pos, whence)

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size) or b""
        self.sent += len(data)
        self._on_read(self.sent, self.total)
        return data


def _record(job: Any, provider: str) -> JobRecord:
    error = getattr(job, "error", None)
    message = ""
    if error is not None and (getattr(error, "message", None) or getattr(error, "code", None)):
        message = getattr(error, "message", "") or str(getattr(error, "code", ""))
    method = getattr(job, "method", None)
    metadata = getattr(job, "metadata", None) or {}
    hyper = getattr(job, "hyperparameters", None)
    details: dict[str, Any] = {}
    for key in ("trained_tokens", "estimated_finish", "finished_at", "seed"):
        if getattr(job, key, None) is not None:
            details[key] = getattr(job, key)
    if hyper is not None and hasattr(hyper, "model_dump"):
        details["hyperparameters"] = hyper.model_dump(exclude_none=True)
    details["result_files"] = list(getattr(job, "result_files", None) or [])
    return JobRecord(
        id=job.id,
        provider=provider,
        description=str(metadata.get("description", "")) if isinstance(metadata, dict) else "",
        base_model=job.model or "",
        method=getattr(method, "type", None) or "supervised",
        training_file=job.training_file or "",
        validation_file=getattr(job, "validation_file", None) or "",
        fine_tuned_model=getattr(job, "fine_tuned_model", None) or "",
        status=job.status or "",
        error=message,
        created_at=float(job.created_at or 0),
        details=details,
    )


class FineTuningService:
    def __init__(
        self,
        gateway: Gateway,
        registry: JobRegistry,
        poll_min: float = 2.0,
        poll_max: float = 60.0,
    ) -> None:
        self.gateway = gateway
        self.registry = registry
        self.poll_min = poll_min
        self.poll_max = poll_max

    @property
    def provider(self) -> str:
        return self.gateway.config.cache_key

    async def _call(self, make: Callable[[Any], Any], retries: int | None = None) -> Any:
        client = await self.gateway.client()
        since = time.monotonic()
        try:
            return await make(client)
        except (asyncio.CancelledError, GatewayError):
            raise
        except Exception as exc:
            raise self.gateway._error(exc, since=since, retries=retries) from exc

    def _save(self, job: Any) -> JobRecord:
        return self.registry.save_job(_record(job, self.provider))

    # --- files -----------------------------------------------------------------------------

    async def upload(self, path: Path, progress: Callable[[int, int], None] | None = None) -> str:
        """Upload a JSONL file for fine-tuning; returns its file id. Cancelling the task
        stops the upload (the connection is closed)."""
        with _CountingFile(path, progress or (lambda _sent, _total: None)) as handle:
            created = await self._call(
                lambda c: c.with_options(max_retries=0).files.create(
                    file=(path.name, handle, "application/jsonl"), purpose="fine-tune"
                ),
                retries=0,
            )
        return str(created.id)

    # --- jobs ------------------------------------------------------------------------------

    async def start(self, request: JobRequest) -> JobRecord:
        job = await self._call(lambda c: c.fine_tuning.jobs.create(**create_params(request)))
        record = _record(job, self.provider)
        details = {"suffix": request.suffix} if request.suffix else {}
        return self.registry.save_job(
            replace(record, description=request.description, details={**record.details, **details})
        )

    async def list_jobs(self) -> list[JobRecord]:
        """Every job of the account (newest first, up to MAX_LISTED), saved to the registry;
        returns the registry's jobs for this provider, which includes jobs seen before."""

        async def fetch(client: Any) -> list[Any]:
            first = await client.fine_tuning.jobs.list(limit=LIST_PAGE)
            return await read_pages(first, max_items=MAX_LISTED)

        for job in await self._call(fetch):
            self._save(job)
        return self.registry.jobs(self.provider)

    async def retrieve(self, job_id: str) -> JobRecord:
        return self._save(await self._call(lambda c: c.fine_tuning.jobs.retrieve(job_id)))

    async def cancel(self, job_id: str) -> JobRecord:
        return self._save(await self._call(lambda c: c.fine_tuning.jobs.cancel(job_id)))

    async def pause(self, job_id: str) -> JobRecord:
        return self._save(await self._call(lambda c: c.fine_tuning.jobs.pause(job_id)))

    async def resume(self, job_id: str) -> JobRecord:
        return self._save(await self._call(lambda c: c.fine_tuning.jobs.resume(job_id)))

    async def events(self, job_id: str, after: str = "") -> Listed[JobEvent]:
        """Events newer than `after` (all when empty), oldest first; at most MAX_PAGES pages
        (`cut` says the list stopped there)."""

        async def fetch(client: Any) -> Listed[Any]:
            first = await client.fine_tuning.jobs.list_events(job_id, limit=EVENTS_PAGE)
            # Newest first: page back until `after` is reached.
            return await read_pages(first, until=lambda event: event.id == after)

        raw = await self._call(fetch)
        events: Listed[JobEvent] = Listed(
            event_from_data(
                e.id, float(e.created_at), e.message, e.level or "info", getattr(e, "data", None)
            )
            for e in reversed(raw)
        )
        events.cut = raw.cut
        return events

    async def checkpoints(self, job_id: str) -> Listed[Checkpoint]:
        """The job's checkpoints, newest first; at most MAX_PAGES pages (`cut` says so)."""

        async def fetch(client: Any) -> Listed[Any]:
            first = await client.fine_tuning.jobs.checkpoints.list(job_id, limit=CHECKPOINTS_PAGE)
            return await read_pages(first)

        found = await self._call(fetch)
        checkpoints: Listed[Checkpoint] = Listed(
            Checkpoint(
                c.id,
                int(c.step_number),
                c.fine_tuned_model_checkpoint,
                float(c.created_at),
                {k: v for k, v in c.metrics.model_dump().items() if v is not None},
            )
            for c in found
        )
        checkpoints.cut = found.cut
        return checkpoints

    async def watch(self, job_id: str, after: str = "") -> AsyncIterator[JobUpdate]:
        """Poll a job until it finishes, yielding what changed. A job already finished is
        yielded once (with its events) and not polled again; once finished, its events are
        read once more, for those that came while the job itself was being read."""
        delay = self.poll_min
        last: tuple[str, str] | None = None
        while True:
            # Events first: the job read after them is at least as new as they are.
            events = await self.events(job_id, after)
            job = await self.retrieve(job_id)
            if events:
                after = events[-1].id
            state = (job.status, job.fine_tuned_model)
            if events or state != last:
                yield JobUpdate(job, events)
                delay = self.poll_min
            else:
                delay = min(delay * 2, self.poll_max)
            last = state
            if is_terminal(job.status):
                # It may have finished between the two reads: its last events (the last
                # steps, "completed") came after the events read above.
                late = await self.events(job_id, after)
                if late:
                    yield JobUpdate(job, late)
                return
            await asyncio.sleep(delay)
