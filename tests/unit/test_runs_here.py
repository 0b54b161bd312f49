"""Which servers run here (free unless priced) and which bill."""

from __future__ import annotations

import pytest

from desktop_app.core.providers import runs_here


@pytest.mark.parametrize(
    ("provider", "base_url", "here"),
    [
        ("ollama", "http://127.0.0.1:11434/v1", True),
        ("custom", "http://127.0.0.1:1234/v1", True),
        ("custom", "http://localhost:8080/v1", True),
        ("custom", "http://192.168.1.20:8000/v1", True),
        ("custom", "http://[::1]:8000/v1", True),
        ("custom", "http://gpu-box.local:8000/v1", True),
        ("custom", "https://api.together.xyz/v1", False),
        ("custom", "", False),
        ("openai", "http://127.0.0.1:9/v1", False),
        ("litellm", "http://127.0.0.1:4000/v1", False),
        ("openrouter", "https://openrouter.ai/api/v1", False),
    ],
)
def test_runs_here(provider: str, base_url: str, here: bool) -> None:
    assert runs_here(provider, base_url) is here
