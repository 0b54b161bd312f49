"""One knowledge base on disk: a SQLite file (WAL) with its files, chunks and vectors.

Tables: `meta` (the embedding provider, model and dimensions the base was built with),
`files` (one row per file seen, indexed or skipped, with its size, mtime, hash and reason),
`chunks` (text, position and the vector as L2-normalised little-endian float32) and
`chunks_fts`, an FTS5 index over the chunk text kept in step by triggers.

Search is hybrid: FTS5 bm25 over the query's words (each quoted, so no word is read as
FTS5 syntax, and OR-ed) gives one ranking; cosine similarity to the query vector gives the
other; reciprocal rank fusion (`knowledge_fusion.fuse`) merges them. Vectors are searched by
sqlite-vec when this Python can load SQLite extensions and the package is installed, else by
an exact scan with numpy over a matrix kept in memory (rebuilt lazily after a write).

The index is used from worker threads: one connection (check_same_thread=False) behind a lock.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from desktop_app.core.knowledge_chunks import Chunk, source_label
from desktop_app.core.knowledge_fusion import Passage, fuse
from desktop_app.services.knowledge_records import (
    COMMON_FLOOR,
    COMMON_SHARE,
    SCHEMA,
    SCHEMA_VERSION,
    VECTOR_FALLBACK_TEXT,
    EmbeddingInfo,
    EmbeddingMismatch,
    FileRecord,
    fts_query,
    load_sqlite_vec,
    mismatch_text,
    normalised,
    query_words,
    vector_backend,
)

__all__ = [  # what the app and the tests take from here
    "VECTOR_FALLBACK_TEXT",
    "EmbeddingInfo",
    "EmbeddingMismatch",
    "FileRecord",
    "KnowledgeIndex",
    "fts_query",
    "vector_backend",
]


class KnowledgeIndex:
    def __init__(self, path: Path, connection: sqlite3.Connection, backend: str) -> None:
        self.path = path
        self._db = connection
        self._lock = threading.RLock()
        self._backend = backend
        self._matrix: np.ndarray | None = None
        self._rowids: np.ndarray | None = None
        self._count: int | None = None
        self._version: int | None = None  # PRAGMA data_version when the cache was made
        self._executor: ThreadPoolExecutor | None = None

    @classmethod
    def open(cls, path: Path) -> KnowledgeIndex:
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("PRAGMA foreign_keys=ON")
            connection.executescript(SCHEMA)
            connection.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            backend = vector_backend()
            if backend == "sqlite-vec":
                load_sqlite_vec(connection)
        except BaseException:
            connection.close()
            raise
        index = cls(path, connection, backend)
        if backend == "sqlite-vec":
            info = index.embedding()
            if info is not None and info.dimensions:
                index._ensure_vec_table(info.dimensions)
        return index

    @property
    def backend(self) -> str:
        return self._backend

    # -- embedding info ------------------------------------------------------------------

    def embedding(self) -> EmbeddingInfo | None:
        with self._lock:
            rows = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        if "model" not in rows:
            return None
        return EmbeddingInfo(
            rows.get("provider", ""), rows["model"], int(rows.get("dimensions", "0") or 0)
        )

    def check_embedding(self, provider: str, model: str) -> None:
        built = self.embedding()
        if built is None:
            return
        if (built.provider, built.model) != (provider, model):
            raise EmbeddingMismatch(mismatch_text(built, provider, model))

    def set_embedding(self, info: EmbeddingInfo) -> None:
        with self._lock:
            built = self.embedding()
            if built is not None:
                self.check_embedding(info.provider, info.model)
                if built.dimensions and info.dimensions and built.dimensions != info.dimensions:
                    raise EmbeddingMismatch(mismatch_text(built, info.provider, info.model))
                if built.dimensions or not info.dimensions:
                    return
            self._write_meta(info)

    def _write_meta(self, info: EmbeddingInfo) -> None:
        values = [
            ("provider", info.provider),
            ("model", info.model),
            ("dimensions", str(info.dimensions)),
        ]
        self._db.executemany("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", values)
        if info.dimensions and self._backend == "sqlite-vec":
            self._ensure_vec_table(info.dimensions)

    # -- files ---------------------------------------------------------------------------

    def files(self) -> list[FileRecord]:
        with self._lock:
            rows = self._db.execute(
                "SELECT path, size, mtime_ns, sha256, status, reason, pages, chunks "
                "FROM files ORDER BY path"
            ).fetchall()
        return [FileRecord(*row) for row in rows]

    def file(self, path: str) -> FileRecord | None:
        with self._lock:
            row = self._db.execute(
                "SELECT path, size, mtime_ns, sha256, status, reason, pages, chunks "
                "FROM files WHERE path = ?",
                (path,),
            ).fetchone()
        return FileRecord(*row) if row else None

    def put_file(
        self,
        record: FileRecord,
        chunks: Sequence[Chunk],
        vectors: Sequence[Sequence[float]],
    ) -> None:
        """Replace the file's row and all its chunks in one transaction."""
        if len(chunks) != len(vectors):
            raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
        matrix = normalised(vectors) if chunks else np.zeros((0, 0), dtype="<f4")
        with self._lock:
            info = self.embedding()
            if chunks:
                width = matrix.shape[1]
                if info is not None and info.dimensions and info.dimensions != width:
                    raise ValueError(
                        f"vectors have {width} dimensions; this knowledge base holds "
                        f"{info.dimensions}"
                    )
            with self._transaction():
                if chunks and info is not None and not info.dimensions:
                    self._write_meta(EmbeddingInfo(info.provider, info.model, matrix.shape[1]))
                self._delete_chunks(record.path)
                rows = [
                    (
                        chunk.id,
                        record.path,
                        chunk.ordinal,
                        chunk.text,
                        chunk.tokens,
                        chunk.page,
                        json.dumps(list(chunk.heading), ensure_ascii=False),
                        chunk.lines[0] if chunk.lines else None,
                        chunk.lines[1] if chunk.lines else None,
                        matrix[i].tobytes(),
                    )
                    for i, chunk in enumerate(chunks)
                ]
                self._db.executemany(
                    "INSERT INTO chunks(id, file, ordinal, text, tokens, page, heading, "
                    "line_first, line_last, vector) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
                if self._backend == "sqlite-vec" and chunks:
                    self._db.execute(
                        "INSERT INTO chunks_vec(rowid, embedding) "
                        "SELECT rowid, vector FROM chunks WHERE file = ?",
                        (record.path,),
                    )
                self._db.execute(
                    "INSERT OR REPLACE INTO files(path, size, mtime_ns, sha256, status, reason, "
                    "pages, chunks) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        record.path,
                        record.size,
                        record.mtime_ns,
                        record.sha256,
                        record.status,
                        record.reason,
                        record.pages,
                        len(chunks),
                    ),
                )

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """One write (the caller holds the lock): all of it or none, and the cached matrix
        and count forgotten after it either way."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        finally:
            self._matrix = self._count = None

    def _delete_chunks(self, path: str) -> None:
        if self._backend == "sqlite-vec" and self._has_vec_table():
            self._db.execute(
                "DELETE FROM chunks_vec WHERE rowid IN (SELECT rowid FROM chunks WHERE file = ?)",
                (path,),
            )
        self._db.execute("DELETE FROM chunks WHERE file = ?", (path,))

    def touch_file(self, path: str, mtime_ns: int) -> None:
        """Note a new mtime for a file whose content is unchanged (its chunks stay)."""
        with self._lock:
            self._db.execute("UPDATE files SET mtime_ns = ? WHERE path = ?", (mtime_ns, path))

    def remove_file(self, path: str) -> None:
        with self._lock, self._transaction():
            self._delete_chunks(path)
            self._db.execute("DELETE FROM files WHERE path = ?", (path,))

    def clear(self) -> None:
        with self._lock:
            with self._transaction():
                self._db.execute("DELETE FROM chunks")
                self._db.execute("DELETE FROM files")
                self._db.execute("DELETE FROM meta")
                self._db.execute("DROP TABLE IF EXISTS chunks_vec")
            self._db.execute("INSERT INTO chunks_fts(chunks_fts) VALUES ('rebuild')")

    def _drop_stale(self) -> None:
        """Forget the cached matrix and count when another connection has written since."""
        version = self._db.execute("PRAGMA data_version").fetchone()[0]
        if version != self._version:
            self._matrix = self._rowids = self._count = None
            self._version = version

    def chunk_count(self) -> int:
        with self._lock:
            self._drop_stale()
            if self._count is None:
                self._count = int(self._db.execute("SELECT count(*) FROM chunks").fetchone()[0])
            return self._count

    def size_bytes(self) -> int:
        with self._lock:
            pages = self._db.execute("PRAGMA page_count").fetchone()[0]
            size = self._db.execute("PRAGMA page_size").fetchone()[0]
            free = self._db.execute("PRAGMA freelist_count").fetchone()[0]
        return int((pages - free) * size)

    def close(self) -> None:
        with self._lock:
            self._matrix = self._count = None
            self._db.close()
            if self._executor is not None:
                self._executor.shutdown(wait=False)
                self._executor = None

    # -- sqlite-vec ----------------------------------------------------------------------

    def _has_vec_table(self) -> bool:
        row = self._db.execute("SELECT 1 FROM sqlite_master WHERE name = 'chunks_vec'").fetchone()
        return row is not None

    def _ensure_vec_table(self, dimensions: int) -> None:
        with self._lock:
            if self._has_vec_table():
                return
            self._db.execute(
                f"CREATE VIRTUAL TABLE chunks_vec USING vec0("
                f"embedding float[{int(dimensions)}] distance_metric=cosine)"
            )
            self._db.execute(
                "INSERT INTO chunks_vec(rowid, embedding) SELECT rowid, vector FROM chunks"
            )

    # -- search --------------------------------------------------------------------------

    def _keyword_words(self, query: str) -> list[str]:
        words = query_words(query)
        if not words:
            return []
        total = self.chunk_count()
        if total <= COMMON_FLOOR:
            return words
        marks = ",".join("?" * len(words))
        counts = dict(
            self._db.execute(
                f"SELECT term, doc FROM chunks_terms WHERE term IN ({marks})", words
            ).fetchall()
        )
        limit = max(COMMON_FLOOR, COMMON_SHARE * total)
        kept = [w for w in words if counts.get(w, 0) <= limit]
        if kept:
            return kept
        return [min(words, key=lambda w: counts.get(w, 0))]

    def _keyword_ranking(self, query: str, candidates: int) -> list[int]:
        match = fts_query(query, self._keyword_words(query))
        if not match:
            return []
        rows = self._db.execute(
            "SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY rank LIMIT ?",
            (match, candidates),
        ).fetchall()
        return [row[0] for row in rows]

    def _vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """(rowids, matrix) of every chunk, cached until the next write — this connection's,
        or another's (the Knowledge page indexes while a chat searches: `data_version`)."""
        self._drop_stale()
        if self._matrix is None or self._rowids is None:
            rows = self._db.execute("SELECT rowid, vector FROM chunks ORDER BY rowid").fetchall()
            if rows:
                rowids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
                flat = np.frombuffer(b"".join(r[1] for r in rows), dtype="<f4")
                matrix = flat.reshape(len(rows), -1)
            else:
                rowids = np.zeros(0, dtype=np.int64)
                matrix = np.zeros((0, 0), dtype=np.float32)
            self._rowids, self._matrix = rowids, matrix
        return self._rowids, self._matrix

    def _scanner(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(1, thread_name_prefix="knowledge-scan")
            return self._executor

    def _vector_ranking(self, vector: Sequence[float], candidates: int) -> list[int]:
        if not len(vector):
            return []
        query = normalised([vector])[0]
        if self._backend == "sqlite-vec":
            with self._lock:
                if not self._has_vec_table():
                    return []
                rows = self._db.execute(
                    "SELECT rowid FROM chunks_vec WHERE embedding MATCH ? AND k = ? "
                    "ORDER BY distance",
                    (query.tobytes(), candidates),
                ).fetchall()
            return [row[0] for row in rows]
        with self._lock:
            rowids, matrix = self._vectors()
        if not len(rowids) or matrix.shape[1] != query.shape[0]:
            return []
        scores = matrix @ query
        count = min(candidates, len(scores))
        top = np.argpartition(scores, len(scores) - count)[len(scores) - count :]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [int(rowids[i]) for i in top]

    def search(
        self, query: str, vector: Sequence[float] | None, k: int = 8, candidates: int = 50
    ) -> list[Passage]:
        """The best `k` passages for the query by keyword and by vector, fused (by keyword
        alone when `vector` is None: the embedding server could not be reached)."""
        if k <= 0:
            return []
        candidates = max(candidates, k)
        if vector is None:
            with self._lock:
                keyword = self._keyword_ranking(query, candidates)
            nearest: list[int] = []
        elif self._backend == "numpy":
            # the scan releases the GIL (BLAS), as SQLite does: the two rankings overlap
            scan = self._scanner().submit(self._vector_ranking, vector, candidates)
            with self._lock:
                keyword = self._keyword_ranking(query, candidates)
            nearest = scan.result()
        else:
            with self._lock:
                keyword = self._keyword_ranking(query, candidates)
            nearest = self._vector_ranking(vector, candidates)
        fused = fuse([keyword, nearest])[:k]
        if not fused:
            return []
        keyword_rank = {rowid: rank for rank, rowid in enumerate(keyword, start=1)}
        vector_rank = {rowid: rank for rank, rowid in enumerate(nearest, start=1)}
        ids = [rowid for rowid, _ in fused]
        with self._lock:
            marks = ",".join("?" * len(ids))
            rows = self._db.execute(
                "SELECT rowid, id, file, text, page, heading, line_first, line_last "
                f"FROM chunks WHERE rowid IN ({marks})",
                ids,
            ).fetchall()
        by_rowid: dict[int, Any] = {row[0]: row for row in rows}
        passages: list[Passage] = []
        for rowid, score in fused:
            row = by_rowid.get(rowid)
            if row is None:  # removed between the rankings and this read
                continue
            _, chunk_id, file, text, page, heading_json, first, last = row
            heading = tuple(json.loads(heading_json))
            lines = (first, last) if first is not None and last is not None else None
            passages.append(
                Passage(
                    chunk_id,
                    text,
                    source_label(file, page, heading, lines),
                    file,
                    page,
                    heading,
                    lines,
                    score,
                    keyword_rank.get(rowid),
                    vector_rank.get(rowid),
                )
            )
        return passages
