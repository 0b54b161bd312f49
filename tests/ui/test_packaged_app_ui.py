"""The app's packaging-facing UI: window icon, About (version and paths), crash notices."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

from desktop_app.app import Parley
from desktop_app.services.app_info import app_version
from desktop_app.services.paths import AppPaths
from desktop_app.services.settings import Settings, save_settings
from desktop_app.ui.app_icon import app_icon
from desktop_app.ui.crash_notice import CrashNoticeNotifier, install_crash_reporting
from desktop_app.ui.main_window import MainWindow
from tests.openai_server import OpenAIServer
from tests.support.fake_keyring import FakeKeyring
from tests.support.loop import run


def test_the_app_icon_has_every_size(qapp) -> None:  # type: ignore[no-untyped-def]
    icon = app_icon()
    assert not icon.isNull()
    assert {size.width() for size in icon.availableSizes()} >= {16, 32, 48, 256}


def test_about_shows_the_version_and_every_folder(qtbot, paths: AppPaths) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow()
    qtbot.addWidget(window)
    window.set_paths(paths)
    text = window.about_text()
    assert app_version() in text and "(source)" in text
    for folder in (paths.data_dir, paths.config_dir, paths.log_dir, paths.cache_dir):
        assert str(folder) in text
    window.show_about()
    qtbot.waitUntil(window.about_box.isVisible)
    assert window.about_box.text() == text
    window.about_box.close()


def test_a_report_written_in_a_worker_thread_is_shown_on_the_gui_thread(
    qtbot,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    notifier = CrashNoticeNotifier()
    report = tmp_path / "crash-20250101-000000.txt"
    worker = threading.Thread(target=notifier.notify, args=(report,))
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: bool(notifier.boxes) and notifier.boxes[0].isVisible())
    box = notifier.boxes[0]
    assert str(report) in box.text()
    box.close()
    qtbot.waitUntil(lambda: not notifier.boxes)


def test_the_keys_in_the_keyring_and_environment_never_reach_a_crash_report(
    qapp, qtbot, qloop, paths: AppPaths, openai_server: OpenAIServer, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    # Neither key has the "sk-" shape that would give it away: only knowing them redacts them.
    keyring_key = "keyring-key-for-a-custom-server-42"
    env_key = "environment-key-0123"
    monkeypatch.setenv("OPENAI_API_KEY", env_key)
    keyring = FakeKeyring()
    keyring.set_password("Parley", "custom", keyring_key)
    save_settings(
        replace(Settings(), provider="custom", base_url=openai_server.url), paths.settings_file
    )
    parley = Parley(qapp, paths, secret_backend=keyring, discovery_candidates=[])
    qtbot.addWidget(parley.window)
    reporter = install_crash_reporting(qapp, paths.log_dir)
    try:
        reporter.add_secret_source(parley.secrets_in_use)
        run(qloop, parley.start())
        assert parley.chat is not None and parley.chat.gateway.config.api_key == keyring_key
        try:
            raise RuntimeError(f"keys: {keyring_key} {env_key}")
        except RuntimeError as exc:
            path = reporter.write((type(exc), exc, exc.__traceback__))
    finally:
        reporter.uninstall()
        run(qloop, parley.shutdown())
    assert path is not None
    text = path.read_text(encoding="utf-8")
    assert keyring_key not in text and env_key not in text
    assert "keys: [redacted] [redacted]" in text
    assert "Qt platform: offscreen" in text
