"""First-run discovery tells servers apart by what answers, not by the port (issue 14, item 7):
each personality of the test server, on a port that is not its own, is named for what it is;
servers without `/v1/models` are still found."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest

from desktop_app.core.providers import DISCOVERY_URLS, PRESETS
from desktop_app.services.discovery import FoundServer, discover_local
from tests.openai_server import Fault, OpenAIServer
from tests.openai_server.personalities import LLAMA_MODEL
from tests.support.loop import run


def found(qloop, *servers: OpenAIServer) -> list[FoundServer]:  # type: ignore[no-untyped-def]
    return run(qloop, discover_local([s.url for s in servers], timeout=2.0))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_it_looks_on_the_ports_of_ollama_lm_studio_llama_cpp_vllm_and_litellm() -> None:
    assert [urlsplit(url).port for url in DISCOVERY_URLS] == [11434, 1234, 8080, 8000, 4000]
    assert all(urlsplit(url).hostname == "127.0.0.1" for url in DISCOVERY_URLS)


@pytest.mark.parametrize(
    ("personality", "provider", "models"),
    [
        ("ollama", "ollama", ("llama3.2:1b", "qwen2.5:0.5b")),
        ("lmstudio", "lmstudio", ("qwen2.5-0.5b-instruct",)),
        ("llamacpp", "llamacpp", (LLAMA_MODEL,)),
        ("vllm", "vllm", ("Qwen/Qwen2.5-0.5B-Instruct",)),
        ("openai", "custom", ("gpt-4o", "gpt-4o-mini", "o3-mini", "o4-mini")),
    ],
)
def test_each_server_is_named_by_what_it_answers(
    qloop, personality: str, provider: str, models: tuple[str, ...]
) -> None:
    with OpenAIServer(personality=personality) as server:  # on a random port, not its own
        [server_found] = found(qloop, server)
        assert server_found.base_url == server.url
    assert server_found.provider == provider
    assert sorted(m for m in server_found.models if "embedding" not in m) == sorted(models)


def test_litellm_is_found_by_its_health_check_though_it_refuses_the_model_list(qloop) -> None:
    with OpenAIServer(personality="litellm") as server:  # 400 "No connected db." without key
        [server_found] = found(qloop, server)
    assert (server_found.provider, server_found.models) == ("litellm", ())
    assert not PRESETS["litellm"].local  # a gateway to paid models: its replies are priced
    assert server_found.label == "LiteLLM proxy"


def test_llama_cpp_without_a_model_list_is_found_with_the_model_it_loaded(qloop) -> None:
    with OpenAIServer(personality="llamacpp") as server:
        server.add_fault(Fault(path="/v1/models", status=404, times=None))
        [server_found] = found(qloop, server)
    assert (server_found.provider, server_found.models) == ("llamacpp", (LLAMA_MODEL,))


def test_a_server_with_only_a_health_check_is_found_as_a_custom_server(qloop) -> None:
    with OpenAIServer(personality="llamacpp") as server:
        for path in ("/v1/models", "/props"):
            server.add_fault(Fault(path=path, status=404, times=None))
        [server_found] = found(qloop, server)
    assert (server_found.provider, server_found.models) == ("custom", ())
    assert server_found.label == "an OpenAI-compatible server"


def test_nothing_listening_and_a_stranger_are_not_servers(qloop) -> None:
    with OpenAIServer(personality="openai") as server:
        server.add_fault(Fault(path="*", status=404, times=None))  # a web server, not an API
        closed = f"http://127.0.0.1:{free_port()}/v1"
        answers = run(qloop, discover_local([closed, server.url], timeout=2.0))
    assert answers == []


def test_several_servers_are_reported_in_the_order_asked(qloop) -> None:
    with (
        OpenAIServer(personality="vllm") as vllm,
        OpenAIServer(personality="ollama") as ollama,
    ):
        names = [f.provider for f in found(qloop, vllm, ollama)]
    assert names == ["vllm", "ollama"]
