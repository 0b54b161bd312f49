"""The model list for the pickers: cached per provider in the store, refreshed from the server.

The cache is what makes the picker work offline and fill instantly at start-up.
"""

from __future__ import annotations

from desktop_app.core.fine_tuning_jobs import model_label
from desktop_app.services.gateway import Gateway
from desktop_app.services.store import Store

# Models that cannot chat; hidden from the chat picker.
_NOT_CHAT = ("embedding", "whisper", "tts", "dall-e", "moderation", "davinci-002", "babbage-002")


def is_chat_model(model_id: str) -> bool:
    return not any(word in model_id for word in _NOT_CHAT)


class ModelCatalog:
    def __init__(self, store: Store, gateway: Gateway) -> None:
        self.store = store
        self.gateway = gateway

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
        self.store.cache_models(self.provider_key, [(m.id, m.owned_by, m.created) for m in models])
        ids = [*(m.id for m in models), *self.descriptions()]
        return [m for m in dict.fromkeys(ids) if is_chat_model(m)]

    def descriptions(self) -> dict[str, str]:
        """Fine-tuned models (from the job registry) → what their job was described as."""
        return {
            model: model_label(model, text)
            for model, text in self.store.fine_tuned_models(self.provider_key).items()
        }

    def add_fine_tuned(self, model_id: str) -> None:
        """A job succeeded: its model joins the cached list at once."""
        self.store.remember_model(self.provider_key, model_id, "fine-tune")
