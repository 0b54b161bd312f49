"""Knowledge bases as the user defines them: a name, the folders and files to index, the
embedding model (and its provider) that indexes and queries them, and how much of what is
found goes into a request. Pure: JSON to and from, validation, slugs for stable ids."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from typing import Any

DEFAULT_PASSAGES = 6
DEFAULT_BUDGET = 3000  # tokens of passages in one request
MAX_PASSAGES = 50
MIN_BUDGET, MAX_BUDGET = 200, 100_000


@dataclass(frozen=True)
class KnowledgeBase:
    id: str  # a slug of the first name, kept when the base is renamed
    name: str
    sources: tuple[str, ...] = ()  # absolute paths of folders and files
    provider: str = ""  # "" = the main provider
    embedding_model: str = ""
    max_passages: int = DEFAULT_PASSAGES
    passage_budget: int = DEFAULT_BUDGET

    def with_sources(self, sources: Iterable[str]) -> KnowledgeBase:
        """The sources, in order, each once."""
        return replace(self, sources=tuple(dict.fromkeys(sources)))


def validate(base: KnowledgeBase) -> list[str]:
    """What must be fixed before the base can be indexed, as sentences for the user."""
    problems = []
    if not base.name.strip():
        problems.append("Give the knowledge base a name.")
    if not base.sources:
        problems.append("Add at least one folder or file to index.")
    if not base.embedding_model.strip():
        problems.append("Choose the embedding model that indexes it.")
    if not 1 <= base.max_passages <= MAX_PASSAGES:
        problems.append(f"The number of passages must be between 1 and {MAX_PASSAGES}.")
    if not MIN_BUDGET <= base.passage_budget <= MAX_BUDGET:
        problems.append(
            f"The passages' token budget must be between {MIN_BUDGET} and {MAX_BUDGET}."
        )
    return problems


def slug_for(name: str, taken: Iterable[str]) -> str:
    """A file-safe id made from `name` ("kb" if nothing is left), not among `taken`."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:40].strip("-") or "kb"
    used = set(taken)
    candidate, number = slug, 2
    while candidate in used:
        candidate = f"{slug}-{number}"
        number += 1
    return candidate


def to_json(bases: Iterable[KnowledgeBase]) -> str:
    return json.dumps([{**asdict(b), "sources": list(b.sources)} for b in bases])


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _one(entry: Any) -> KnowledgeBase | None:
    if not isinstance(entry, dict):
        return None
    base_id, name = entry.get("id"), entry.get("name")
    if not isinstance(base_id, str) or not base_id or not isinstance(name, str):
        return None
    if base_id != slug_for(base_id, ()):  # it names a file: never a path
        return None
    sources = entry.get("sources")
    paths = [s for s in sources if isinstance(s, str) and s] if isinstance(sources, list) else []
    provider, model = entry.get("provider", ""), entry.get("embedding_model", "")
    return KnowledgeBase(
        base_id,
        name,
        tuple(dict.fromkeys(paths)),
        provider if isinstance(provider, str) else "",
        model if isinstance(model, str) else "",
        _int(entry.get("max_passages"), DEFAULT_PASSAGES),
        _int(entry.get("passage_budget"), DEFAULT_BUDGET),
    )


def from_json(text: str | None) -> list[KnowledgeBase]:
    """The bases in `text`; what cannot be read (bad JSON, a bad entry, an id twice) is left
    out, the rest kept."""
    if not text:
        return []
    try:
        data = json.loads(text)
    except ValueError:
        return []
    if not isinstance(data, list):
        return []
    found: dict[str, KnowledgeBase] = {}
    for entry in data:
        base = _one(entry)
        if base is not None and base.id not in found:
            found[base.id] = base
    return list(found.values())
