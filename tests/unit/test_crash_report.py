"""Crash reports: what they hold, what they never hold, and the hooks that write them."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path

from desktop_app.services.crash_report import (
    REDACTED,
    CrashReporter,
    redact,
    report_file,
    report_text,
    secret_environment_values,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
WHEN = datetime(2025, 3, 4, 5, 6, 7)
VERSIONS = {"Parley": "0.1.0 (source)", "Python": "3.11.7", "Qt": "6.11.3"}


def raised(message: str) -> tuple[type[BaseException], BaseException, object]:
    try:
        raise ValueError(message)
    except ValueError as exc:
        return type(exc), exc, exc.__traceback__


def test_the_report_has_the_error_the_traceback_and_the_versions() -> None:
    text = report_text(raised("the disk is full"), VERSIONS, [], WHEN)  # type: ignore[arg-type]
    assert "Error: ValueError: the disk is full" in text
    assert "Time: 2025-03-04T05:06:07" in text
    assert "Traceback (most recent call last):" in text and "in raised" in text
    assert "  Qt: 6.11.3" in text and "  Parley: 0.1.0 (source)" in text


def test_known_secrets_and_key_shaped_strings_are_redacted() -> None:
    text = redact(
        "key=my-own-secret other=sk-proj-AbCdEf0123456789 header: Bearer abcdefgh12345678 ok",
        ["my-own-secret", "x"],  # one-character "secrets" are ignored, not shredded everywhere
    )
    assert text == (f"key={REDACTED} other={REDACTED} header: Bearer {REDACTED} ok")


def test_secret_environment_variables_are_found_by_name() -> None:
    environ = {"OPENAI_API_KEY": "a", "GITHUB_TOKEN": "b", "DB_PASSWORD": "c", "HOME": "/h"}
    assert sorted(secret_environment_values(environ)) == ["a", "b", "c"]


def test_report_files_are_named_by_time_and_never_overwritten(tmp_path: Path) -> None:
    first = report_file(tmp_path, WHEN)
    assert first.name == "crash-20250304-050607.txt"
    first.write_text("x")
    assert report_file(tmp_path, WHEN).name == "crash-20250304-050607-2.txt"


def make_reporter(tmp_path: Path, environ: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    notified: list[Path] = []
    reporter = CrashReporter(tmp_path / "log", lambda: VERSIONS, notified.append, environ or {})
    return reporter, notified


def test_write_redacts_every_source_and_tells_the_user(tmp_path: Path) -> None:
    env_key = "sk-env-0123456789abcdef"
    app_key = "a-custom-provider-key"
    reporter, notified = make_reporter(tmp_path, {"OPENAI_API_KEY": env_key})
    reporter.add_secret_source(lambda: [app_key])
    reporter.add_secret_source(lambda: 1 / 0)  # a broken source costs nothing
    path = reporter.write(raised(f"bad keys {env_key} {app_key}"))  # type: ignore[arg-type]
    assert path is not None and path.parent == tmp_path / "log"
    text = path.read_text(encoding="utf-8")
    assert env_key not in text and app_key not in text
    assert f"bad keys {REDACTED} {REDACTED}" in text
    assert notified == [path]


def test_a_failing_notifier_or_version_lookup_still_leaves_a_report(tmp_path: Path) -> None:
    def broken() -> dict[str, str]:
        raise RuntimeError("no versions")

    def refuse(path: Path) -> None:
        raise RuntimeError("no window")

    reporter = CrashReporter(tmp_path, broken, refuse, {})
    path = reporter.write(raised("boom"))  # type: ignore[arg-type]
    assert path is not None and "versions: unavailable (RuntimeError)" in path.read_text()


def test_install_routes_both_hooks_and_uninstall_restores_them(tmp_path: Path, capfd) -> None:  # type: ignore[no-untyped-def]
    reporter, notified = make_reporter(tmp_path)
    before = (sys.excepthook, threading.excepthook)
    seen: list[str] = []
    # The hooks there before are not called: Python's print the exception's text as it is
    # (with any key in it); the reporter prints it redacted instead.
    sys.excepthook = lambda *args: seen.append("sys")
    threading.excepthook = lambda args: seen.append("thread")
    try:
        reporter.install()
        thread = threading.Thread(target=lambda: 1 / 0, name="worker")
        thread.start()
        thread.join()
        sys.excepthook(*raised("main"))
        sys.excepthook(KeyboardInterrupt, KeyboardInterrupt(), None)  # Ctrl+C is no crash
        reporter.uninstall()
        assert sys.excepthook is not reporter.excepthook
    finally:
        sys.excepthook, threading.excepthook = before
    assert seen == []
    printed = capfd.readouterr().err
    assert "Unhandled exception in worker" in printed and "ZeroDivisionError" in printed
    assert len(notified) == 2
    assert "Where: thread worker" in notified[0].read_text()
    assert "ZeroDivisionError" in notified[0].read_text()


def test_an_exception_nobody_awaited_gets_a_report(tmp_path: Path) -> None:
    reporter, notified = make_reporter(tmp_path)
    loop = asyncio.new_event_loop()
    loop.set_exception_handler(reporter.asyncio_handler)
    loop.set_debug(False)
    try:
        error = raised("lost in a callback")[1]
        # asyncio logs it too (the default handler still runs), so silence that here
        logging.getLogger("asyncio").disabled = True
        try:
            loop.call_exception_handler({"message": "Task exception", "exception": error})
            loop.call_exception_handler({"message": "no exception here"})
        finally:
            logging.getLogger("asyncio").disabled = False
    finally:
        loop.close()
    assert len(notified) == 1
    assert "lost in a callback" in notified[0].read_text()


def test_a_crash_in_the_running_app_writes_a_report_without_the_key(tmp_path: Path) -> None:
    """End to end through app.main(): the hooks are installed and the key stays out."""
    key = "sk-test-0123456789abcdefghij"
    script = (
        "import sys\n"
        "from desktop_app import app\n"
        "async def crash(self, exit_after_first_frame=False):\n"
        f"    raise RuntimeError('the key was {key}')\n"
        "app.Parley.run = crash\n"
        "sys.exit(app.main([]))\n"
    )
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PARLEY_HOME": str(tmp_path),
        "OPENAI_API_KEY": key,
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    reports = list((tmp_path / "log").glob("crash-*.txt"))
    assert len(reports) == 1, result.stderr
    assert f"Parley ran into an unexpected error; report: {reports[0]}" in result.stderr
    text = reports[0].read_text(encoding="utf-8")
    assert "RuntimeError: the key was [redacted]" in text
    assert "Qt: 6." in text and "Parley: " in text
    assert key not in text
    log = (tmp_path / "log" / "parley.log").read_text(encoding="utf-8")
    assert f"report: {reports[0]}" in log and key not in log
