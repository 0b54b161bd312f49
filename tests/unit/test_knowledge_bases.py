"""Knowledge bases: their JSON, validation and ids, and the registry over a real Store."""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.core.knowledge_bases import (
    DEFAULT_BUDGET,
    DEFAULT_PASSAGES,
    KnowledgeBase,
    from_json,
    slug_for,
    to_json,
    validate,
)
from desktop_app.services.knowledge_bases import FLAG, KnowledgeBases
from desktop_app.services.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(tmp_path / "parley.db", tmp_path / "attachments")
    yield store
    store.close()


def base(name: str = "Notes", base_id: str = "notes", **kw: object) -> KnowledgeBase:
    kw.setdefault("sources", ("/home/u/notes",))
    kw.setdefault("embedding_model", "text-embedding-3-small")
    return KnowledgeBase(base_id, name, **kw)  # type: ignore[arg-type]


def test_json_round_trip_keeps_every_field_and_the_defaults() -> None:
    one = base(provider="local", max_passages=3, passage_budget=1200)
    two = KnowledgeBase("empty", "Empty")
    assert from_json(to_json([one, two])) == [one, two]
    assert two.max_passages == DEFAULT_PASSAGES == 6
    assert two.passage_budget == DEFAULT_BUDGET == 3000


def test_bad_json_and_bad_entries_are_left_out_the_rest_kept() -> None:
    assert from_json(None) == from_json("") == from_json("{not json") == []
    assert from_json('{"id": "a"}') == []
    text = json.dumps(
        [
            "a string",
            {"name": "no id"},
            {"id": "../escape", "name": "a path for an id"},
            {"id": "ok", "name": "Ok", "sources": ["/a", 3, "", "/a"], "max_passages": "9"},
            {"id": "ok", "name": "Twice"},
            {"id": "odd", "name": "Odd", "provider": 5, "passage_budget": True},
        ]
    )
    ok, odd = from_json(text)
    assert (ok.id, ok.name, ok.sources, ok.max_passages) == ("ok", "Ok", ("/a",), 6)
    assert (odd.provider, odd.passage_budget) == ("", 3000)


def test_validation_says_what_is_missing_in_sentences() -> None:
    assert validate(base()) == []
    problems = validate(KnowledgeBase("x", "  "))
    assert problems == [
        "Give the knowledge base a name.",
        "Add at least one folder or file to index.",
        "Choose the embedding model that indexes it.",
    ]
    assert "between 1 and 50" in validate(base(max_passages=0))[0]
    assert "token budget" in validate(base(passage_budget=10))[0]


def test_slugs_are_file_safe_stable_and_unique() -> None:
    assert slug_for("Project Notes (2026)!", []) == "project-notes-2026"
    assert slug_for("Café Über", []) == "cafe-uber"
    assert slug_for("???", []) == "kb"
    assert slug_for("Notes", ["notes", "notes-2"]) == "notes-3"
    assert len(slug_for("x" * 200, [])) <= 40


def test_sources_are_kept_in_order_each_once() -> None:
    assert base().with_sources(["/b", "/a", "/b"]).sources == ("/b", "/a")


def test_registry_saves_replaces_and_removes_in_the_store(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "knowledge"
    bases = KnowledgeBases(store, folder)
    assert bases.all() == [] and bases.get("notes") is None
    bases.save(base())
    bases.save(base("Code", "code"))
    bases.save(base("Notes, renamed"))  # same id: replaced in its place
    assert [b.name for b in bases.all()] == ["Notes, renamed", "Code"]
    assert json.loads(store.get_flag(FLAG) or "[]")[0]["id"] == "notes"
    assert bases.index_path("notes") == folder / "notes.sqlite"
    assert bases.new_id("Notes") == "notes-2"
    folder.mkdir()
    (folder / "orphan.sqlite").write_bytes(b"")  # an index left behind: its id is not reused
    assert bases.new_id("Orphan") == "orphan-2"
    for name in ("notes.sqlite", "notes.sqlite-wal"):
        (folder / name).write_bytes(b"x")
    bases.remove("notes")
    assert [b.id for b in bases.all()] == ["code"]
    assert not (folder / "notes.sqlite").exists() and not (folder / "notes.sqlite-wal").exists()
    bases.remove("never-there")  # nothing to do, no error
    reopened = KnowledgeBases(store, folder)
    assert reopened.get("code") == base("Code", "code")


def test_open_index_imports_the_index_lazily_and_makes_the_folder(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[Path] = []

    class FakeIndex:
        @classmethod
        def open(cls, path: Path) -> FakeIndex:
            opened.append(path)
            return cls()

    module = types.ModuleType("desktop_app.services.knowledge_index")
    module.KnowledgeIndex = FakeIndex  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, module.__name__, module)
    bases = KnowledgeBases(store, tmp_path / "k")
    assert isinstance(bases.open_index("notes"), FakeIndex)
    assert opened == [tmp_path / "k" / "notes.sqlite"] and (tmp_path / "k").is_dir()
