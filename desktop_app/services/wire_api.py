"""Which wire API a turn goes out on: the Responses API or chat completions.

The provider setting says "responses", "chat_completions" or "auto". Auto uses what the
capability probe found (cached per provider); when that is not known yet it tries Responses.
A server that answers "no such endpoint" is remembered (a flag in the store, per provider), so
it is asked once, not on every message. A server whose Responses API *fails* (a 5xx, "not
implemented": LiteLLM bridging a model that has none, a half-done implementation) is
remembered per provider and model — another model on the same server may have it — once chat
completions worked in its place, and the user is told once what Parley did.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from desktop_app.core.providers import model_label
from desktop_app.core.server_text import first_sentence
from desktop_app.core.wire_apis import CHAT_COMPLETIONS, RESPONSES
from desktop_app.services.capabilities import NO, cache_key
from desktop_app.services.store import Store

if TYPE_CHECKING:
    from desktop_app.services.gateway import ProviderConfig, ResponsesUnavailable


def _flag(cache_key: str) -> str:
    return f"responses_missing:{cache_key}"


def _failed_flag(cache_key: str) -> str:
    return f"responses_failed:{cache_key}"


def failed_models(store: Store, cache_key: str) -> set[str]:
    """The models whose Responses API failed on this provider (chat completions did not)."""
    try:
        models = json.loads(store.get_flag(_failed_flag(cache_key)) or "[]")
    except ValueError:
        return set()
    return {m for m in models if isinstance(m, str)} if isinstance(models, list) else set()


def choose_wire_api(store: Store, setting: str, config: ProviderConfig, model: str = "") -> str:
    if setting in (RESPONSES, CHAT_COMPLETIONS):
        return setting
    if store.get_flag(_flag(config.cache_key)):
        return CHAT_COMPLETIONS
    if model and model in failed_models(store, config.cache_key):
        return CHAT_COMPLETIONS
    capabilities = store.load_capabilities(cache_key(config)) or {}
    return CHAT_COMPLETIONS if capabilities.get("responses") == NO else RESPONSES


def remember_responses_missing(store: Store, cache_key: str) -> None:
    store.set_flag(_flag(cache_key), "1")


def remember_responses_failed(store: Store, cache_key: str, model: str) -> None:
    models = failed_models(store, cache_key) | {model}
    store.set_flag(_failed_flag(cache_key), json.dumps(sorted(models)))


def forget_wire_api(store: Store, cache_key: str) -> None:
    """Try Responses again (the user changed the server or its settings)."""
    store.set_flag(_flag(cache_key), None)
    store.set_flag(_failed_flag(cache_key), None)


def fallback_notice(error: ResponsesUnavailable, model: str) -> str:
    """What the user is told, once, when Responses failed and chat completions answered."""
    said = first_sentence(error.said).rstrip(".") if error.said else ""
    status = str(error.status) if error.status is not None else ""
    why = ": ".join(part for part in (status, said) if part)
    because = f" ({why})" if why else ""
    return (
        f"This server's Responses API failed{because}; Parley used chat completions instead "
        f"and will for {model_label(model)}."
    )
