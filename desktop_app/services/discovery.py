"""First-run discovery of an OpenAI-compatible server on this computer.

Looks at the usual ports of Ollama, LM Studio, llama.cpp's server, vLLM and LiteLLM
(`DISCOVERY_URLS`) with a short timeout, all at once, in worker threads (the standard
library's urllib; no SDK needed). What answers is named by what it says about itself
(core/server_kinds.py) — Ollama on llama.cpp's port is still Ollama. A server without
`/v1/models` (or one that refuses it without a key, as a LiteLLM proxy does) is found by its
own endpoint or its health check, with the models that endpoint names, if any.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from desktop_app.core.providers import DISCOVERY_URLS, PRESETS
from desktop_app.core.server_kinds import (
    CUSTOM,
    HEALTH,
    SIGNATURES,
    kind_by_models,
    models_from_own_endpoint,
    root_of,
)

DISCOVERY_TIMEOUT = 0.6
MAX_BODY = 1_000_000
_UNREACHABLE = object()  # nothing listens there (or it never answered)


@dataclass(frozen=True)
class FoundServer:
    provider: str
    base_url: str
    models: tuple[str, ...]

    @property
    def label(self) -> str:
        if self.provider == CUSTOM:
            return "an OpenAI-compatible server"
        return PRESETS[self.provider].label


def _get(url: str, timeout: float) -> Any:
    """The JSON (or text) of a 2xx answer; None for any other answer; `_UNREACHABLE` when
    the connection failed or timed out."""
    import urllib.error  # imports ssl, http and email: not worth paying for at start-up
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            raw = response.read(MAX_BODY)
    except urllib.error.HTTPError as exc:  # it answered, with an error
        exc.close()
        return None
    except (OSError, ValueError):  # URLError, refused, reset, timed out
        return _UNREACHABLE
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def _listed(body: Any) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(ids, owners) of a `/v1/models` answer, or None if it is not one."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        return None
    models = [m for m in body["data"] if isinstance(m, dict) and m.get("id")]
    return tuple(str(m["id"]) for m in models), tuple(str(m.get("owned_by", "")) for m in models)


def identify(base_url: str, timeout: float = DISCOVERY_TIMEOUT) -> FoundServer | None:
    """What answers at `base_url`, or None when nothing does (blocking: run in a thread)."""
    answer = _get(f"{base_url.rstrip('/')}/models", timeout)
    if answer is _UNREACHABLE:
        return None
    listed = _listed(answer)
    ids, owners = listed if listed is not None else ((), ())
    kind = kind_by_models(owners, ids)
    if kind is not None:
        return FoundServer(kind, base_url, ids)
    root = root_of(base_url)
    for signature in SIGNATURES:
        body = _get(f"{root}{signature.path}", timeout)
        if body is not _UNREACHABLE and body is not None and signature.matches(body):
            return FoundServer(
                signature.provider,
                base_url,
                ids or models_from_own_endpoint(signature.provider, body),
            )
    if listed is not None:
        return FoundServer(CUSTOM, base_url, ids)
    alive = _get(f"{root}{HEALTH}", timeout)
    if alive is not _UNREACHABLE and alive is not None:
        return FoundServer(CUSTOM, base_url, ())
    return None


async def discover_local(
    candidates: Sequence[str] | None = None, timeout: float = DISCOVERY_TIMEOUT
) -> list[FoundServer]:
    """The servers answering at `candidates` (base URLs), in their order."""
    urls = DISCOVERY_URLS if candidates is None else tuple(candidates)
    answers = await asyncio.gather(*(asyncio.to_thread(identify, url, timeout) for url in urls))
    return [found for found in answers if found is not None]
