"""The user's knowledge bases: their definitions in the database (the "knowledge_bases"
flag, a JSON list) and each one's index in `<data dir>/knowledge/<id>.sqlite`."""

from __future__ import annotations

import contextlib
import importlib
import sqlite3
from pathlib import Path
from typing import Any, Protocol

from desktop_app.core.knowledge_bases import KnowledgeBase, from_json, slug_for, to_json

# What a damaged or foreign index file raises when it is read (the UI catches these, and
# never imports sqlite3 itself).
INDEX_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error,)

FLAG = "knowledge_bases"
FOLDER = "knowledge"  # under the data dir


class FlagStore(Protocol):
    def get_flag(self, name: str) -> str | None: ...
    def set_flag(self, name: str, value: str | None) -> None: ...


class KnowledgeBases:
    def __init__(self, store: FlagStore, folder: Path) -> None:
        """`folder`: where the indexes are kept (the data dir's "knowledge")."""
        self.store = store
        self.folder = folder

    def all(self) -> list[KnowledgeBase]:
        return from_json(self.store.get_flag(FLAG))

    def get(self, base_id: str) -> KnowledgeBase | None:
        return next((b for b in self.all() if b.id == base_id), None)

    def new_id(self, name: str) -> str:
        """An id for a base named `name`, free among the bases and the index files."""
        taken = [b.id for b in self.all()]
        if self.folder.is_dir():
            taken += [p.stem for p in self.folder.glob("*.sqlite")]
        return slug_for(name, taken)

    def save(self, base: KnowledgeBase) -> KnowledgeBase:
        """Add the base, or replace the one with its id (kept in its place)."""
        bases = self.all()
        for i, old in enumerate(bases):
            if old.id == base.id:
                bases[i] = base
                break
        else:
            bases.append(base)
        self.store.set_flag(FLAG, to_json(bases))
        return base

    def remove(self, base_id: str) -> None:
        """Forget the base and delete its index."""
        self.store.set_flag(FLAG, to_json(b for b in self.all() if b.id != base_id))
        path = self.index_path(base_id)
        for extra in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(FileNotFoundError):
                path.with_name(path.name + extra).unlink()

    def index_path(self, base_id: str) -> Path:
        return self.folder / f"{base_id}.sqlite"

    def open_index(self, base_id: str) -> Any:
        """The base's KnowledgeIndex (made if new); the module is loaded on first use."""
        index_module = importlib.import_module("desktop_app.services.knowledge_index")
        self.folder.mkdir(parents=True, exist_ok=True)
        return index_module.KnowledgeIndex.open(self.index_path(base_id))
