"""Stand-ins for `desktop_app.services.knowledge_index` and `knowledge_indexer` (the real ones
are built elsewhere), with their interface: installed into `sys.modules` as those modules, so
the code that imports them lazily meets these.

The index keeps its records in memory by path, so they outlast a close and a reopen as a file
would. The indexer takes every file under the sources; a `.bin` file is skipped as binary.
`gate`, when set, makes it wait before each file (a test steps it file by file).
"""

from __future__ import annotations

import asyncio
import sys
import types
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

VECTOR_FALLBACK_TEXT = (
    "sqlite-vec is not available, so knowledge bases are searched with NumPy: fine for a "
    "few thousand passages, slower beyond."
)


@dataclass(frozen=True)
class FileRecord:
    path: str
    size: int
    mtime_ns: int
    sha256: str
    status: str
    reason: str
    pages: int
    chunks: int


@dataclass(frozen=True)
class EmbeddingInfo:
    provider: str
    model: str
    dimensions: int


class EmbeddingMismatch(Exception):
    pass


@dataclass
class _Data:
    info: EmbeddingInfo | None = None
    records: dict[str, FileRecord] = field(default_factory=dict)


class KnowledgeIndex:
    stored: ClassVar[dict[Path, _Data]] = {}
    cleared: ClassVar[list[Path]] = []

    def __init__(self, path: Path) -> None:
        self.path = path
        self.data = self.stored.setdefault(path, _Data())

    @classmethod
    def open(cls, path: Path) -> KnowledgeIndex:
        path.touch()
        return cls(path)

    def embedding(self) -> EmbeddingInfo | None:
        return self.data.info

    def check_embedding(self, provider: str, model: str) -> None:
        info = self.data.info
        if info is not None and (info.provider, info.model) != (provider, model):
            raise EmbeddingMismatch(
                f"This knowledge base was built with {info.model}, so it cannot be searched "
                f"with {model}. Index it again from scratch to use {model}."
            )

    def files(self) -> list[FileRecord]:
        return list(self.data.records.values())

    def chunk_count(self) -> int:
        return sum(r.chunks for r in self.data.records.values())

    def search(self, query: str, vector: list[float], k: int = 8) -> list[Any]:
        return []

    def clear(self) -> None:
        self.cleared.append(self.path)
        self.data.info = None
        self.data.records.clear()

    def size_bytes(self) -> int:
        return 4096

    def close(self) -> None:
        pass


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
    indexed: list[str]
    skipped: list[tuple[str, str]]
    removed: list[str]
    unchanged: list[str]
    cancelled: bool
    chunks: int
    pages: int
    seconds: float
    embed_seconds: float


Embed = Callable[[list[str]], Awaitable[list[list[float]]]]
state: dict[str, Any] = {"gate": None, "backend": "numpy", "runs": []}


def _files(sources: Sequence[Path]) -> list[Path]:
    found: list[Path] = []
    for source in sources:
        found += (
            sorted(p for p in source.rglob("*") if p.is_file()) if source.is_dir() else [source]
        )
    return found


async def index_sources(
    index: KnowledgeIndex,
    sources: Sequence[Path],
    embed: Embed,
    info: EmbeddingInfo,
    progress: Callable[[IndexProgress], None] | None = None,
    cancel: asyncio.Event | None = None,
    batch: int = 64,
) -> IndexReport:
    state["runs"].append([str(s) for s in sources])
    index.check_embedding(info.provider, info.model)
    index.data.info = info
    files = _files(sources)
    report = IndexReport([], [], [], [], False, 0, 0, 0.5, 0.2)
    for old in [p for p in index.data.records if p not in {str(f) for f in files}]:
        del index.data.records[old]
        report.removed.append(old)
    for done, path in enumerate(files):
        if progress is not None:
            progress(IndexProgress(done, len(files), index.chunk_count(), 0, str(path), 0.0))
        gate = state["gate"]
        if gate is not None:
            await gate.get()
        if cancel is not None and cancel.is_set():
            report.cancelled = True
            break
        stat = path.stat()
        old_record = index.data.records.get(str(path))
        if old_record is not None and old_record.mtime_ns == stat.st_mtime_ns:
            report.unchanged.append(str(path))
            continue
        if path.suffix == ".bin":
            record = FileRecord(
                str(path),
                stat.st_size,
                stat.st_mtime_ns,
                "",
                "skipped",
                "not a text file (binary)",
                0,
                0,
            )
            report.skipped.append((str(path), record.reason))
        else:
            await embed([path.read_text()])
            pages = 3 if path.suffix == ".pdf" else 0
            record = FileRecord(
                str(path), stat.st_size, stat.st_mtime_ns, "", "indexed", "", pages, 2
            )
            report.indexed.append(str(path))
            report.chunks += 2
        index.data.records[str(path)] = record
    if progress is not None and not report.cancelled:
        progress(IndexProgress(len(files), len(files), index.chunk_count(), 0, "", 0.0))
    return report


def vector_backend() -> str:
    return str(state["backend"])


def install(monkeypatch: Any = None) -> None:
    """Put the two stand-ins in `sys.modules` (through `monkeypatch` when given)."""
    KnowledgeIndex.stored.clear()
    KnowledgeIndex.cleared.clear()
    state.update(gate=None, backend="numpy", runs=[])
    index = types.ModuleType("desktop_app.services.knowledge_index")
    indexer = types.ModuleType("desktop_app.services.knowledge_indexer")
    for name in (
        "VECTOR_FALLBACK_TEXT",
        "FileRecord",
        "EmbeddingInfo",
        "EmbeddingMismatch",
        "KnowledgeIndex",
        "vector_backend",
    ):
        setattr(index, name, globals()[name])
    for name in ("IndexProgress", "IndexReport", "Embed", "index_sources"):
        setattr(indexer, name, globals()[name])
    for module in (index, indexer):
        if monkeypatch is not None:
            monkeypatch.setitem(sys.modules, module.__name__, module)
        else:
            sys.modules[module.__name__] = module


class FakeEmbeddings:
    """A gateway whose client answers /v1/embeddings with a vector of 4 per text."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str]]] = []
        self.embeddings = self
        self.config = types.SimpleNamespace(label="Test server", has_key=True)

    async def client(self) -> FakeEmbeddings:
        return self

    async def create(self, model: str, input: list[str]) -> Any:
        self.calls.append((model, input))
        data = [
            types.SimpleNamespace(index=i, embedding=[0.1, 0.2, 0.3, 0.4])
            for i in range(len(input))
        ]
        return types.SimpleNamespace(data=data, usage=types.SimpleNamespace(prompt_tokens=5))
