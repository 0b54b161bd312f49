"""Naming a server by what it says about itself (core/server_kinds.py), without a network."""

from __future__ import annotations

import pytest

from desktop_app.core.server_kinds import (
    SIGNATURES,
    kind_by_models,
    models_from_own_endpoint,
    root_of,
)


@pytest.mark.parametrize(
    ("base_url", "root"),
    [
        ("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080"),
        ("http://127.0.0.1:8080/v1/", "http://127.0.0.1:8080"),
        ("http://host:4000", "http://host:4000"),
        ("http://host/proxy/v1", "http://host/proxy"),
    ],
)
def test_the_root_is_the_base_url_without_v1(base_url: str, root: str) -> None:
    assert root_of(base_url) == root


@pytest.mark.parametrize(
    ("owners", "ids", "kind"),
    [
        (("library",), ("llama3.2:1b",), "ollama"),
        (("vllm",), ("Qwen/Qwen2.5-0.5B-Instruct",), "vllm"),
        (("organization_owner",), ("qwen2.5-0.5b-instruct",), "lmstudio"),
        (("llamacpp",), ("/models/tiny.gguf",), "llamacpp"),
        (("me",), ("C:\\models\\tiny.gguf",), "llamacpp"),
        (("openai", "openai"), ("gpt-4o-mini", "claude-mock"), None),  # a proxy: ask it
        (("system",), ("gpt-4o", "/models/tiny.gguf"), None),  # not all of them files
        ((), (), None),
    ],
)
def test_a_model_list_names_its_server_where_it_can(owners, ids, kind) -> None:  # type: ignore[no-untyped-def]
    assert kind_by_models(owners, ids) == kind


def test_each_signature_takes_only_its_own_answer() -> None:
    answers = {
        "/api/version": {"version": "0.5.7"},
        "/api/v0/models": {"object": "list", "data": []},
        "/health/liveliness": "I'm alive!",
        "/props": {"default_generation_settings": {}, "model_path": "/m.gguf"},
        "/version": {"version": "0.8.5"},
    }
    for signature in SIGNATURES:
        assert signature.matches(answers[signature.path]), signature.provider
        assert not signature.matches("<html><title>Not Found</title></html>")
        assert not signature.matches({"detail": "Not Found"})


def test_a_server_without_a_model_list_names_its_model_where_it_says_it() -> None:
    assert models_from_own_endpoint("llamacpp", {"model_path": "/m/tiny.gguf"}) == ("/m/tiny.gguf",)
    assert models_from_own_endpoint("llamacpp", {"model_path": 3}) == ()
    listed = {"data": [{"id": "qwen", "state": "loaded"}, {"state": "not-loaded"}]}
    assert models_from_own_endpoint("lmstudio", listed) == ("qwen",)
    assert models_from_own_endpoint("litellm", "I'm alive!") == ()
