"""Every writer makes its files 0600 and its folders 0700, whatever the umask (POSIX)."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.core.dialogue import Message
from desktop_app.services.atomic_file import write_text_atomically
from desktop_app.services.crash_report import CrashReporter
from desktop_app.services.history_store import HistoryStore
from desktop_app.services.history_transfer import export_file
from desktop_app.services.private_files import PrivateRotatingFileHandler, private_umask, tighten
from desktop_app.services.secrets import SecretStore
from desktop_app.services.store import Store
from desktop_app.services.training_writer import save_dataset
from tests.support.fake_keyring import FakeKeyring

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


@pytest.fixture(autouse=True)
def loose_umask() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_the_database_its_wal_and_shm_and_attachments(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "data" / "parley.db", tmp_path / "data" / "attachments")
    try:
        dialogue = store.create_dialogue("Private", "gpt-4o-mini")
        message = store.add_message(dialogue, Message("user", "hello"))
        attachment = store.add_attachment(message, b"\x89PNG fake", "png", "image/png")
        for name in ("parley.db", "parley.db-wal", "parley.db-shm"):
            assert mode(tmp_path / "data" / name) == 0o600, name
        assert mode(tmp_path / "data") == 0o700
        assert mode(tmp_path / "data" / "attachments") == 0o700
        assert mode(store.attachment_path(attachment)) == 0o600
    finally:
        store.close()


def test_an_existing_database_made_0644_is_made_private_when_opened(tmp_path: Path) -> None:
    Store.open(tmp_path / "parley.db", tmp_path / "attachments").close()
    (tmp_path / "parley.db").chmod(0o644)
    Store.open(tmp_path / "parley.db", tmp_path / "attachments").close()
    assert mode(tmp_path / "parley.db") == 0o600


def test_the_log_and_every_file_it_rotates_into(tmp_path: Path) -> None:
    handler = PrivateRotatingFileHandler(tmp_path / "parley.log", maxBytes=200, backupCount=2)
    log = logging.getLogger("test.private.rotation")
    log.addHandler(handler)
    log.propagate = False
    try:
        for number in range(40):
            log.warning("line %d of a log that rotates", number)
    finally:
        log.removeHandler(handler)
        handler.close()
    files = sorted(tmp_path.glob("parley.log*"))
    assert [p.name for p in files] == ["parley.log", "parley.log.1", "parley.log.2"]
    assert {mode(p) for p in files} == {0o600}


def test_crash_reports_the_key_file_and_atomic_writes(tmp_path: Path) -> None:
    reporter = CrashReporter(tmp_path / "log", dict, lambda _path: None, environ={})
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        report = reporter.write((RuntimeError, exc, exc.__traceback__))
    assert report is not None and mode(report) == 0o600 and mode(tmp_path / "log") == 0o700
    secrets = SecretStore(tmp_path / "config", FakeKeyring())
    secrets._write_file({"custom": "a key"})
    assert mode(secrets.plain_file) == 0o600 and mode(tmp_path / "config") == 0o700
    target = tmp_path / "prices.json"
    target.write_text("{}")  # an older file, 0644
    write_text_atomically(target, '{"models": {}}')
    assert mode(target) == 0o600 and target.read_text() == '{"models": {}}'
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_exports_the_user_saves_are_private_too(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "parley.db", tmp_path / "attachments")
    dialogue = store.create_dialogue("Private", "gpt-4o-mini")
    store.add_message(dialogue, Message("user", "hello"))
    store.close()
    history = HistoryStore.open(tmp_path / "parley.db", tmp_path / "attachments")
    try:
        export_file(history, [dialogue], tmp_path / "out.json", "json")
    finally:
        history.close()
    pair = [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]
    examples = [{"messages": pair}]
    written = save_dataset(examples * 40, tmp_path / "set.jsonl", fraction=0.25)
    for path in (tmp_path / "out.json", *written):
        assert mode(path) == 0o600, path.name


def test_tighten_makes_an_older_install_private_and_leaves_symlinks_alone(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("not Parley's")
    data = tmp_path / "data"
    (data / "attachments").mkdir(parents=True)
    (data / "parley.db").write_bytes(b"")
    (data / "attachments" / "a.png").write_bytes(b"png")
    (data / "link").symlink_to(outside)
    for folder in (data, data / "attachments"):
        folder.chmod(0o755)
    assert tighten([data, tmp_path / "missing"]) == 4
    assert mode(data) == mode(data / "attachments") == 0o700
    assert mode(data / "parley.db") == mode(data / "attachments" / "a.png") == 0o600
    assert mode(outside) == 0o644  # the link's target is not ours to change
    assert tighten([data]) == 0


def test_the_start_up_umask_makes_what_a_library_writes_private(tmp_path: Path) -> None:
    old = private_umask()
    try:
        (tmp_path / "by-a-library.txt").write_text("written without our helper")
        (tmp_path / "a-folder").mkdir()
    finally:
        os.umask(old)
    assert old == 0o022  # the fixture's, given back
    assert mode(tmp_path / "by-a-library.txt") == 0o600
    assert mode(tmp_path / "a-folder") == 0o700
