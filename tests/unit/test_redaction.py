"""The API key never leaves Parley: not in a repr, the log, stderr, a crash report, nor in a
server's error text shown in the banner and stored with the reply."""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

from desktop_app.app import setup_logging
from desktop_app.core.sentiment import SentimentAnalyzer
from desktop_app.services.chat_session import ChatSession
from desktop_app.services.crash_report import CrashReporter
from desktop_app.services.gateway import Gateway, ProviderConfig
from desktop_app.services.gateway_errors import ErrorKind, GatewayError
from desktop_app.services.store import Store
from tests.support.loop import run

KEY = "parley-test-key-7f3a9c41d2"  # not key-shaped: only knowing it can redact it


def test_a_config_never_shows_its_key() -> None:
    config = ProviderConfig("custom", "http://127.0.0.1:1/v1", KEY)
    assert KEY not in repr(config) and KEY not in str(config)


def test_log_lines_and_their_tracebacks_are_redacted(paths, capfd) -> None:  # type: ignore[no-untyped-def]
    root = logging.getLogger()
    before = list(root.handlers)
    setup_logging(paths, lambda: [KEY])
    try:
        log = logging.getLogger("parley.test")
        log.warning("the key is %s", KEY)
        try:
            raise RuntimeError(f"failed with {KEY} and sk-abcdefghijklmnop1234")
        except RuntimeError:
            log.exception("a task failed")
    finally:
        for handler in root.handlers[len(before) :]:
            handler.close()
            root.removeHandler(handler)
    written = (paths.log_dir / "parley.log").read_text("utf-8")
    assert "a task failed" in written and "RuntimeError" in written
    assert KEY not in written and "sk-abcdefghijklmnop1234" not in written
    assert KEY not in capfd.readouterr().err


def test_a_crash_in_a_thread_prints_and_reports_without_the_key(tmp_path: Path, capfd) -> None:  # type: ignore[no-untyped-def]
    reporter = CrashReporter(tmp_path, dict, lambda _path: None, environ={})
    reporter.add_secret_source(lambda: [KEY])
    reporter.install()
    try:

        def crash() -> None:
            raise ValueError(f"the key {KEY} was refused")

        thread = threading.Thread(target=crash, name="worker")
        thread.start()
        thread.join()
    finally:
        reporter.uninstall()
    printed = capfd.readouterr().err
    assert "ValueError" in printed and KEY not in printed
    [report] = reporter.reports
    assert KEY not in report.read_text("utf-8") and "[redacted]" in report.read_text("utf-8")


def test_a_server_that_echoes_the_key_in_its_401_is_redacted_in_the_banner_and_the_store(
    qloop, openai_server, tmp_path: Path
) -> None:
    openai_server.api_key = "the-right-one"
    openai_server.echo_key = True  # some proxies put the whole key they got in the error
    store = Store.open(tmp_path / "parley.db", tmp_path / "attachments")
    gateway = Gateway(ProviderConfig("custom", openai_server.url, KEY, max_retries=0))
    session = ChatSession(store, gateway, SentimentAnalyzer())
    turn = session.prepare(None, "Hello", "gpt-4o-mini", "")
    try:
        run(qloop, session.stream_reply(turn, lambda _text: None))
        raise AssertionError("the request should have been refused")
    except GatewayError as error:
        assert error.kind is ErrorKind.AUTH and "Incorrect API key" in error.message
        assert KEY not in error.message and KEY not in str(error)
    finally:
        run(qloop, gateway.aclose())
        store.close()
    with sqlite3.connect(tmp_path / "parley.db") as conn:
        errors = [row[0] for row in conn.execute("SELECT error FROM messages")]
    assert any("Incorrect API key" in e for e in errors) and not any(KEY in e for e in errors)
    sent = openai_server.requests[-1].headers.get("authorization", "")
    assert sent == f"Bearer {KEY}"  # the key itself went out as it should
