"""The knowledge index: its SQLite file, files and chunks, the embedding guard, hybrid search."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import numpy as np
import pytest

from desktop_app.core.knowledge_chunks import Section, chunk_sections
from desktop_app.services.knowledge_index import (
    VECTOR_FALLBACK_TEXT,
    EmbeddingInfo,
    EmbeddingMismatch,
    FileRecord,
    KnowledgeIndex,
    fts_query,
    vector_backend,
)
from tests.openai_server.embeddings import embed

INFO = EmbeddingInfo("openai", "text-embedding-3-small", 256)


def record(path: str, chunks: int = 0, status: str = "indexed", reason: str = "") -> FileRecord:
    return FileRecord(path, 10, 1, "ab" * 32, status, reason, 1, chunks)


def put_texts(index: KnowledgeIndex, path: str, texts: list[str]) -> None:
    chunks = chunk_sections(path, [Section(t, page=i) for i, t in enumerate(texts, start=1)])
    index.put_file(record(path, len(chunks)), chunks, [embed(c.text) for c in chunks])


@pytest.fixture
def index(tmp_path: Path):  # type: ignore[no-untyped-def]
    opened = KnowledgeIndex.open(tmp_path / "kb" / "index.sqlite")
    yield opened
    opened.close()


def test_open_creates_a_wal_file_and_opens_again(tmp_path: Path) -> None:
    path = tmp_path / "kb.sqlite"
    first = KnowledgeIndex.open(path)
    first.set_embedding(INFO)
    put_texts(first, "/docs/a.txt", ["the lighthouse keeper"])
    first.close()
    again = KnowledgeIndex.open(path)
    try:
        assert again.embedding() == INFO
        assert again.chunk_count() == 1
        assert [f.path for f in again.files()] == ["/docs/a.txt"]
        assert again.size_bytes() > 0
    finally:
        again.close()
    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_put_replaces_a_files_chunks_and_remove_drops_them(index: KnowledgeIndex) -> None:
    index.set_embedding(INFO)
    put_texts(index, "/docs/a.txt", ["apples and pears", "plums"])
    put_texts(index, "/docs/b.txt", ["bananas"])
    assert index.chunk_count() == 3
    put_texts(index, "/docs/a.txt", ["cherries only"])
    assert index.chunk_count() == 2
    assert index.file("/docs/a.txt") == record("/docs/a.txt", 1)
    hits = index.search("cherries", embed("cherries"), k=5)
    assert hits[0].file == "/docs/a.txt" and hits[0].text == "cherries only"
    assert not any("apples" in p.text for p in index.search("apples", embed("apples"), k=5))
    index.remove_file("/docs/a.txt")
    assert index.file("/docs/a.txt") is None and index.chunk_count() == 1
    assert all(p.file == "/docs/b.txt" for p in index.search("cherries", embed("cherries")))


def test_a_skipped_file_is_kept_with_its_reason(index: KnowledgeIndex) -> None:
    skipped = record("/docs/scan.pdf", status="skipped", reason="no text in it")
    index.put_file(skipped, [], [])
    assert index.file("/docs/scan.pdf") == skipped and index.chunk_count() == 0


def test_a_failed_put_leaves_the_old_chunks(index: KnowledgeIndex) -> None:
    index.set_embedding(INFO)
    put_texts(index, "/docs/a.txt", ["original text"])
    chunks = chunk_sections("/docs/a.txt", [Section("new text")])
    with pytest.raises(ValueError):
        index.put_file(record("/docs/a.txt", 1), chunks, [[1.0, 0.0]])  # wrong dimensions
    assert [p.text for p in index.search("original", embed("original"))] == ["original text"]


def test_another_embedding_model_is_refused_with_a_sentence(index: KnowledgeIndex) -> None:
    index.check_embedding("anyone", "any-model")  # empty: anything goes
    index.set_embedding(INFO)
    index.set_embedding(INFO)  # the same again is fine
    index.check_embedding("openai", "text-embedding-3-small")
    with pytest.raises(EmbeddingMismatch) as caught:
        index.check_embedding("ollama", "nomic-embed-text")
    assert str(caught.value) == (
        "This knowledge base was built with text-embedding-3-small (openai); it cannot be "
        "searched with nomic-embed-text (ollama). Re-index it with nomic-embed-text, or choose "
        "text-embedding-3-small again."
    )
    with pytest.raises(EmbeddingMismatch):
        index.set_embedding(EmbeddingInfo("ollama", "nomic-embed-text", 768))


def test_clear_forgets_everything_including_the_model(index: KnowledgeIndex) -> None:
    index.set_embedding(INFO)
    put_texts(index, "/docs/a.txt", ["some words"])
    index.clear()
    assert index.embedding() is None and index.files() == [] and index.chunk_count() == 0
    assert index.search("some words", embed("some words")) == []
    index.set_embedding(EmbeddingInfo("ollama", "nomic-embed-text", 256))  # now allowed
    put_texts(index, "/docs/b.txt", ["other words"])
    assert index.search("other", embed("other"))[0].file == "/docs/b.txt"


def test_dimensions_are_learnt_from_the_first_vectors(index: KnowledgeIndex) -> None:
    index.set_embedding(EmbeddingInfo("openai", "text-embedding-3-small", 0))
    put_texts(index, "/docs/a.txt", ["words"])
    assert index.embedding() == INFO


@pytest.mark.parametrize(
    "query",
    [
        'say "hello',
        "f(x) = (a OR b",
        "alpha NEAR beta",
        "NEAR(alpha beta, 2)",
        "prefix* AND NOT -minus ^start col:umn",
        "",
        "   ",
        "***",
        "“curly” ‘quotes’ — dash",
    ],
)
def test_any_query_is_safe_for_fts5(index: KnowledgeIndex, query: str) -> None:
    index.set_embedding(INFO)
    put_texts(index, "/docs/a.txt", ["alpha beta hello near prefix column start"])
    hits = index.search(query, embed(query or "x"), k=3)  # never an FTS5 syntax error
    assert len(hits) <= 1
    assert all(term.startswith('"') for term in fts_query(query).split(" OR ") if term)


def test_quoted_terms_are_or_ed() -> None:
    assert fts_query('NEAR "a" b* A') == '"near" OR "a" OR "b"'
    assert fts_query("") == "" and fts_query("()*") == ""


def test_an_or_query_finds_a_chunk_with_only_one_word(index: KnowledgeIndex) -> None:
    index.set_embedding(INFO)
    put_texts(index, "/docs/a.txt", ["zebra crossing"])
    hits = index.search("zebra unicorn", [], k=3)
    assert [h.text for h in hits] == ["zebra crossing"] and hits[0].keyword_rank == 1
    assert hits[0].vector_rank is None


def test_hybrid_ranking_puts_a_chunk_found_both_ways_first(index: KnowledgeIndex) -> None:
    index.set_embedding(EmbeddingInfo("test", "unit", 3))
    texts = {
        "/docs/keyword.txt": ("the word xylophone appears here", [-1.0, 0.0, 0.0]),
        "/docs/vector.txt": ("nothing in common with the query", [1.0, 0.05, 0.0]),
        "/docs/both.txt": ("xylophone and also near in space", [0.9, 0.1, 0.0]),
        "/docs/neither.txt": ("unrelated words", [0.0, 0.0, 1.0]),
    }
    for path, (text, vector) in texts.items():
        chunks = chunk_sections(path, [Section(text, first_line=1)])
        index.put_file(record(path, 1), chunks, [vector])
    hits = index.search("xylophone", [1.0, 0.0, 0.0], k=3, candidates=3)
    assert hits[0].file == "/docs/both.txt"
    assert {h.file for h in hits} == {"/docs/both.txt", "/docs/keyword.txt", "/docs/vector.txt"}
    assert "/docs/neither.txt" not in [h.file for h in hits]
    by_file = {h.file: h for h in hits}
    assert by_file["/docs/keyword.txt"].vector_rank is None
    assert by_file["/docs/keyword.txt"].keyword_rank is not None
    assert by_file["/docs/vector.txt"].keyword_rank is None
    assert by_file["/docs/vector.txt"].vector_rank == 1
    assert by_file["/docs/both.txt"].score > by_file["/docs/vector.txt"].score
    assert by_file["/docs/both.txt"].source == "both.txt, line 1"


def test_passages_carry_their_source(index: KnowledgeIndex) -> None:
    index.set_embedding(INFO)
    chunks = chunk_sections("/docs/guide.md", [Section("install it", heading=("Setup",))])
    index.put_file(record("/docs/guide.md", 1), chunks, [embed("install it")])
    put_texts(index, "/docs/report.pdf", ["first page", "revenue grew on page two"])
    hit = index.search("revenue", embed("revenue"), k=1)[0]
    assert hit.source == "report.pdf, page 2" and hit.page == 2
    assert index.search("install", embed("install"), k=1)[0].source == "guide.md › Setup"


def test_vectors_are_stored_normalised_and_the_cache_follows_writes(
    index: KnowledgeIndex,
) -> None:
    index.set_embedding(EmbeddingInfo("test", "unit", 2))
    one = chunk_sections("/a.txt", [Section("one", first_line=1)])
    index.put_file(record("/a.txt", 1), one, [[3.0, 4.0]])
    assert index.search("", [0.6, 0.8])[0].file == "/a.txt"
    two = chunk_sections("/b.txt", [Section("two", first_line=1)])
    index.put_file(record("/b.txt", 1), two, [[-1.0, 0.0]])  # after the cache was built
    assert index.search("", [-1.0, 0.0])[0].file == "/b.txt"
    with sqlite3.connect(index.path) as raw:
        blob = raw.execute("SELECT vector FROM chunks WHERE file = '/a.txt'").fetchone()[0]
    assert np.frombuffer(blob, dtype="<f4").tolist() == pytest.approx([0.6, 0.8])


def test_searches_from_many_threads_while_writing(index: KnowledgeIndex) -> None:
    index.set_embedding(INFO)
    put_texts(index, "/docs/a.txt", ["common words here"])
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            for _ in range(30):
                assert index.search("common", embed("common"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for thread in threads:
        thread.start()
    for n in range(20):
        put_texts(index, f"/docs/w{n}.txt", [f"written {n}"])
    for thread in threads:
        thread.join()
    assert errors == [] and index.chunk_count() == 21


def test_this_python_uses_the_numpy_fallback() -> None:
    if hasattr(sqlite3.connect(":memory:"), "enable_load_extension"):
        # a Python built with extensions (the same tests pass there over sqlite-vec)
        assert vector_backend() in ("sqlite-vec", "numpy")
    else:  # the app's Python
        assert vector_backend() == "numpy"
    assert VECTOR_FALLBACK_TEXT.endswith(".") and VECTOR_FALLBACK_TEXT[0].isupper()
    assert "numpy" in VECTOR_FALLBACK_TEXT and "extensions" in VECTOR_FALLBACK_TEXT


def test_words_in_most_chunks_are_left_out_of_a_big_bases_keyword_query(
    index: KnowledgeIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop_app.services import knowledge_index

    monkeypatch.setattr(knowledge_index, "COMMON_FLOOR", 10)
    monkeypatch.setattr(knowledge_index, "COMMON_SHARE", 0.5)
    index.set_embedding(INFO)
    texts = [f"the note number {n}" for n in range(30)] + ["the harbour map"]
    put_texts(index, "/docs/many.pdf", texts)
    assert index._keyword_words("The harbour") == ["harbour"]
    assert index._keyword_words("the number") == ["number"]  # both common: the rarer is kept
    hits = index.search("the harbour", [], k=10)
    assert [h.text for h in hits] == ["the harbour map"]
    monkeypatch.setattr(knowledge_index, "COMMON_FLOOR", 1000)  # a small base keeps them all
    assert index._keyword_words("the harbour") == ["the", "harbour"]


def test_a_second_connections_writes_reach_the_first_ones_cache(index: KnowledgeIndex) -> None:
    """The Chat tab searches through its own connection while the Knowledge page indexes."""
    index.set_embedding(EmbeddingInfo("test", "unit", 2))
    one = chunk_sections("/a.txt", [Section("one", first_line=1)])
    index.put_file(record("/a.txt", 1), one, [[1.0, 0.0]])
    assert index.search("", [0.0, 1.0])[0].file == "/a.txt" and index.chunk_count() == 1
    other = KnowledgeIndex.open(index.path)
    try:
        two = chunk_sections("/b.txt", [Section("two", first_line=1)])
        other.put_file(record("/b.txt", 1), two, [[0.0, 1.0]])
    finally:
        other.close()
    assert index.chunk_count() == 2
    assert index.search("", [0.0, 1.0])[0].file == "/b.txt"
