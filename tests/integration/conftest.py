"""Fixtures of the integration tests that run chat turns against the test server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from desktop_app.core.sentiment import SentimentAnalyzer
from desktop_app.services.chat_session import ChatSession
from desktop_app.services.store import Store
from tests.integration.test_gateway import gateway_for
from tests.openai_server import OpenAIServer
from tests.support.loop import run


@pytest.fixture
def chat_sessions(qloop, tmp_path: Path) -> Iterator[Callable[..., ChatSession]]:  # type: ignore[no-untyped-def]
    """Make chat sessions over one store and the given test server; their gateways are
    closed and the store after the test."""
    store = Store.open(tmp_path / "parley.db", tmp_path / "attachments")
    made: list[ChatSession] = []

    def make(server: OpenAIServer, **options: Any) -> ChatSession:
        session = ChatSession(store, gateway_for(server), SentimentAnalyzer(), **options)
        made.append(session)
        return session

    yield make
    for session in made:
        run(qloop, session.gateway.aclose())
    store.close()
