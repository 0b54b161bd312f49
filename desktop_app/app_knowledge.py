"""Knowledge wired into the running app: the bases' registry over the store and the data
folder, the Knowledge page of the Assistants tab, the Chat tab's search before a reply (the
embeddings through each base's provider), and the check for changed files soon after start."""

from __future__ import annotations

from typing import Any

KNOWLEDGE_CHECK_MS = 5000  # after start, the knowledge bases' folders are checked for changes


def wire_knowledge(app: Any, tab: Any) -> None:
    """The Knowledge page: the bases in the store, their indexes in the data folder, the
    embeddings from the main provider or another."""
    from desktop_app.services.knowledge_bases import FOLDER, KnowledgeBases

    assert app.store is not None and app.chat is not None
    store, others = app.store, app.others

    async def gateway_for(provider_id: str) -> Any:
        if not provider_id or others is None:
            assert app.chat is not None
            return app.chat.gateway
        return await others.pool.gateway(provider_id)

    def providers() -> list[tuple[str, str]]:
        entries = others.pool.entries if others is not None else []
        return [("", app._main_label()), *((e.id, e.label) for e in entries)]

    def models(provider_id: str) -> list[str]:
        if not provider_id or others is None:
            return store.cached_models(app.catalog.provider_key)
        return store.cached_models(others._cache_key(provider_id))

    bases = KnowledgeBases(store, app.paths.data_dir / FOLDER)
    tab.add_knowledge(bases, gateway_for, providers, models)

    def embed_for(base: Any) -> Any:
        async def embed(texts: list[str]) -> list[list[float]]:
            from desktop_app.services.gateway_embeddings import create_embeddings

            gateway = await gateway_for(base.provider)
            return (await create_embeddings(gateway, base.embedding_model, texts)).vectors

        return embed

    def manage() -> None:
        app.window.tabs.setCurrentWidget(tab)
        tab.show_knowledge()

    app.chat_tab.set_knowledge_source(lambda: bases, embed_for, manage)
    tab.knowledge.bases_changed.connect(app.chat_tab.forget_knowledge_indexes)
    # Changed and deleted files are noticed soon after start, off the first frame's way.
    from PySide6.QtCore import QTimer

    panel = tab.knowledge
    QTimer.singleShot(KNOWLEDGE_CHECK_MS, panel, panel.check_at_start)
