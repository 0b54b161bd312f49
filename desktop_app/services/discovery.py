"""First-run discovery of an OpenAI-compatible server on this computer.

Looks at the usual ports of Ollama, LM Studio and llama.cpp's server with a short timeout, in
worker threads (the standard library's urllib; no SDK needed), all at once.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass

from desktop_app.core.providers import LOCAL_CANDIDATES, PRESETS

DISCOVERY_TIMEOUT = 0.6


@dataclass(frozen=True)
class FoundServer:
    provider: str
    base_url: str
    models: tuple[str, ...]

    @property
    def label(self) -> str:
        return PRESETS[self.provider].label


def _models_at(base_url: str, timeout: float) -> tuple[str, ...] | None:
    import urllib.request  # imports ssl, http and email: not worth paying for at start-up

    try:
        with urllib.request.urlopen(f"{base_url}/models", timeout=timeout) as response:
            data = json.loads(response.read(1_000_000))
    except (OSError, ValueError):  # URLError is an OSError
        return None
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        return None
    return tuple(str(m.get("id")) for m in data["data"] if isinstance(m, dict) and m.get("id"))


async def discover_local(
    candidates: dict[str, str] | None = None, timeout: float = DISCOVERY_TIMEOUT
) -> list[FoundServer]:
    """Servers answering `/v1/models`, in the order of `candidates` (provider → base URL)."""
    if candidates is None:
        candidates = {key: PRESETS[key].base_url for key in LOCAL_CANDIDATES}
    answers = await asyncio.gather(
        *(asyncio.to_thread(_models_at, url, timeout) for url in candidates.values())
    )
    return [
        FoundServer(provider, url, models)
        for (provider, url), models in zip(candidates.items(), answers, strict=True)
        if models is not None
    ]
