"""The knowledge index's parts that stand apart from the index itself: its schema, the
records it keeps and the sentences it says, the vector backend this Python can use, and the
text of an FTS5 query made safe from the user's words."""

from __future__ import annotations

import functools
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

VECTOR_FALLBACK_TEXT = (
    "This Python cannot load SQLite extensions, so Parley searches the vectors by an exact "
    "scan with numpy, which is slower on very large knowledge bases."
)
SCHEMA_VERSION = 1
MAX_QUERY_TERMS = 64
# A word in more than this share of the chunks ("the", "and") adds almost nothing to bm25 (its
# inverse document frequency is near zero) but makes FTS5 score nearly every row; in a base
# of more than COMMON_FLOOR chunks such words are left out of the keyword query, unless all
# of its words are that common (then the rarest one is kept).
COMMON_SHARE = 0.05
COMMON_FLOOR = 2000
WORD = re.compile(r"\w+", re.UNICODE)
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL,
    pages INTEGER NOT NULL,
    chunks INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL,
    file TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    text TEXT NOT NULL,
    tokens INTEGER NOT NULL,
    page INTEGER,
    heading TEXT NOT NULL,
    line_first INTEGER,
    line_last INTEGER,
    vector BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_file ON chunks(file);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    text, content='chunks', content_rowid='rowid', tokenize='unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_terms USING fts5vocab(chunks_fts, 'row');
CREATE TRIGGER IF NOT EXISTS chunks_added AFTER INSERT ON chunks BEGIN
    INSERT INTO chunks_fts(rowid, text) VALUES (new.rowid, new.text);
END;
CREATE TRIGGER IF NOT EXISTS chunks_removed AFTER DELETE ON chunks BEGIN
    INSERT INTO chunks_fts(chunks_fts, rowid, text) VALUES ('delete', old.rowid, old.text);
END;
"""


@functools.cache
def vector_backend() -> str:
    """ "sqlite-vec" when sqlite3 can load extensions and sqlite_vec loads, else "numpy"."""
    try:
        connection = sqlite3.connect(":memory:")
    except sqlite3.Error:
        return "numpy"
    try:
        if not hasattr(connection, "enable_load_extension"):
            return "numpy"
        load_sqlite_vec(connection)
        connection.execute("SELECT vec_version()").fetchone()
        return "sqlite-vec"
    except Exception:  # no package, a build without extensions, a refused load
        return "numpy"
    finally:
        connection.close()


def load_sqlite_vec(connection: sqlite3.Connection) -> None:
    import sqlite_vec  # type: ignore[import-not-found, unused-ignore]

    connection.enable_load_extension(True)
    try:
        sqlite_vec.load(connection)
    finally:
        connection.enable_load_extension(False)


@dataclass(frozen=True)
class FileRecord:
    path: str
    size: int
    mtime_ns: int
    sha256: str
    status: str  # knowledge_readers.INDEXED or SKIPPED
    reason: str
    pages: int
    chunks: int


@dataclass(frozen=True)
class EmbeddingInfo:
    provider: str
    model: str
    dimensions: int  # 0 while not known (set from the first vectors stored)


class EmbeddingMismatch(Exception):
    """The base was built with another embedding model; the message says what to do."""


def mismatch_text(built: EmbeddingInfo, provider: str, model: str) -> str:
    return (
        f"This knowledge base was built with {built.model} ({built.provider}); it cannot be "
        f"searched with {model} ({provider}). Re-index it with {model}, or choose "
        f"{built.model} again."
    )


def query_words(query: str) -> list[str]:
    """The query's distinct words, lower-cased, in order (at most MAX_QUERY_TERMS)."""
    words: list[str] = []
    for word in WORD.findall(query):
        word = word.lower()
        if word not in words:
            words.append(word)
        if len(words) >= MAX_QUERY_TERMS:
            break
    return words


def fts_query(query: str, words: Sequence[str] | None = None) -> str:
    """The query's words (or `words`), each quoted as an FTS5 string and OR-ed: nothing in it
    is read as FTS5 syntax. Empty when there are no words."""
    chosen = query_words(query) if words is None else words
    return " OR ".join('"' + word.replace('"', '""') + '"' for word in chosen)


def normalised(vectors: Sequence[Sequence[float]]) -> np.ndarray:
    matrix = np.asarray(vectors, dtype=np.float32)
    if matrix.ndim != 2:
        raise ValueError("vectors must be a list of equal-length lists of numbers")
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(matrix / norms, dtype="<f4")
