"""Which server answered: Ollama, LM Studio, llama.cpp, vLLM or LiteLLM — told apart by what
each says about itself, not by the port it happens to listen on.

Pure: discovery (services/discovery.py) makes the requests and hands the answers here. Each
server has an endpoint of its own at its root (outside ``/v1``) and most name themselves in
the ``owned_by`` of their models:

- Ollama: ``GET /api/version`` → ``{"version": …}``; models ``owned_by: "library"``.
- LM Studio: ``GET /api/v0/models`` → a list with each model's ``state``; ``owned_by:
  "organization_owner"``.
- LiteLLM: ``GET /health/liveliness`` → ``"I'm alive!"`` (and no key needed for it).
- llama.cpp's server: ``GET /props`` → ``default_generation_settings``, ``model_path``; its
  one model is a file path (``/models/tiny.gguf``).
- vLLM: ``GET /version`` → ``{"version": …}``; ``owned_by: "vllm"``.

A server that answers ``/v1/models`` (or a plain ``/health``) and none of these is an
OpenAI-compatible server of some other kind: "custom".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from desktop_app.core.providers import is_model_file

CUSTOM = "custom"
OWNERS = {"library": "ollama", "organization_owner": "lmstudio", "vllm": "vllm"}
HEALTH = "/health"  # llama.cpp and vLLM answer it; a server found by it alone is "custom"


def _has_version(body: Any) -> bool:
    return isinstance(body, dict) and isinstance(body.get("version"), str)


def _lists_models(body: Any) -> bool:
    return isinstance(body, dict) and isinstance(body.get("data"), list)


def _alive(body: Any) -> bool:
    return isinstance(body, str) and "alive" in body.lower()


def _llama_props(body: Any) -> bool:
    return isinstance(body, dict) and (
        "default_generation_settings" in body or "model_path" in body
    )


@dataclass(frozen=True)
class Signature:
    provider: str
    path: str  # at the server's root, not under /v1
    matches: Callable[[Any], bool]


# In the order discovery asks; the first that matches names the server.
SIGNATURES = (
    Signature("ollama", "/api/version", _has_version),
    Signature("lmstudio", "/api/v0/models", _lists_models),
    Signature("litellm", "/health/liveliness", _alive),
    Signature("llamacpp", "/props", _llama_props),
    Signature("vllm", "/version", _has_version),
)


def root_of(base_url: str) -> str:
    """The server's root for its own endpoints: the base URL without its ``/v1``."""
    url = base_url.rstrip("/")
    return url[: -len("/v1")] if url.endswith("/v1") else url


def kind_by_models(owners: Sequence[str], model_ids: Sequence[str]) -> str | None:
    """The server a model list names (by ``owned_by``, or llama.cpp's file-path ids)."""
    for owner in owners:
        if owner in OWNERS:
            return OWNERS[owner]
    if model_ids and all(is_model_file(m) for m in model_ids):
        return "llamacpp"
    return None


def models_from_own_endpoint(provider: str, body: Any) -> tuple[str, ...]:
    """Model ids from a server's own endpoint, for a server found without ``/v1/models``:
    llama.cpp's ``/props`` names the file it loaded."""
    if provider == "llamacpp" and isinstance(body, dict):
        path = body.get("model_path")
        return (path,) if isinstance(path, str) and path else ()
    if provider == "lmstudio" and _lists_models(body):
        return tuple(str(m["id"]) for m in body["data"] if isinstance(m, dict) and m.get("id"))
    return ()
