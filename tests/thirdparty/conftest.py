"""Real third-party servers: the LiteLLM proxy, installed once (see litellm_install.py).

The install runs after collection, outside every test's timeout, and only when a test of this
folder was selected; its failure is kept and reported by the tests that need the proxy.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.thirdparty.litellm_install import LiteLLMUnavailable, ensure_litellm
from tests.thirdparty.litellm_server import LiteLLMProxy
from tests.ui.conftest import start_parley  # noqa: F401  (Parley started as in tests/ui)

HERE = Path(__file__).resolve().parent
_install: dict[str, object] = {}


def pytest_collection_finish(session: pytest.Session) -> None:
    if not any(Path(str(item.path)).resolve().is_relative_to(HERE) for item in session.items):
        return
    began = time.monotonic()
    try:
        _install["python"] = ensure_litellm()
    except LiteLLMUnavailable as exc:
        _install["problem"] = str(exc)
    _install["seconds"] = time.monotonic() - began


@pytest.fixture(scope="session")
def litellm_proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiteLLMProxy]:
    """The proxy for the whole session (it takes seconds to start)."""
    if "problem" in _install:
        pytest.fail(f"The LiteLLM proxy is not installed: {_install['problem']}", pytrace=False)
    python = _install.get("python") or ensure_litellm()
    proxy = LiteLLMProxy(Path(str(python)), tmp_path_factory.mktemp("litellm"))
    try:
        proxy.start()
    except LiteLLMUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    print(
        f"\nLiteLLM proxy: ready in {proxy.started_in:.1f} s "
        f"(install check {float(str(_install.get('seconds', 0))):.1f} s)"
    )
    yield proxy
    proxy.stop()
