"""Provider presets: which server to talk to and how.

Pure data, so the settings dialog, the gateway and local-server discovery share one list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class ProviderPreset:
    key: str
    label: str
    base_url: str  # empty: the SDK's default (api.openai.com)
    needs_key: bool
    local: bool = False
    default_model: str = ""


PRESETS: dict[str, ProviderPreset] = {
    p.key: p
    for p in (
        ProviderPreset("openai", "OpenAI", "", True, default_model="gpt-4o-mini"),
        ProviderPreset("azure", "Azure OpenAI", "", True),
        ProviderPreset("ollama", "Ollama", "http://127.0.0.1:11434/v1", False, local=True),
        ProviderPreset("lmstudio", "LM Studio", "http://127.0.0.1:1234/v1", False, local=True),
        ProviderPreset("llamacpp", "llama.cpp server", "http://127.0.0.1:8080/v1", False, True),
        ProviderPreset("vllm", "vLLM", "http://127.0.0.1:8000/v1", False, local=True),
        # A gateway, mostly to paid models (OpenAI, Anthropic, …): not local, so its replies
        # are priced; a proxy with a master key needs it (set in Settings), one without none.
        ProviderPreset("litellm", "LiteLLM proxy", "http://127.0.0.1:4000/v1", False),
        ProviderPreset("openrouter", "OpenRouter", "https://openrouter.ai/api/v1", True),
        ProviderPreset("custom", "Custom (OpenAI-compatible)", "", False),
    )
}


@dataclass(frozen=True)
class ProviderEntry:
    """One configured provider. `id` names it for good: its key in the keyring and the
    dialogues held with it refer to it, so two custom servers are two ids (`custom`,
    `custom-2`); `kind` is the preset that says how to talk to it."""

    id: str
    kind: str  # a key of PRESETS
    base_url: str = ""
    azure_api_version: str = "2024-10-21"
    name: str = ""  # what Settings and the model picker call it; default: the preset's label

    @property
    def label(self) -> str:
        return self.name.strip() or PRESETS[self.kind].label

    @property
    def effective_base_url(self) -> str:
        return self.base_url.strip() or PRESETS[self.kind].base_url


_ID = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


def is_provider_id(text: str) -> bool:
    """Lower-case letters, digits and dashes, starting with a letter: safe as a keyring
    account name and in a cache key."""
    return bool(_ID.match(text))


def new_provider_id(kind: str, taken: set[str] | frozenset[str]) -> str:
    """The id a newly added provider of `kind` gets: the kind itself, else `kind-2`, …"""
    if kind not in taken:
        return kind
    number = 2
    while f"{kind}-{number}" in taken:
        number += 1
    return f"{kind}-{number}"


# Local servers ignore the key but the SDK insists on one; this is what they expect to see.
PLACEHOLDER_KEY = "not-needed"

# Where first-run discovery looks, in this order: the usual ports of Ollama, LM Studio,
# llama.cpp, vLLM and LiteLLM. Whatever answers on one is told apart by what it says
# (core/server_kinds.py), not by the port.
DISCOVERY_URLS = tuple(
    PRESETS[key].base_url for key in ("ollama", "lmstudio", "llamacpp", "vllm", "litellm")
)


def is_openai_host(provider: str, base_url: str) -> bool:
    """OpenAI's or Azure OpenAI's own servers, by preset or by address. They read
    `max_completion_tokens` (and refuse `max_tokens` for reasoning models); every other server
    Parley has met reads `max_tokens` and ignores the other name."""
    if provider in ("openai", "azure"):
        return True
    host = (urlsplit(base_url).hostname or "").lower()
    return host == "api.openai.com" or host.endswith(".openai.azure.com")


_MODEL_FILE = re.compile(r"\.(gguf|ggml|bin|safetensors|llamafile)$", re.IGNORECASE)


def is_model_file(model_id: str) -> bool:
    """A model id that is a file path or a model file's name (llama.cpp names its model so)."""
    is_path = model_id.startswith(("/", "~", "./")) or "\\" in model_id
    return bool(is_path or _MODEL_FILE.search(model_id))


def provider_label(kind: str, base_url: str = "") -> str:
    """What the picker calls a provider of this kind: its preset's name, or for a custom one
    the address it is at (host and port), which says more than "Custom"."""
    preset = PRESETS.get(kind)
    if kind == "custom" and base_url:
        where = urlsplit(base_url.strip()).netloc
        if where:
            return where
    return preset.label if preset is not None else kind


def model_label(model_id: str) -> str:
    """How a model is shown. llama.cpp names its model by the file it loaded
    (`/models/tiny.gguf`, `C:\\models\\tiny.gguf`): shown by the file's name. Hub-style ids
    (`meta-llama/Llama-3.2-1B`) and everything else are shown as they are."""
    if not is_model_file(model_id):
        return model_id
    name = re.split(r"[\\/]", model_id.rstrip("/\\"))[-1]
    return name or model_id


_PAID_GATEWAYS = ("litellm", "openrouter")  # they forward to paid models, wherever they run


def runs_here(provider: str, base_url: str) -> bool:
    """A server on this computer (or the local network) that is not a gateway to paid
    models: a local preset, or any address on a loopback or private network. Its replies are
    free unless the user priced the model."""
    if provider in _PAID_GATEWAYS or provider in ("openai", "azure"):
        return False
    if provider in PRESETS and PRESETS[provider].local:
        return True
    import ipaddress

    host = (urlsplit(base_url).hostname or "").lower()
    if host in ("localhost", "") and base_url:
        return host == "localhost"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host.endswith((".local", ".localhost"))
    return address.is_loopback or address.is_private or address.is_link_local
