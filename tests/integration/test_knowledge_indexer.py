"""Indexing real files against the test server's /v1/embeddings (the real SDK over HTTP)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from desktop_app.services import knowledge_readers
from desktop_app.services.gateway import Gateway, ProviderConfig
from desktop_app.services.gateway_errors import ErrorKind, GatewayError
from desktop_app.services.knowledge_index import EmbeddingInfo, EmbeddingMismatch, KnowledgeIndex
from desktop_app.services.knowledge_indexer import (
    IndexProgress,
    IndexReport,
    collect_files,
    index_sources,
)
from desktop_app.services.knowledge_readers import read_document
from tests.openai_server import OpenAIServer
from tests.support.documents import write_docx, write_encrypted_pdf, write_pdf

MODEL = "text-embedding-3-small"
INFO = EmbeddingInfo("custom", MODEL, 0)
PDF_PAGES = [
    "Introduction to the annual field survey of coastal birds.",
    "Methods: counts were taken at dawn along the northern shore.",
    "Results: the puffin colony doubled since the previous census.",
    "Discussion of weather and its effect on nesting success.",
]


def gateway_for(server: OpenAIServer) -> Gateway:
    config = {"provider": "custom", "base_url": server.url, "api_key": "k", "timeout": 10.0}
    return Gateway(ProviderConfig(**config))  # type: ignore[arg-type]


def run_with(
    server: OpenAIServer, work: Callable[[Any], Awaitable[Any]], model: str = MODEL
) -> Any:
    """Run `work(embed)` in a fresh loop with a gateway to the server as `embed`."""

    async def main() -> Any:
        gateway = gateway_for(server)

        async def embed(texts: list[str]) -> list[list[float]]:
            return (await gateway.embeddings(model, texts)).vectors

        try:
            return await work(embed)
        finally:
            await gateway.aclose()

    return asyncio.run(main())


def query_vector(server: OpenAIServer, text: str) -> list[float]:
    return run_with(server, lambda embed: embed([text]))[0]  # type: ignore[no-any-return]


def make_library(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "pdf": write_pdf(folder / "survey.pdf", PDF_PAGES),
        "docx": write_docx(
            folder / "handbook.docx",
            "Volunteer handbook",
            [("Safety", "Always carry a whistle near the cliffs."), ("Kit", "Bring binoculars.")],
        ),
        "md": folder / "notes.md",
        "html": folder / "page.html",
        "corrupt": folder / "broken.pdf",
        "encrypted": write_encrypted_pdf(folder / "locked.pdf", ["confidential ledger"]),
        "scan": write_pdf(folder / "scan.pdf", ["", ""]),
        "empty": folder / "empty.txt",
        "big": folder / "big.txt",
        "long": folder / "long.txt",
    }
    files["md"].write_text(
        "# Garden\n\nTomatoes need sun.\n\n## Watering\n\nWater the seedlings each morning.\n"
    )
    files["html"].write_text(
        "<html><body><h1>Recipes</h1><p>Bake the sourdough loaf for forty minutes.</p>"
        "</body></html>"
    )
    files["corrupt"].write_bytes(b"%PDF-1.4\n" + os.urandom(300))
    files["empty"].write_text("   \n")
    files["big"].write_text("x" * 100_000)
    files["long"].write_text("\f".join(f"page {n} lantern" for n in range(1, 5001)))
    (folder / ".hidden").mkdir()
    (folder / ".hidden" / "secret.md").write_text("# hidden\n")
    (folder / "image.png").write_bytes(b"\x89PNG")
    return files


@pytest.fixture
def small_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(knowledge_readers, "MAX_BYTES", 64_000)


def test_the_hand_written_pdf_reads_back_page_by_page(tmp_path: Path) -> None:
    result = read_document(write_pdf(tmp_path / "a.pdf", PDF_PAGES))
    assert result.status == "indexed" and result.pages == 4
    assert [s.page for s in result.sections] == [1, 2, 3, 4]
    assert "puffin colony" in result.sections[2].text


def test_form_feeds_count_the_pages_of_a_text(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_text("\f".join(f"page {n}" for n in range(1, 5001)))
    assert read_document(path).pages == 5000


def test_collect_files_walks_folders_skipping_hidden_and_loops(tmp_path: Path) -> None:
    files = make_library(tmp_path / "lib")
    (tmp_path / "lib" / "sub").mkdir()
    (tmp_path / "lib" / "sub" / "loop").symlink_to(tmp_path / "lib", target_is_directory=True)
    (tmp_path / "lib" / "sub" / "deep.rst").write_text("deep")
    found = collect_files([tmp_path / "lib", files["md"], tmp_path / "missing"])
    names = [p.name for p in found]
    assert found == sorted(found) and len(names) == len(set(names))
    assert "secret.md" not in names and "image.png" not in names
    assert "deep.rst" in names and "survey.pdf" in names and len(found) == 11


def index_folder(
    server: OpenAIServer,
    index: KnowledgeIndex,
    sources: list[Path],
    seen: list[IndexProgress] | None = None,
    **options: Any,
) -> IndexReport:
    async def work(embed: Any) -> IndexReport:
        return await index_sources(
            index,
            sources,
            embed,
            INFO,
            progress=(seen.append if seen is not None else None),
            **options,
        )

    return run_with(server, work)  # type: ignore[no-any-return]


def test_a_folder_of_every_kind(
    tmp_path: Path, openai_server: OpenAIServer, small_limit: None
) -> None:
    files = make_library(tmp_path / "lib")
    index = KnowledgeIndex.open(tmp_path / "kb.sqlite")
    seen: list[IndexProgress] = []
    try:
        report = index_folder(openai_server, index, [tmp_path / "lib"], seen)
    finally:
        index.close()
    index = KnowledgeIndex.open(tmp_path / "kb.sqlite")
    try:
        skipped = {Path(p).name: reason for p, reason in report.skipped}
        assert skipped["broken.pdf"].startswith("not a readable PDF")
        assert skipped["locked.pdf"] == "encrypted: it needs a password"
        assert skipped["scan.pdf"] == "no text in it: a scanned PDF needs OCR first"
        assert skipped["empty.txt"] == "empty: no text in it"
        assert skipped["big.txt"].startswith("too large")
        assert skipped["long.txt"].startswith("too large")  # 5,000 pages, 85 kB > the limit
        indexed = sorted(Path(p).name for p in report.indexed)
        assert indexed == ["handbook.docx", "notes.md", "page.html", "survey.pdf"]
        assert not report.cancelled and report.removed == [] and report.unchanged == []
        assert report.pages == 4 + 1 + 1 + 1
        assert report.chunks == index.chunk_count() > 0
        survey = index.file(str(files["pdf"]))
        assert survey is not None and survey.status == "indexed" and survey.pages == 4
        assert survey.chunks == 4 and len(survey.sha256) == 64
        locked = index.file(str(files["encrypted"]))
        assert locked is not None and locked.status == "skipped" and locked.chunks == 0
        assert index.embedding() == EmbeddingInfo("custom", MODEL, 256)

        hits = index.search("puffin", query_vector(openai_server, "puffin"), k=3)
        assert hits[0].file == str(files["pdf"]) and hits[0].page == 3
        assert hits[0].source == "survey.pdf, page 3" and hits[0].keyword_rank == 1
        water = index.search("watering seedlings", query_vector(openai_server, "seedlings"))
        assert water[0].source == "notes.md › Garden › Watering, line 7"
        whistle = index.search("whistle", query_vector(openai_server, "whistle"))
        assert whistle[0].source == "handbook.docx › Volunteer handbook › Safety"

        assert seen[-1].files_done == seen[-1].files_total == 10
        assert seen[-1].chunks == report.chunks and seen[-1].pages == report.pages
        assert [p.files_done for p in seen] == sorted(p.files_done for p in seen)
    finally:
        index.close()


def test_a_five_thousand_page_text(tmp_path: Path, openai_server: OpenAIServer) -> None:
    folder = tmp_path / "lib"
    folder.mkdir()
    long = folder / "long.txt"
    long.write_text("\f".join(f"page {n} lantern" for n in range(1, 5001)))
    index = KnowledgeIndex.open(tmp_path / "kb.sqlite")
    try:
        report = index_folder(openai_server, index, [folder], batch=16)
        assert report.indexed == [str(long)] and report.pages == 5000
        record = index.file(str(long))
        assert record is not None and record.pages == 5000 and record.chunks == report.chunks
        hits = index.search("4321", query_vector(openai_server, "page 4321"), k=1)
        assert "page 4321 lantern" in hits[0].text and hits[0].lines is not None
    finally:
        index.close()


def test_only_what_changed_is_indexed_again(tmp_path: Path, openai_server: OpenAIServer) -> None:
    folder = tmp_path / "lib"
    folder.mkdir()
    keep = folder / "keep.md"
    keep.write_text("# Keep\n\nThis stays the same.\n")
    touched = folder / "touched.txt"
    touched.write_text("Touched but not changed.\n")
    modified = folder / "modified.txt"
    modified.write_text("The old ferry timetable.\n")
    deleted = folder / "deleted.txt"
    deleted.write_text("Soon gone.\n")
    index = KnowledgeIndex.open(tmp_path / "kb.sqlite")
    try:
        first = index_folder(openai_server, index, [folder])
        assert len(first.indexed) == 4
        calls = len(openai_server.requests)

        modified.write_text("The new ferry timetable for winter.\n")
        stat = touched.stat()
        os.utime(touched, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
        deleted.unlink()
        added = folder / "added.txt"
        added.write_text("A brand new harbour map.\n")
        second = index_folder(openai_server, index, [folder])

        assert sorted(second.indexed) == [str(added), str(modified)]
        assert sorted(second.unchanged) == [str(keep), str(touched)]
        assert second.removed == [str(deleted)] and second.skipped == []
        assert len(openai_server.requests) - calls == 2  # one batch per re-indexed file
        assert index.file(str(deleted)) is None
        record = index.file(str(touched))
        assert record is not None and record.mtime_ns == touched.stat().st_mtime_ns
        assert [f.path for f in index.files()] == sorted(
            str(p) for p in (added, keep, modified, touched)
        )
        hits = index.search("ferry", query_vector(openai_server, "ferry timetable"))
        assert [h.text for h in hits if h.file == str(modified)] == [
            "The new ferry timetable for winter."
        ]

        third = index_folder(openai_server, index, [folder])
        assert third.indexed == [] and len(third.unchanged) == 4
    finally:
        index.close()


def test_cancel_after_the_first_batch_keeps_a_usable_index(
    tmp_path: Path, openai_server: OpenAIServer
) -> None:
    folder = tmp_path / "lib"
    folder.mkdir()
    for n in range(4):
        (folder / f"doc{n}.txt").write_text(
            "\n".join(f"line {i} of document {n} about kites" for i in range(80))
        )
    cancel = asyncio.Event()
    batches: list[int] = []

    def progress(step: IndexProgress) -> None:
        batches.append(step.files_done)
        cancel.set()  # cancel as soon as the first batch is in

    index = KnowledgeIndex.open(tmp_path / "kb.sqlite")
    try:

        async def work(embed: Any) -> IndexReport:
            return await index_sources(
                index, [folder], embed, INFO, progress=progress, cancel=cancel, batch=2
            )

        report = run_with(openai_server, work)
        assert report.cancelled and report.indexed == []
        assert index.chunk_count() == 0 and index.files() == []  # no half file
        assert len(batches) == 1

        cancel.clear()
        small = folder / "doc0.txt"
        small.write_text("one short kite note")

        async def again(embed: Any) -> IndexReport:
            def stop_after_a_file(step: IndexProgress) -> None:
                if step.files_done >= 1:
                    cancel.set()

            return await index_sources(
                index, [folder], embed, INFO, progress=stop_after_a_file, cancel=cancel, batch=2
            )

        report = run_with(openai_server, again)
        assert report.cancelled and report.indexed == [str(small)]
        assert [f.path for f in index.files()] == [str(small)]
        hits = index.search("kite", query_vector(openai_server, "kite"))
        assert [h.text for h in hits] == ["one short kite note"]
    finally:
        index.close()


def test_an_embedding_error_keeps_the_files_done(
    tmp_path: Path, openai_server: OpenAIServer
) -> None:
    folder = tmp_path / "lib"
    folder.mkdir()
    (folder / "a.txt").write_text("alpha file")
    (folder / "b.txt").write_text("beta file")
    index = KnowledgeIndex.open(tmp_path / "kb.sqlite")
    try:

        async def work(embed: Any) -> IndexReport:
            calls = 0

            async def failing(texts: list[str]) -> list[list[float]]:
                nonlocal calls
                calls += 1
                if calls == 2:
                    raise GatewayError(ErrorKind.SERVER, "The server failed.")
                return await embed(texts)  # type: ignore[no-any-return]

            return await index_sources(index, [folder], failing, INFO)

        with pytest.raises(GatewayError):
            run_with(openai_server, work)
        assert [Path(f.path).name for f in index.files()] == ["a.txt"]
        assert index.search("alpha", query_vector(openai_server, "alpha"))[0].text == "alpha file"
    finally:
        index.close()


def test_another_embedding_model_is_refused(tmp_path: Path, openai_server: OpenAIServer) -> None:
    folder = tmp_path / "lib"
    folder.mkdir()
    (folder / "a.txt").write_text("alpha file")
    index = KnowledgeIndex.open(tmp_path / "kb.sqlite")
    try:
        index_folder(openai_server, index, [folder])
        other = EmbeddingInfo("custom", "text-embedding-3-large", 0)

        async def work(embed: Any) -> IndexReport:
            return await index_sources(index, [folder], embed, other)

        with pytest.raises(EmbeddingMismatch) as caught:
            run_with(openai_server, work, model="text-embedding-3-large")
        assert "built with text-embedding-3-small (custom)" in str(caught.value)
        assert index.embedding() == EmbeddingInfo("custom", MODEL, 256)
        assert index.chunk_count() == 1
    finally:
        index.close()


def test_a_folder_out_of_reach_keeps_what_was_indexed_from_it(
    tmp_path: Path, openai_server: OpenAIServer
) -> None:
    """A disk not mounted at start, a share offline: its files are not gone."""
    usb = tmp_path / "usb" / "notes"
    usb.mkdir(parents=True)
    (usb / "trip.md").write_text("# Trip\n\nThe ferry leaves at nine.\n")
    here = tmp_path / "here.txt"
    here.write_text("Local notes.\n")
    index = KnowledgeIndex.open(tmp_path / "kb.sqlite")
    try:
        index_folder(openai_server, index, [usb, here])
        assert len(index.files()) == 2
        (usb / "trip.md").rename(tmp_path / "trip.md")
        usb.rmdir()  # unmounted
        report = index_folder(openai_server, index, [usb, here])
        assert report.removed == [] and report.unreachable == [str(usb)]
        assert sorted(Path(r.path).name for r in index.files()) == ["here.txt", "trip.md"]
        here.unlink()  # a file that is really gone is still removed
        report = index_folder(openai_server, index, [usb, here])
        assert report.removed == [str(here)]
    finally:
        index.close()
