"""Knowledge benchmark: indexing throughput, retrieval latency and size of a knowledge base.

    .venv/bin/python bench/knowledge.py [chunks]

Indexing: generated documents (PDFs written by hand with one text line per page, text files
whose pages are separated by form feeds, Markdown with headings) in a temporary folder are
indexed by `index_sources` against the test server's /v1/embeddings on loopback, through the
real SDK, in batches of 64. The embedding server's time is reported apart, and throughput is
also given without it: what Parley's own reading, chunking and storing cost (target: at least
50 pages/s apart from the embedding time).

Retrieval: an index of `chunks` chunks (100,000 by default) is built directly with put_file,
random words as text and random unit vectors of the test server's dimension; then 200 hybrid
searches (FTS5 bm25 + vectors, fused), each through asyncio.to_thread as the app runs them.
The first search, which loads the vector matrix, is reported apart. Target: p99 under 50 ms.

Also: the index's size per 1,000 chunks, and the vector backend used.

Prints figures; asserts nothing.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

import numpy as np  # noqa: E402

from desktop_app.core.knowledge_chunks import Chunk, chunk_id  # noqa: E402
from desktop_app.services.gateway import Gateway, ProviderConfig  # noqa: E402
from desktop_app.services.knowledge_index import (  # noqa: E402
    EmbeddingInfo,
    FileRecord,
    KnowledgeIndex,
    vector_backend,
)
from desktop_app.services.knowledge_indexer import index_sources  # noqa: E402
from tests.openai_server import OpenAIServer  # noqa: E402
from tests.openai_server.embeddings import DEFAULT_DIMENSIONS  # noqa: E402
from tests.support.documents import write_pdf  # noqa: E402

MODEL = "text-embedding-3-small"
QUERIES = 200
CHUNKS_PER_FILE = 100
WORDS_PER_PAGE = 250


def vocabulary(rng: random.Random, size: int = 4000) -> list[str]:
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = {"".join(rng.choices(letters, k=rng.randint(3, 10))) for _ in range(size * 2)}
    return sorted(words)[:size]


_WEIGHTS: dict[int, list[float]] = {}


def page_text(rng: random.Random, words: list[str], count: int = WORDS_PER_PAGE) -> str:
    # Zipf's law, as in prose: the r-th commonest word has weight 1/r, so the first few (the
    # "the" and "and" of this vocabulary) are in nearly every chunk and most words are rare
    if len(words) not in _WEIGHTS:
        _WEIGHTS[len(words)] = list(itertools.accumulate(1 / r for r in range(1, len(words) + 1)))
    picked = rng.choices(words, cum_weights=_WEIGHTS[len(words)], k=count)
    lines = [" ".join(picked[i : i + 12]) for i in range(0, len(picked), 12)]
    return "\n".join(lines)


def make_documents(folder: Path, rng: random.Random, words: list[str]) -> int:
    """Write the documents; returns how many pages they hold."""
    pages = 0
    for n in range(8):  # PDFs: 25 pages each, one long line per page
        texts = [page_text(rng, words).replace("\n", " ") for _ in range(25)]
        write_pdf(folder / f"report{n}.pdf", texts)
        pages += 25
    for n in range(12):  # text: 40 pages each, form feeds between pages
        (folder / f"notes{n}.txt").write_text(
            "\f".join(page_text(rng, words) for _ in range(40)), encoding="utf-8"
        )
        pages += 40
    for n in range(20):  # Markdown: one page each, under headings
        body = "\n\n".join(f"## Part {i}\n\n{page_text(rng, words, 80)}" for i in range(4))
        (folder / f"guide{n}.md").write_text(f"# Guide {n}\n\n{body}\n", encoding="utf-8")
        pages += 1
    return pages


async def measure_indexing(server: OpenAIServer, rng: random.Random) -> dict[str, Any]:
    words = vocabulary(rng)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch, "docs")
        folder.mkdir()
        make_documents(folder, rng, words)
        gateway = Gateway(
            ProviderConfig(provider="custom", base_url=server.url, api_key="k", timeout=30.0)
        )

        async def embed(texts: list[str]) -> list[list[float]]:
            return (await gateway.embeddings(MODEL, texts)).vectors

        index = KnowledgeIndex.open(Path(scratch, "kb.sqlite"))
        try:
            info = EmbeddingInfo("custom", MODEL, 0)
            report = await index_sources(index, [folder], embed, info, batch=64)
        finally:
            index.close()
            await gateway.aclose()
    own = max(report.seconds - report.embed_seconds, 1e-9)
    return {
        "index_files": len(report.indexed),
        "index_pages": report.pages,
        "index_chunks": report.chunks,
        "index_seconds": round(report.seconds, 3),
        "index_embed_seconds": round(report.embed_seconds, 3),
        "index_pages_per_s": round(report.pages / report.seconds, 1),
        "index_chunks_per_s": round(report.chunks / report.seconds, 1),
        "index_pages_per_s_without_embedding": round(report.pages / own, 1),
        "index_chunks_per_s_without_embedding": round(report.chunks / own, 1),
        "index_target_pages_per_s": 50,
    }


def build_index(path: Path, chunks: int, rng: random.Random) -> tuple[KnowledgeIndex, float]:
    words = vocabulary(rng)
    vectors = np.random.default_rng(7).standard_normal((chunks, DEFAULT_DIMENSIONS))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = KnowledgeIndex.open(path)
    index.set_embedding(EmbeddingInfo("custom", MODEL, DEFAULT_DIMENSIONS))
    since = time.perf_counter()
    for start in range(0, chunks, CHUNKS_PER_FILE):
        name = f"/bench/file{start // CHUNKS_PER_FILE:05d}.txt"
        count = min(CHUNKS_PER_FILE, chunks - start)
        batch = []
        for i in range(count):
            text = page_text(rng, words, 60)
            batch.append(Chunk(chunk_id(name, str(i), text), name, i, text, 80, page=i + 1))
        record = FileRecord(name, 1000, 1, "0" * 64, "indexed", "", count, count)
        index.put_file(record, batch, vectors[start : start + count].tolist())
    return index, time.perf_counter() - since


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def measure_retrieval(chunks: int, rng: random.Random) -> dict[str, Any]:
    words = vocabulary(rng)
    queries = [" ".join(rng.choices(words[:400], k=rng.randint(2, 6))) for _ in range(QUERIES)]
    vectors = np.random.default_rng(11).standard_normal((QUERIES, DEFAULT_DIMENSIONS))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    with tempfile.TemporaryDirectory() as scratch:
        index, build_seconds = await asyncio.to_thread(
            build_index, Path(scratch, "kb.sqlite"), chunks, rng
        )
        try:
            since = time.perf_counter()
            await asyncio.to_thread(index.search, queries[0], vectors[0].tolist())
            first = (time.perf_counter() - since) * 1000
            times: list[float] = []
            found = 0
            for query, vector in zip(queries, vectors, strict=True):
                listed = vector.tolist()
                since = time.perf_counter()
                hits = await asyncio.to_thread(index.search, query, listed, 8, 50)
                times.append((time.perf_counter() - since) * 1000)
                found += len(hits)
            size = index.size_bytes()
            count = index.chunk_count()
        finally:
            index.close()
    return {
        "chunks": count,
        "build_seconds": round(build_seconds, 1),
        "retrieval_first_ms": round(first, 1),
        "retrieval_p50_ms": round(statistics.median(times), 2),
        "retrieval_p99_ms": round(percentile(times, 0.99), 2),
        "retrieval_max_ms": round(max(times), 2),
        "retrieval_passages_per_query": round(found / QUERIES, 1),
        "retrieval_target_p99_ms": 50,
        "bytes_per_1000_chunks": round(size / count * 1000),
        "index_megabytes": round(size / 1e6, 1),
    }


def start_up_loads() -> list[str]:
    """What of the knowledge machinery a fresh start of the app loads (none of it should)."""
    import subprocess

    heavy = ("numpy", "pypdf", "docx", "lxml", "sqlite_vec", "desktop_app.services.knowledge_index")
    code = (
        "import sys\n"
        "from PySide6.QtWidgets import QApplication\n"
        "app = QApplication(['x', '-platform', 'offscreen'])\n"
        "import desktop_app.app\n"
        "from desktop_app.ui.assistants.assistants_tab import AssistantsTab\n"
        f"print(','.join(m for m in {heavy!r} if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=True
    )
    lines = done.stdout.strip().splitlines()
    return [m for m in (lines[-1] if lines else "").split(",") if m]


async def main(chunks: int) -> None:
    rng = random.Random(42)
    result: dict[str, Any] = {"vector_backend": vector_backend(), "dimensions": DEFAULT_DIMENSIONS}
    with OpenAIServer() as server:
        result.update(await measure_indexing(server, rng))
    result.update(await measure_retrieval(chunks, rng))
    result["startup_loads"] = start_up_loads()  # [] : start-up unchanged by knowledge
    for name, value in result.items():
        print(f"{name}: {value}")
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
