"""Server *personalities*: the test server behaving like the OpenAI-compatible servers people
run, as issue 14 found them (llama-cpp-python 0.3.x / llama.cpp's server, a LiteLLM 1.80
proxy, Ollama, vLLM, LM Studio).

``OpenAIServer(personality="llamacpp")`` or ``server.personality = "litellm"`` (also
``--personality`` and ``POST /_control/personality``). The default, ``"openai"``, is the
server exactly as it always was. A personality is data: what its model list says, which
features it lacks and how it says so, how it shapes an error, whether it streams usage, which
token-cap names it reads, and the endpoints of its own it answers (what discovery looks for).
Where the server's code asks, it asks the personality (``server.persona``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import error_response
from .routing import BytesResponse, JSONResponse, Request, Response, Router

if TYPE_CHECKING:
    from .server import OpenAIServer

Endpoint = Callable[["OpenAIServer"], Response]
LLAMA_MODEL = "/models/tiny.gguf"
LITELLM_KEY = "sk-litellm-master"
NO_DB = "No connected db."
NO_TOOLS = "tools param requires --jinja flag"
PREMIUM = "Only premium users can use this endpoint. Get a LiteLLM Enterprise license."


@dataclass(frozen=True)
class Personality:
    name: str
    model_ids: tuple[str, ...] = ()  # empty: the default OpenAI models
    owned_by: str = "system"
    unsupported: frozenset[str] = frozenset()  # of features.FEATURES
    missing_status: int = 404  # how a feature it lacks answers (LiteLLM: 500)
    fastapi_errors: bool = False  # {"detail": "text"} instead of {"error": {...}}
    stream_usage: bool = True  # honours stream_options.include_usage
    token_caps: tuple[str, ...] = ("max_completion_tokens", "max_tokens")
    generates_on_empty: bool = False  # messages: [] is a conversation like any other
    any_model: bool = False  # serves whatever model name it is sent (one model loaded)
    master_key: str | None = None  # a key it requires (api_key on switching to it)
    keyless: str = "401"  # "no_db": LiteLLM without a database, whatever the key problem
    endpoints: dict[str, Endpoint] = field(default_factory=dict)  # GET path → answer
    public: frozenset[str] = frozenset()  # paths that need no key (health checks)
    # Not "" : it has no function calling and answers a request with `tools` 400, so.
    tools_refused: str = ""


def _json(body: Any) -> Endpoint:
    return lambda _server: JSONResponse(body)


def _text(text: str) -> Endpoint:
    return lambda _server: BytesResponse(text.encode(), "text/plain; charset=utf-8")


def _llama_props(server: OpenAIServer) -> Response:
    return JSONResponse(
        {
            "default_generation_settings": {"n_ctx": 2048, "temperature": 0.8, "n_predict": -1},
            "total_slots": 1,
            "model_path": LLAMA_MODEL,
            "chat_template": "{% for message in messages %}{{ message.content }}{% endfor %}",
            "build_info": "b5000-parley-test",
        }
    )


def _ollama_tags(server: OpenAIServer) -> Response:
    with server.lock:
        names = [str(m.get("id")) for m in server.models]
    models = [{"name": n, "model": n, "size": 1_300_000_000, "details": {}} for n in names]
    return JSONResponse({"models": models})


def _lmstudio_models(server: OpenAIServer) -> Response:
    with server.lock:
        names = [str(m.get("id")) for m in server.models]
    data = [{"id": n, "object": "model", "type": "llm", "state": "loaded"} for n in names]
    return JSONResponse({"object": "list", "data": data})


_ALL_BUT_CHAT = frozenset(("responses", "files", "vector_stores", "assistants", "fine_tuning"))

PERSONALITIES: dict[str, Personality] = {
    p.name: p
    for p in (
        Personality("openai"),
        Personality(
            "llamacpp",
            model_ids=(LLAMA_MODEL,),
            owned_by="me",
            unsupported=_ALL_BUT_CHAT,
            fastapi_errors=True,
            stream_usage=False,
            token_caps=("max_tokens",),
            generates_on_empty=True,
            any_model=True,
            endpoints={"/health": _json({"status": "ok"}), "/props": _llama_props},
            public=frozenset(("/health",)),
        ),
        Personality(
            "litellm",
            model_ids=("gpt-4o-mini", "claude-mock", "mock-responses"),
            owned_by="openai",
            unsupported=frozenset(("files", "vector_stores", "assistants", "fine_tuning")),
            missing_status=500,
            master_key=LITELLM_KEY,
            keyless="no_db",
            endpoints={
                "/health/liveliness": _json("I'm alive!"),
                "/health/readiness": _json({"status": "connected", "db": "Not connected"}),
            },
            public=frozenset(("/health/liveliness", "/health/readiness")),
        ),
        Personality(
            "ollama",
            model_ids=("llama3.2:1b", "qwen2.5:0.5b"),
            owned_by="library",
            unsupported=_ALL_BUT_CHAT,
            endpoints={
                "/": _text("Ollama is running"),
                "/api/version": _json({"version": "0.5.7"}),
                "/api/tags": _ollama_tags,
            },
            public=frozenset(("/", "/api/version", "/api/tags")),
        ),
        # llama.cpp's own server started without --jinja: its chat template knows no tools.
        Personality(
            "notools",
            model_ids=(LLAMA_MODEL,),
            owned_by="llamacpp",
            unsupported=_ALL_BUT_CHAT,
            any_model=True,
            tools_refused=NO_TOOLS,
            endpoints={"/health": _json({"status": "ok"}), "/props": _llama_props},
            public=frozenset(("/health",)),
        ),
        Personality(
            "vllm",
            model_ids=("Qwen/Qwen2.5-0.5B-Instruct",),
            owned_by="vllm",
            unsupported=frozenset(("files", "vector_stores", "assistants", "fine_tuning")),
            endpoints={"/version": _json({"version": "0.8.5"}), "/health": _text("")},
            public=frozenset(("/version", "/health")),
        ),
        Personality(
            "lmstudio",
            model_ids=("qwen2.5-0.5b-instruct",),
            owned_by="organization_owner",
            unsupported=_ALL_BUT_CHAT,
            endpoints={"/api/v0/models": _lmstudio_models},
            public=frozenset(("/api/v0/models",)),
        ),
    )
}
ENDPOINTS = sorted({path for p in PERSONALITIES.values() for path in p.endpoints})


def lookup(name: str) -> Personality:
    try:
        return PERSONALITIES[name]
    except KeyError:
        raise ValueError(f"personality must be one of {', '.join(PERSONALITIES)}") from None


# --- how each personality says what went wrong ------------------------------------------------


def reshape_error(persona: Personality, response: JSONResponse) -> JSONResponse:
    """An OpenAI-shaped error as this server would send it: FastAPI's ``{"detail": …}``
    (``"Not Found"`` for a route it does not have), LiteLLM's string codes."""
    error = response.body.get("error") if isinstance(response.body, dict) else None
    if response.status < 400 or not isinstance(error, dict):
        return response
    message = str(error.get("message") or "")
    if persona.fastapi_errors:
        if response.status == 404 and message.startswith("Invalid URL"):
            message = "Not Found"
        return JSONResponse({"detail": message}, response.status, response.headers)
    if persona.name == "litellm":
        body = {**error, "param": str(error.get("param")), "code": str(response.status)}
        return JSONResponse({"error": body}, response.status, response.headers)
    return response


