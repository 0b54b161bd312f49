"""A running Parley (window, services, Chat tab) against the test server."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from desktop_app.app import Parley
from desktop_app.services.paths import AppPaths
from desktop_app.services.settings import Settings, save_settings
from tests.openai_server import OpenAIServer
from tests.support.loop import run, run_until


@pytest.fixture
def start_parley(qloop, qtbot, paths: AppPaths, fake_keyring) -> Iterator[Callable[..., Parley]]:  # type: ignore[no-untyped-def]
    """Start Parley with the given settings; shut it down (tasks, client, store) at teardown."""
    started: list[Parley] = []

    def start(settings: Settings | None = None, **kwargs: Any) -> Parley:
        if settings is not None:
            save_settings(settings, paths.settings_file)
        kwargs.setdefault("secret_backend", fake_keyring)
        kwargs.setdefault("discovery_candidates", [])
        parley = Parley(QApplication.instance(), paths, **kwargs)
        parley.window.show()
        run(qloop, parley.start())
        started.append(parley)
        return parley

    yield start
    # Not qtbot.addWidget: pytest-qt would delete the window before this teardown, under the
    # feet of a reply still streaming. Shut down first (streams stop and are saved), then close.
    for parley in started:
        # Let background requests (model list, probes) end first: one cancelled mid-flight
        # leaves its socket to the garbage collector, and ResourceWarnings fail the suite.
        with contextlib.suppress(AssertionError):
            run_until(qloop, lambda p=parley: p.tasks.running == 0, timeout=10)
        run(qloop, parley.shutdown())
        parley.window.close()
        parley.window.deleteLater()


@pytest.fixture
def parley(qloop, start_parley, openai_server: OpenAIServer) -> Parley:  # type: ignore[no-untyped-def]
    """Parley pointed at the test server (a custom provider needs no key)."""
    settings = Settings(provider="custom", base_url=openai_server.url, default_model="gpt-4o-mini")
    app = start_parley(settings)
    app.test_server = openai_server  # type: ignore[attr-defined]
    # Let the start-up requests (model list, capability probes) finish, so a fault a test
    # plants is met by the request the test makes, not by a probe.
    run_until(qloop, lambda: app.tasks.running == 0, timeout=30)  # the SDK loads here first
    return app
