"""FineTuningService against the test server: upload, jobs on the test clock, registry."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from desktop_app.core.fine_tuning_jobs import loss_points
from desktop_app.core.fine_tuning_request import DPO, JobRequest
from desktop_app.services.capabilities import NO, YES, probe
from desktop_app.services.fine_tuning import FineTuningService, JobUpdate
from desktop_app.services.gateway import Gateway, ProviderConfig
from desktop_app.services.gateway_errors import ErrorKind, GatewayError
from desktop_app.services.store import Store
from tests.openai_server import OpenAIServer
from tests.support.loop import run, run_until
from tests.support.training_data import chat_file, write_jsonl


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store.open(tmp_path / "db.sqlite", tmp_path / "att")
    yield store
    store.close()


@pytest.fixture
def service(qloop, openai_server: OpenAIServer, store: Store) -> FineTuningService:  # type: ignore[no-untyped-def]
    config = ProviderConfig("custom", openai_server.url, "k", timeout=5.0)
    service = FineTuningService(Gateway(config), store, poll_min=0.01, poll_max=0.04)
    yield service
    run(qloop, service.gateway.aclose())


def test_upload_reports_progress_and_the_server_keeps_the_file(
    qloop, service: FineTuningService, openai_server: OpenAIServer, tmp_path: Path
) -> None:
    path = chat_file(tmp_path / "train.jsonl", 1500)
    seen: list[tuple[int, int]] = []
    file_id = run(qloop, service.upload(path, lambda sent, total: seen.append((sent, total))))
    assert openai_server.files[file_id]["content"] == path.read_bytes()
    assert openai_server.files[file_id]["purpose"] == "fine-tune"
    size = path.stat().st_size
    assert len(seen) > 3 and seen[-1] == (size, size)
    assert [s for s, _ in seen] == sorted(s for s, _ in seen)


def test_the_server_rejects_a_malformed_file_naming_the_line(
    qloop, service: FineTuningService, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", [{"messages": []}, {"prompt": "x"}])
    with pytest.raises(GatewayError) as caught:
        run(qloop, service.upload(path))
    assert caught.value.status == 400 and "Line 2" in caught.value.message


def _start(qloop, service: FineTuningService, tmp_path: Path, **kwargs) -> str:  # type: ignore[no-untyped-def]
    file_id = run(qloop, service.upload(chat_file(tmp_path / "train.jsonl")))
    request = JobRequest("gpt-4o-mini", file_id, description="Sums", suffix="sums", **kwargs)
    record = run(qloop, service.start(request))
    assert record.status == "validating_files" and record.description == "Sums"
    return record.id


def _watch(qloop, service: FineTuningService, job_id: str) -> tuple[list[JobUpdate], asyncio.Task]:  # type: ignore[no-untyped-def]
    updates: list[JobUpdate] = []

    async def follow() -> None:
        async for update in service.watch(job_id):
            updates.append(update)

    return updates, asyncio.ensure_future(follow())


def test_a_job_runs_to_success_with_loss_events_checkpoints_and_registry(
    qloop, service: FineTuningService, openai_server: OpenAIServer, store: Store, tmp_path: Path
) -> None:
    job_id = _start(qloop, service, tmp_path, epochs=2)
    sent = openai_server.requests[-1].body
    assert sent["method"] == {
        "type": "supervised",
        "supervised": {"hyperparameters": {"n_epochs": 2}},
    }
    assert sent["suffix"] == "sums" and sent["metadata"] == {"description": "Sums"}
    updates, task = _watch(qloop, service, job_id)
    run_until(qloop, lambda: updates and updates[-1].job.status == "validating_files")
    openai_server.advance(4.5)  # validated, queued, two steps

    def steps() -> int:
        return len(loss_points([e for u in updates for e in u.events]))

    run_until(qloop, lambda: updates[-1].job.status == "running" and steps() == 2)
    openai_server.advance(10)
    run_until(qloop, task.done)
    events = [e for u in updates for e in u.events]
    final = updates[-1].job
    assert final.status == "succeeded" and final.fine_tuned_model.startswith("ft:gpt-4o-mini:")
    assert final.description == "Sums"  # the registry kept what the user wrote
    points = loss_points(events)
    assert [s for s, _ in points] == [1, 2, 3, 4, 5, 6] and points[0][1] > points[-1][1]
    assert len({e.id for e in events}) == len(events)  # no event twice
    checkpoints = run(qloop, service.checkpoints(job_id))
    assert [c.step for c in checkpoints] == [6, 5, 4] and "train_loss" in checkpoints[0].metrics
    assert store.fine_tuned_models(service.provider) == {final.fine_tuned_model: "Sums"}
    assert openai_server.find_model(final.fine_tuned_model) is not None
    polls = len([r for r in openai_server.requests if r.path == f"/v1/fine_tuning/jobs/{job_id}"])
    run(qloop, asyncio.sleep(0.2))
    after = len([r for r in openai_server.requests if r.path == f"/v1/fine_tuning/jobs/{job_id}"])
    assert after == polls  # a finished job is not polled


def test_polling_backs_off_while_nothing_changes(
    qloop, service: FineTuningService, openai_server: OpenAIServer, tmp_path: Path
) -> None:
    service.poll_min, service.poll_max = 0.01, 0.16
    job_id = _start(qloop, service, tmp_path)
    updates, task = _watch(qloop, service, job_id)
    run(qloop, asyncio.sleep(0.8))
    polls = len([r for r in openai_server.requests if r.path == f"/v1/fine_tuning/jobs/{job_id}"])
    assert 3 <= polls <= 12  # 0.01, 0.02, 0.04, 0.08, 0.16, 0.16… not 80 polls
    task.cancel()
    run_until(qloop, task.done)
    assert len(updates) == 1


def test_cancel_pause_and_resume(
    qloop, service: FineTuningService, openai_server: OpenAIServer, tmp_path: Path
) -> None:
    job_id = _start(qloop, service, tmp_path)
    openai_server.advance(3.5)
    assert run(qloop, service.pause(job_id)).status == "paused"
    openai_server.advance(100)  # paused jobs do not move
    assert run(qloop, service.retrieve(job_id)).status == "paused"
    assert run(qloop, service.resume(job_id)).status == "running"
    with pytest.raises(GatewayError) as caught:
        run(qloop, service.resume(job_id))
    assert caught.value.kind is ErrorKind.BAD_REQUEST and "running" in caught.value.message
    assert run(qloop, service.cancel(job_id)).status == "cancelled"
    events = run(qloop, service.events(job_id))
    assert [e.message for e in events][-3:] == [
        "Fine-tuning job paused", "Fine-tuning job resumed", "Fine-tuning job cancelled",
    ]  # fmt: skip


def test_a_failed_job_carries_the_servers_error(
    qloop, service: FineTuningService, openai_server: OpenAIServer, tmp_path: Path
) -> None:
    openai_server.fine_tuning.fail_next("The GPU caught fire.")
    job_id = _start(qloop, service, tmp_path, method=DPO)
    openai_server.advance(10)
    record = run(qloop, service.retrieve(job_id))
    assert (record.status, record.error) == ("failed", "The GPU caught fire.")
    jobs = run(qloop, service.list_jobs())
    assert [j.id for j in jobs] == [job_id] and jobs[0].method == "dpo"


def test_probe_says_why_fine_tuning_is_missing(
    qloop, service: FineTuningService, openai_server: OpenAIServer
) -> None:
    assert run(qloop, probe(service.gateway)).fine_tuning == YES
    openai_server.fine_tuning.refused = True
    refused = run(qloop, probe(service.gateway))
    assert refused.fine_tuning == NO
    assert refused.fine_tuning_note.startswith("this account is not allowed to use it")
    openai_server.unsupported = {"fine_tuning"}
    missing = run(qloop, probe(service.gateway))
    assert (missing.fine_tuning, missing.fine_tuning_note) == (
        NO,
        "the server has no such endpoint",
    )


@pytest.mark.parametrize("mode", ["repeat", "fresh"])
def test_lists_end_against_a_server_that_always_has_more(
    qloop, service: FineTuningService, openai_server: OpenAIServer, tmp_path: Path, mode: str
) -> None:
    """`has_more: true` for ever, with a cursor that never moves ("repeat") or one that moves
    for ever ("fresh"): events, checkpoints and the job list end, after a bounded number of
    requests, and say they were cut."""
    job_id = _start(qloop, service, tmp_path)
    openai_server.advance(10)  # done: events and checkpoints to list
    openai_server.endless_pages = mode
    requests_before = len(openai_server.requests)
    events = run(qloop, service.events(job_id))
    checkpoints = run(qloop, service.checkpoints(job_id))
    jobs = run(qloop, service.list_jobs())
    made = len(openai_server.requests) - requests_before
    assert events and checkpoints and jobs
    assert events.cut and checkpoints.cut
    assert len({e.id for e in events}) == len(events)  # a repeated page is not listed twice
    if mode == "repeat":
        assert made == 2 * 3  # the second page showed the cursor had not moved
        assert len(checkpoints) == 3
    else:
        assert made <= 10 + 10 + 10  # the page cap of each list
        assert len(checkpoints) == 3 * 10


def test_an_honest_servers_lists_are_whole(
    qloop, service: FineTuningService, openai_server: OpenAIServer, tmp_path: Path
) -> None:
    job_id = _start(qloop, service, tmp_path)
    openai_server.advance(10)
    assert not run(qloop, service.events(job_id)).cut  # an honest server: the whole list
    assert not run(qloop, service.checkpoints(job_id)).cut


def test_a_job_that_finishes_between_the_two_reads_still_gives_its_last_events(
    qloop, service: FineTuningService, openai_server: OpenAIServer, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """A poll reads the events, then the job: a job that finished in between must not
    leave its last steps and its "completed" unread (the loss chart missed them)."""
    job_id = _start(qloop, service, tmp_path)
    read_job = service.retrieve

    async def finished_meanwhile(job: str) -> Any:
        openai_server.advance(30)  # all of it happens between the events read and this one
        return await read_job(job)

    monkeypatch.setattr(service, "retrieve", finished_meanwhile)
    updates, task = _watch(qloop, service, job_id)
    run_until(qloop, task.done)
    lines = [e.message for u in updates for e in u.events]
    assert updates[-1].job.status == "succeeded"
    assert len(loss_points(e for u in updates for e in u.events)) == 6
    assert lines[-1] == "The job has successfully completed" and len(lines) == len(set(lines))