def missing_feature(request: Request) -> JSONResponse:
    """What a server answers for a feature it lacks: the unknown-route 404, or LiteLLM's 500."""
    persona = request.server.persona
    if persona.missing_status == 500:
        return error_response(500, PREMIUM, "internal_server_error")
    return error_response(404, f"Invalid URL ({request.method} {request.path})")


def keyless_answer(persona: Personality) -> JSONResponse | None:
    """LiteLLM with a master key and no database answers 400 to a missing or wrong key,
    with a reason that does not mention the key."""
    if persona.keyless == "no_db":
        return error_response(400, NO_DB, "no_db_connection")
    return None


# --- routes -----------------------------------------------------------------------------------


def _endpoint(path: str) -> Callable[[Request], Response]:
    def answer(request: Request) -> Response:
        found = request.server.persona.endpoints.get(path)
        if found is None:
            return error_response(404, f"Invalid URL ({request.method} {request.path})")
        return found(request.server)

    return answer


def set_personality(request: Request) -> JSONResponse:
    """``POST /_control/personality {"name": "llamacpp"}``."""
    name = request.body.get("name") if isinstance(request.body, dict) else None
    if not isinstance(name, str) or name not in PERSONALITIES:
        return error_response(400, f"name must be one of {', '.join(PERSONALITIES)}")
    request.server.personality = name
    return JSONResponse({"name": name})


def register(router: Router) -> None:
    for path in ENDPOINTS:
        router.add("GET", path, _endpoint(path))
    router.add("POST", "/_control/personality", set_personality)
