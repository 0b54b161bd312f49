"""The model list for the pickers: cached per provider in the store, refreshed from the server.

The cache is what makes the picker work offline and fill instantly at start-up. It also keeps
the shutdown date a server gives for a model (and a replacement, where it names one), so a
retiring model is flagged wherever it is picked, offline too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from desktop_app.core.context_windows import context_from_entry, known_context
from desktop_app.core.fine_tuning_jobs import model_label
from desktop_app.core.lifecycle import Retirement, retirement
from desktop_app.core.pricing import PriceTable
from desktop_app.services.gateway import Gateway, ModelInfo
from desktop_app.services.store import Store

# Models that cannot chat; hidden from the chat picker.
_NOT_CHAT = ("embedding", "whisper", "tts", "dall-e", "moderation", "davinci-002", "babbage-002")
# Where servers other than OpenAI's (which lists `shutdown_date`) put the date a model goes
# away, and what to use instead.
_SHUTDOWN_KEYS = ("shutdown_at", "deprecation_date")
_REPLACEMENT_KEYS = ("replacement", "replacement_model", "recommended_replacement")


def is_chat_model(model_id: str) -> bool:
    return not any(word in model_id for word in _NOT_CHAT)


def _first(model: ModelInfo, keys: tuple[str, ...]) -> str:
    for key in keys:
        value = model.extra.get(key)
        if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
            return str(value).strip()
    return ""


def lifecycle_of(models: list[ModelInfo]) -> dict[str, tuple[str, str]]:
    """Model id → (shutdown date, replacement) for the models whose entry gives a date."""
    found = {}
    for model in models:
        when = model.shutdown_date or _first(model, _SHUTDOWN_KEYS)
        if when:
            found[model.id] = (when, _first(model, _REPLACEMENT_KEYS))
    return found


class ModelCatalog:
    def __init__(
        self,
        store: Store,
        gateway: Gateway,
        prices: Callable[[], PriceTable] | None = None,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.store = store
        self.gateway = gateway
        self.prices = prices  # the price table may know retirements the server does not say
        self.today = today
        self._lifecycle: dict[str, dict[str, tuple[str, str]]] = {}
        self._contexts: dict[str, dict[str, int]] = {}  # what servers said of their windows

    @property
    def provider_key(self) -> str:
        """Cache key: the same preset pointed at another server has other models."""
        return self.gateway.config.cache_key

    def cached(self) -> list[str]:
        models = [*self.store.cached_models(self.provider_key), *self.descriptions()]
        return [m for m in dict.fromkeys(models) if is_chat_model(m)]

    async def refresh(self) -> list[str]:
        """Fetch from the server (raises GatewayError) and update the cache. Models made by
        fine-tuning jobs stay listed even where the server's list leaves them out."""
        models = await self.gateway.list_models()
        key = self.provider_key
        self.store.cache_models(key, [(m.id, m.owned_by, m.created) for m in models])
        lifecycle = lifecycle_of(models)
        self.store.set_model_lifecycle(key, lifecycle)
        self._lifecycle[key] = lifecycle
        self._contexts[key] = {
            m.id: tokens for m in models if (tokens := context_from_entry(m.extra)) is not None
        }
        ids = [*(m.id for m in models), *self.descriptions()]
        return [m for m in dict.fromkeys(ids) if is_chat_model(m)]

    def context_window(self, model: str) -> int | None:
        """The model's context in tokens, as its server listed it or, on OpenAI's own
        servers, as published; None when unknown."""
        listed = self._contexts.get(self.provider_key, {}).get(model)
        if listed is not None:
            return listed
        return known_context(model) if self.gateway.config.is_openai else None

    def descriptions(self) -> dict[str, str]:
        """Fine-tuned models (from the job registry) → what their job was described as."""
        return {
            model: model_label(model, text)
            for model, text in self.store.fine_tuned_models(self.provider_key).items()
        }

    def add_fine_tuned(self, model_id: str) -> None:
        """A job succeeded: its model joins the cached list at once."""
        self.store.remember_model(self.provider_key, model_id, "fine-tune")

    def retirement(self, model: str) -> Retirement | None:
        """The model's retirement if it is due within 90 days (or past), else None."""
        key = self.provider_key
        if key not in self._lifecycle:
            self._lifecycle[key] = self.store.model_lifecycle(key)
        table = self.prices() if self.prices is not None else None
        return retirement(model, self._lifecycle[key], table, self.today())
