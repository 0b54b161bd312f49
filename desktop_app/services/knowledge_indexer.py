"""Files and folders → a knowledge base: read, chunk, embed and store what changed.

A run first checks the base's embedding model (another one is an `EmbeddingMismatch`: its
vectors could not be compared), then removes the files that are gone and walks the rest in
order. A file whose size and mtime match its record is unchanged; one whose mtime alone moved
is hashed, and the same content is still unchanged. Reading and chunking run in a worker
thread; the chunks are embedded in batches through `embed`, and a file is written only once
all its vectors are in, in one transaction. So Cancel (looked at between batches and between
files) or an embedding error leaves a base that holds every file finished before it, whole.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from desktop_app.core.knowledge_chunks import Chunk, chunk_sections
from desktop_app.services import knowledge_readers
from desktop_app.services.knowledge_index import EmbeddingInfo, FileRecord, KnowledgeIndex
from desktop_app.services.knowledge_readers import INDEXED, SKIPPED, is_supported, read_document

Embed = Callable[[list[str]], Awaitable[list[list[float]]]]


@dataclass
class IndexProgress:
    files_done: int
    files_total: int
    chunks: int
    pages: int
    current: str
    embed_seconds: float


@dataclass
class IndexReport:
    indexed: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)  # sources (or folders) out of reach
    cancelled: bool = False
    chunks: int = 0
    pages: int = 0
    seconds: float = 0.0
    embed_seconds: float = 0.0


def _hidden(name: str) -> bool:
    return name.startswith(".")


def collect_files(sources: Sequence[Path], unreachable: list[Path] | None = None) -> list[Path]:
    """Supported files under the sources: folders walked (hidden entries and symlink loops
    skipped), files kept as given; sorted, each once. A source that is not there (a disk not
    mounted, a share offline) or a folder that cannot be read goes into `unreachable`: what
    was indexed under it is not gone, only out of reach."""
    found: set[Path] = set()
    missing = unreachable if unreachable is not None else []
    for source in sources:
        if source.is_file():
            if is_supported(source):
                found.add(source.absolute())
            continue
        if not source.is_dir():
            # A file gone from a folder that is there: deleted. Anything else (a folder
            # gone, a file whose folder is gone): out of reach, maybe for a while.
            if source.suffix == "" or not source.parent.is_dir():
                missing.append(source.absolute())
            continue
        seen: set[tuple[int, int]] = set()

        def failed(error: OSError) -> None:
            if error.filename:
                missing.append(Path(error.filename).absolute())

        for root, dirs, files in os.walk(source, onerror=failed, followlinks=True):
            try:
                status = os.stat(root)
            except OSError:
                missing.append(Path(root).absolute())
                dirs[:] = []
                continue
            key = (status.st_dev, status.st_ino)
            if key in seen:  # a symlink back to a folder already walked
                dirs[:] = []
                continue
            seen.add(key)
            dirs[:] = sorted(d for d in dirs if not _hidden(d))
            for name in files:
                path = Path(root, name)
                if not _hidden(name) and is_supported(path) and path.is_file():
                    found.add(path.absolute())
        top = source.absolute()
        if not any(top in path.parents for path in found):  # an empty mount point, say
            missing.append(top)
    return sorted(found)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class _Prepared:
    record: FileRecord
    chunks: list[Chunk]


def _under(path: Path, roots: Sequence[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def _prepare(path: Path, size: int, mtime_ns: int, sha: str | None) -> _Prepared:
    """Read and chunk one file (in a worker thread)."""
    name = str(path)
    try:
        digest = sha if sha is not None else _sha256(path)
    except OSError as exc:
        digest = ""
        reason = f"unreadable ({exc.strerror or type(exc).__name__})"
        return _Prepared(FileRecord(name, size, mtime_ns, digest, SKIPPED, reason, 0, 0), [])
    result = read_document(path, knowledge_readers.MAX_BYTES)
    chunks = chunk_sections(name, result.sections) if result.status == INDEXED else []
    status, reason = result.status, result.reason
    if status == INDEXED and not chunks:
        status, reason = SKIPPED, "empty: no text in it"
    record = FileRecord(name, size, mtime_ns, digest, status, reason, result.pages, len(chunks))
    return _Prepared(record, chunks)


def _unchanged(index: KnowledgeIndex, path: Path) -> tuple[bool, int, int, str | None]:
    """(unchanged?, size, mtime_ns, the hash when it was computed)."""
    status = path.stat()
    size, mtime_ns = status.st_size, status.st_mtime_ns
    record = index.file(str(path))
    if record is None or record.size != size:
        return False, size, mtime_ns, None
    if record.mtime_ns == mtime_ns:
        return True, size, mtime_ns, None
    digest = _sha256(path)
    if digest != record.sha256:
        return False, size, mtime_ns, digest
    index.touch_file(record.path, mtime_ns)  # the same content: keep its chunks, note the mtime
    return True, size, mtime_ns, digest


async def index_sources(
    index: KnowledgeIndex,
    sources: Sequence[Path],
    embed: Embed,
    info: EmbeddingInfo,
    progress: Callable[[IndexProgress], None] | None = None,
    cancel: asyncio.Event | None = None,
    batch: int = 64,
) -> IndexReport:
    """Bring the base up to date with the sources (see the module's docstring)."""
    started = time.monotonic()
    batch = max(1, batch)
    await asyncio.to_thread(index.check_embedding, info.provider, info.model)
    await asyncio.to_thread(index.set_embedding, info)
    report = IndexReport()
    unreachable: list[Path] = []
    paths = await asyncio.to_thread(collect_files, sources, unreachable)
    report.unreachable = [str(p) for p in unreachable]
    present = {str(p) for p in paths}
    for record in await asyncio.to_thread(index.files):
        if record.path in present or _under(Path(record.path), unreachable):
            continue  # there, or out of reach for now (kept until it is seen gone)
        await asyncio.to_thread(index.remove_file, record.path)
        report.removed.append(record.path)

    def tell(done: int, current: str) -> None:
        if progress is not None:
            progress(
                IndexProgress(
                    done, len(paths), report.chunks, report.pages, current, report.embed_seconds
                )
            )

    def cancelled() -> bool:
        return cancel is not None and cancel.is_set()

    try:
        for done, path in enumerate(paths):
            if cancelled():
                report.cancelled = True
                break
            name = str(path)
            try:
                same, size, mtime_ns, digest = await asyncio.to_thread(_unchanged, index, path)
            except OSError:
                same, size, mtime_ns, digest = False, 0, 0, None
            if same:
                report.unchanged.append(name)
                tell(done + 1, name)
                continue
            prepared = await asyncio.to_thread(_prepare, path, size, mtime_ns, digest)
            vectors: list[list[float]] = []
            texts = [chunk.text for chunk in prepared.chunks]
            for start in range(0, len(texts), batch):
                if start and cancelled():
                    report.cancelled = True
                    break
                since = time.monotonic()
                part = texts[start : start + batch]
                answer = await embed(part)
                report.embed_seconds += time.monotonic() - since
                if len(answer) != len(part):
                    raise ValueError(f"{len(answer)} vectors came back for {len(part)} texts")
                vectors.extend(answer)
                tell(done, name)
            if report.cancelled:
                break
            await asyncio.to_thread(index.put_file, prepared.record, prepared.chunks, vectors)
            if prepared.record.status == INDEXED:
                report.indexed.append(name)
                report.chunks += len(prepared.chunks)
                report.pages += prepared.record.pages
            else:
                report.skipped.append((name, prepared.record.reason))
            tell(done + 1, name)
    finally:
        report.seconds = time.monotonic() - started
    return report
