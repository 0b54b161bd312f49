"""Nothing private leaks: the key, and the files Parley writes.

The API key leaves Parley only in the Authorization header: whichever way it was set (the
keyring, the plain file the user agreed to, `OPENAI_API_KEY`), and whatever goes wrong (a
refused key, a proxy echoing it in the 401, a crash in a thread, a failing background task,
an asyncio error nobody awaited), no file under PARLEY_HOME (the database and its WAL
included), no export, no stderr line and no text in the window holds it. The one exception is
the plain file itself (`config/credentials.json`), which the user agreed to keep it in.

And every folder under PARLEY_HOME is 0700 and every file 0600 (POSIX), even with a umask that
would make them readable by everyone, and an older install's loose modes are tightened.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyring.backends.fail import Keyring as NoKeyring
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from desktop_app.app import Parley, setup_logging
from desktop_app.services.crash_report import CrashReporter
from desktop_app.services.paths import AppPaths
from desktop_app.services.secrets import PLAIN_FILE, SERVICE, SecretStore
from desktop_app.services.settings import Settings
from tests.openai_server import OpenAIServer
from tests.support.chat import send_and_wait, type_and_send
from tests.support.images import write_image
from tests.support.loop import run, run_until
from tests.support.training_data import labelled_csv

# Recognisable, and not shaped like an API key: only knowing it can take it out.
SECRET = "parley-e2e-secret-51c0ffee"


@pytest.fixture
def reporting(qloop, paths: AppPaths) -> Iterator[CrashReporter]:  # type: ignore[no-untyped-def]
    """What `app.main` installs: the log file, the crash reporter's hooks, asyncio's handler."""
    root = logging.getLogger()
    before = list(root.handlers)
    reporter = CrashReporter(paths.log_dir, lambda: {"Parley": "test"}, lambda _path: None)
    setup_logging(paths, reporter.secrets)
    reporter.install()
    qloop.set_exception_handler(reporter.asyncio_handler)
    yield reporter
    qloop.set_exception_handler(None)
    reporter.uninstall()
    for handler in root.handlers[len(before) :]:
        handler.close()
        root.removeHandler(handler)


def keep_the_key(way: str, paths: AppPaths, keyring, monkeypatch) -> tuple[object, bool]:  # type: ignore[no-untyped-def]
    """Set SECRET as the user would; the keyring backend to start with, and the consent."""
    if way == "keyring":
        keyring.set_password(SERVICE, "custom", SECRET)
        return keyring, False
    if way == "file":
        SecretStore(paths.config_dir, NoKeyring()).set_key("custom", SECRET, allow_file=True)
        return NoKeyring(), True
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    return NoKeyring(), False


def files_holding(root: Path, needle: bytes) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and needle in p.read_bytes())


def window_texts(parley: Parley) -> list[str]:
    return [label.text() for label in parley.window.findChildren(QLabel)]


@pytest.mark.parametrize("way", ["keyring", "file", "environment"])
def test_the_key_is_in_no_file_no_stderr_and_no_window_text(  # type: ignore[no-untyped-def]
    way, qloop, qtbot, start_parley, openai_server: OpenAIServer, paths, reporting,
    fake_keyring, monkeypatch, tmp_path: Path, capfd,
) -> None:  # fmt: skip
    backend, consent = keep_the_key(way, paths, fake_keyring, monkeypatch)
    openai_server.api_key = "the-right-one"  # every request with SECRET is refused (401)
    settings = Settings(
        provider="custom",
        base_url=openai_server.url,
        default_model="gpt-4o-mini",
        plaintext_key_consent=consent,
        first_run_done=True,
    )
    parley = start_parley(settings, secret_backend=backend)
    reporting.add_secret_source(parley.secrets_in_use)
    assert parley.chat.gateway.config.api_key == SECRET
    run_until(qloop, lambda: parley.tasks.running == 0)
    tab = parley.chat_tab

    # A 401, then one from a proxy that echoes the key it was given, in Chat and elsewhere.
    for echo in (False, True):
        openai_server.echo_key = echo
        type_and_send(qtbot, tab, f"Hello ({'echo' if echo else 'plain'})")
        run_until(qloop, lambda: not tab.busy and "API key" in tab.banner.text)
        run(qloop, parley.assistants_tab.load_server_assistants())
        run(qloop, parley.training_tab.jobs.refresh())
    assert any(r.headers.get("authorization") == f"Bearer {SECRET}" for r in openai_server.requests)

    # A crash in a thread, a failing background task, an asyncio error nobody awaited.
    def crash() -> None:
        raise RuntimeError(f"a worker failed holding {SECRET}")

    worker = threading.Thread(target=crash, name="worker")
    worker.start()
    worker.join()

    async def fail() -> None:
        raise ValueError(f"a background task failed with {SECRET}")

    failing = parley.tasks.spawn(fail())
    run_until(qloop, failing.done)
    qloop.call_exception_handler(
        {"message": "nobody awaited this", "exception": OSError(f"lost {SECRET}")}
    )
    assert len(reporting.reports) == 2  # the thread's and asyncio's

    # The user saves their history and a dataset.
    exports = tmp_path / "exports"
    exports.mkdir()
    history = parley.history_tab
    ids = [d.id for d in parley.store.list_dialogues()]
    assert ids
    for fmt in ("json", "markdown", "jsonl"):
        assert run(qloop, history.export(ids, exports / f"history.{fmt}", fmt, complete=False))
    build = parley.training_tab.build
    assert run(qloop, build.preview_source(labelled_csv(tmp_path / "qa.csv"))) is not None
    assert run(qloop, build.add_rows()) == 12
    assert run(qloop, build.save(exports / "dataset.jsonl"))

    needle = SECRET.encode()
    home = paths.data_dir.parent
    allowed = [paths.config_dir / PLAIN_FILE] if way == "file" else []
    assert files_holding(home, needle) == allowed
    assert files_holding(exports, needle) == []
    assert list(paths.data_dir.glob("parley.db*"))  # the database and its WAL were searched
    log = (paths.log_dir / "parley.log").read_text("utf-8")
    assert "Background task failed" in log and "[redacted]" in log  # it was there, taken out
    printed = capfd.readouterr()
    assert "RuntimeError" in printed.err  # the thread's traceback was printed, redacted
    assert SECRET not in printed.err and SECRET not in printed.out
    assert not [text for text in window_texts(parley) if SECRET in text]
    stored = [m.error for d in ids for m in parley.store.messages(d) if m.error]
    assert any("Incorrect API key" in e for e in stored)


# --- file modes ------------------------------------------------------------------------------

posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The umask most desktops run with: what it creates is readable by everyone."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def loose_modes(root: Path) -> list[str]:
    """Every folder not 0700 and every file not 0600 under `root`, with its mode."""
    found = []
    for path in sorted(root.rglob("*")):
        mode = stat.S_IMODE(path.lstat().st_mode)
        wanted = 0o700 if path.is_dir() else 0o600
        if mode != wanted:
            found.append(f"{path.relative_to(root)} {mode:o}")
    return found


@posix_only
def test_everything_parley_writes_is_private(  # type: ignore[no-untyped-def]
    loose_umask, qloop, qtbot, parley: Parley, paths: AppPaths, reporting, tmp_path: Path
) -> None:
    reporting.add_secret_source(parley.secrets_in_use)
    tab = parley.chat_tab
    send_and_wait(qloop, qtbot, tab, "Hello")
    composer = tab.composer
    qtbot.mouseClick(composer.attach_button, Qt.MouseButton.LeftButton)
    composer.attach_dialog.selectFile(str(write_image(tmp_path / "blue.png", colour="blue")))
    composer.attach_dialog.accept()
    run_until(qloop, lambda: len(composer.images) == 1 and composer.preparing == 0)
    send_and_wait(qloop, qtbot, tab, "And this picture?")
    worker = threading.Thread(target=lambda: 1 / 0, name="worker")
    worker.start()
    worker.join()
    assert len(reporting.reports) == 1
    parley.window.state.sync()
    exported = tmp_path / "history.json"
    ids = [d.id for d in parley.store.list_dialogues()]
    assert run(qloop, parley.history_tab.export(ids, exported, "json"))
    build = parley.training_tab.build
    assert run(qloop, build.preview_source(labelled_csv(tmp_path / "qa.csv"))) is not None
    assert run(qloop, build.add_rows()) == 12
    [dataset] = run(qloop, build.save(tmp_path / "dataset.jsonl"))

    home = paths.data_dir.parent
    written = {p.relative_to(home).as_posix() for p in home.rglob("*")}
    for expected in ("data/parley.db", "data/parley.db-wal", "data/parley.db-shm",
                     "log/parley.log", "config/settings.json", "cache"):  # fmt: skip
        assert expected in written
    assert any(name.startswith("data/attachments/") for name in written)
    assert any(name.startswith("log/crash-") for name in written)
    assert loose_modes(home) == []
    for path in (exported, dataset):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600


@posix_only
def test_an_older_installs_loose_folders_and_files_are_tightened(  # type: ignore[no-untyped-def]
    loose_umask, qloop, start_parley, paths: AppPaths
) -> None:
    (paths.data_dir / "attachments").mkdir(parents=True)
    (paths.data_dir / "attachments" / "old.png").write_bytes(b"old picture")
    (paths.log_dir / "crash-20250101-000000.txt").write_text("an old report")
    (paths.log_dir / "parley.log.1").write_text("an old log")
    for folder in (paths.data_dir, paths.config_dir, paths.cache_dir, paths.log_dir):
        folder.chmod(0o755)
    home = paths.data_dir.parent
    assert loose_modes(home)  # as an older Parley left them
    parley = start_parley(Settings(provider="custom", base_url="http://127.0.0.1:9/v1"))
    assert parley.store is not None
    assert loose_modes(home) == []
