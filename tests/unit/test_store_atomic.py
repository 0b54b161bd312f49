"""Several store calls as one change (`Store.atomic`), and a full disk as its own error."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.core.dialogue import Message
from desktop_app.services import attachment_store
from desktop_app.services.store import Store, StoreError, StoreFull


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(tmp_path / "parley.db", tmp_path / "attachments")
    yield store
    store.close()


def test_an_error_anywhere_in_an_atomic_block_keeps_none_of_it(store: Store) -> None:
    with pytest.raises(RuntimeError, match="half-way"), store.atomic():
        dialogue = store.create_dialogue("Kept?")
        store.add_message(dialogue, Message("user", "the question"))
        raise RuntimeError("half-way")
    assert store.list_dialogues() == []
    with store.atomic():  # and the connection is not left inside a transaction
        dialogue = store.create_dialogue("Kept")
        store.add_message(dialogue, Message("user", "the question"))
    assert [m.content for m in store.messages(dialogue)] == ["the question"]


def test_a_full_database_is_a_store_full_error_and_writes_work_again_once_freed(
    store: Store,
) -> None:
    dialogue = store.create_dialogue("Full")
    pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
    store._conn.execute(f"PRAGMA max_page_count = {pages}")  # SQLITE_FULL from now on
    with pytest.raises(StoreFull) as raised:
        store.add_message(dialogue, Message("user", "x" * 50_000))
    assert "no space left" in str(raised.value) and "database or disk" not in str(raised.value)
    assert isinstance(raised.value, StoreError)  # callers that catch StoreError still do
    assert store.messages(dialogue) == []
    store._conn.execute("PRAGMA max_page_count = 1073741823")
    store.add_message(dialogue, Message("user", "x" * 50_000))
    assert len(store.messages(dialogue)) == 1


def test_an_attachment_on_a_full_disk_is_a_store_full_error(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialogue = store.create_dialogue("Picture")
    message = store.add_message(dialogue, Message("user", "look"))

    def no_space(path: Path, data: bytes) -> None:
        path.write_bytes(data[:1])  # a start, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(attachment_store, "write_private", no_space)
    with pytest.raises(StoreFull, match="no space left"):
        store.add_attachment(message, b"\x89PNG", "png", "image/png", "red.png")
    assert not list(store.attachments_dir.glob("*"))  # no temp file left behind
