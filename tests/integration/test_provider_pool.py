"""One gateway per configured provider, made on first use with that provider's own key."""

from __future__ import annotations

import pytest

from desktop_app.core.providers import ProviderEntry
from desktop_app.core.sentiment import SentimentAnalyzer
from desktop_app.services.chat_session import ChatSession
from desktop_app.services.provider_pool import ProviderPool, UnknownProvider
from tests.openai_server import OpenAIServer
from tests.openai_server.models import make_model
from tests.support.loop import run


def test_each_provider_gets_its_gateway_on_first_use_with_its_own_key(qloop) -> None:  # type: ignore[no-untyped-def]
    with OpenAIServer() as work, OpenAIServer() as home:
        work.api_key, home.api_key = "sk-work", "sk-home"
        keys = {"custom-2": "sk-work", "vllm": "sk-home"}
        asked: list[str] = []

        def key_for(provider_id: str) -> str:
            asked.append(provider_id)
            return keys.get(provider_id, "")

        pool = ProviderPool(key_for)
        entries = [
            ProviderEntry("custom-2", "custom", work.url),
            ProviderEntry("vllm", "vllm", home.url),
        ]
        assert pool.configure(entries, 30.0) == []
        assert asked == [] and pool.built("vllm") is None  # nothing made before it is used

        work_gateway = run(qloop, pool.gateway("custom-2"))
        assert run(qloop, pool.gateway("custom-2")) is work_gateway and asked == ["custom-2"]
        home_gateway = run(qloop, pool.gateway("vllm"))
        assert work_gateway.config.timeout == 30.0 and home_gateway.config.provider == "vllm"
        assert [m.id for m in run(qloop, work_gateway.list_models())]
        assert [m.id for m in run(qloop, home_gateway.list_models())]
        assert work.requests[-1].headers["authorization"] == "Bearer sk-work"
        assert home.requests[-1].headers["authorization"] == "Bearer sk-home"

        # The work server moved; the home one did not: only the work gateway is let go of.
        moved = [ProviderEntry("custom-2", "custom", home.url), entries[1]]
        assert pool.configure(moved, 30.0) == [work_gateway]
        assert pool.built("vllm") is home_gateway and pool.built("custom-2") is None
        assert run(qloop, pool.gateway("custom-2")).config.base_url == home.url

        released = pool.configure([], 30.0)
        assert sorted(g.config.provider for g in released) == ["custom", "vllm"]
        with pytest.raises(UnknownProvider):
            run(qloop, pool.gateway("vllm"))
        for gateway in (work_gateway, *released):
            run(qloop, gateway.aclose())


def test_other_providers_models_come_from_the_cache_and_a_failed_refresh_keeps_them(
    qloop, paths, caplog
) -> None:  # type: ignore[no-untyped-def]
    from desktop_app.services.provider_sessions import ModelGroup, ProviderSessions
    from desktop_app.services.store import Store

    store = Store.open(paths.database, paths.attachments_dir)
    try:
        with OpenAIServer() as box:
            box.models = [make_model("big-model"), make_model("text-embedding-3-small")]
            pool = ProviderPool(lambda _pid: "")
            pool.configure(
                [
                    ProviderEntry("vllm", "vllm", box.url, name="Box"),
                    ProviderEntry("gone", "custom", "http://127.0.0.1:9/v1"),
                ],
                5.0,
            )
            store.cache_models("custom:http://127.0.0.1:9/v1", [("old-model", "", None)])
            made: list[str] = []

            def make_session(gateway, provider_id):  # type: ignore[no-untyped-def]
                made.append(provider_id)
                return ChatSession(store, gateway, SentimentAnalyzer(), provider_id=provider_id)

            others = ProviderSessions(store, pool, make_session)
            assert others.groups() == [
                ModelGroup("vllm", "Box", ()),
                ModelGroup("gone", "Custom (OpenAI-compatible)", ("old-model",)),
            ]
            with caplog.at_level("INFO"):
                run(qloop, others.refresh())  # the unreachable one does not stop the other
            assert others.groups()[0] == ModelGroup("vllm", "Box", ("big-model",))  # no embeddings
            assert others.groups()[1].models == ("old-model",)
            assert "models of gone not refreshed: Could not reach" in caplog.text
            session = run(qloop, others.session("vllm"))
            assert session.provider_id == "vllm" and run(qloop, others.session("vllm")) is session
            assert made == ["vllm"]
            for gateway in pool.release_all():
                run(qloop, gateway.aclose())
    finally:
        store.close()
