"""``OpenAIServer``: the state of the fake API and the lifetime of its HTTP server.

All state is public and guarded by ``lock`` so a test can read what the app sent
(``requests``), change what the server offers (``models``, ``api_key``, ``chunk_delay``,
``embedding_delay``, the image limits ``image_max_side`` and ``image_max_bytes``,
``assistants``, and ``unsupported`` — features that answer 404), which server it behaves
like (``personality``: llama.cpp, LiteLLM, Ollama, vLLM, LM Studio; see
``personalities.py``) and break it on purpose (``add_fault``).
Uploaded ``files`` and ``vector_stores`` are kept here too, and ``fine_tuning`` (jobs on a
clock moved by ``advance(seconds)``). The HTTP side lives in ``httpd.py`` and ``handler.py``;
the API itself in one module per resource, each registering its routes here.
"""

from __future__ import annotations

import dataclasses
import threading
from types import TracebackType
from typing import Any

from . import (
    assistants,
    chat,
    containers,
    control,
    embeddings,
    features,
    files,
    fine_tuning,
    models,
    personalities,
    responses,
    vector_stores,
)
from .faults import Fault
from .httpd import ThreadedServer
from .routing import RecordedRequest, Router

RESOURCES = (
    models, chat, responses, embeddings, files, vector_stores, assistants, fine_tuning, features,
    containers, control, personalities,
)  # fmt: skip
IMAGE_MAX_SIDE = 2048  # what the API itself scales a "high" detail image to fit
IMAGE_MAX_BYTES = 20 * 1024 * 1024


class OpenAIServer:
    """An OpenAI-compatible HTTP server on 127.0.0.1, run in a background thread."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, personality: str = "openai") -> None:
        self.host = host
        self._requested_port = port
        self.lock = threading.RLock()
        self._changed = threading.Condition(self.lock)
        self.requests: list[RecordedRequest] = []
        self.disconnects = 0
        self.models: list[dict[str, Any]] = models.default_models()
        self.api_key: str | None = None
        self.echo_key = False  # a 401 shows the whole key it was given (as some proxies do)
        self.endless_pages = ""  # "repeat" | "fresh": every list says has_more (endless.py)
        self.chunk_delay = 0.0
        self.embedding_delay = 0.0  # seconds each /v1/embeddings call takes
        self.image_max_side = IMAGE_MAX_SIDE
        self.image_max_bytes = IMAGE_MAX_BYTES
        self.faults: list[Fault] = []
        self.unsupported: set[str] = set()  # of features.FEATURES
        self.files: dict[str, dict[str, Any]] = {}
        self.vector_stores: dict[str, dict[str, Any]] = {}
        # (container id, file id) → (name, bytes): what code interpreter made
        self.container_files: dict[tuple[str, str], tuple[str, bytes]] = {}
        self.assistants: list[dict[str, Any]] = []
        self.fine_tuning = self._new_fine_tuning()
        self.persona = personalities.PERSONALITIES["openai"]
        self.personality = personality
        self.router = Router()
        for resource in RESOURCES:
            resource.register(self.router)
        self._httpd: ThreadedServer | None = None
        self._thread: threading.Thread | None = None

    # lifetime -------------------------------------------------------------------------------
    def start(self) -> OpenAIServer:
        """Bind and serve in a daemon thread; returns self so ``OpenAIServer().start()`` reads."""
        if self._httpd is not None:
            raise RuntimeError("server already started")
        self._httpd = ThreadedServer((self.host, self._requested_port), self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"openai-test-server:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, cut open connections, join every thread and close the socket."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> OpenAIServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port (known once started)."""
        if self._httpd is None:
            raise RuntimeError("server not started")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """The ``base_url`` to give the SDK, e.g. ``http://127.0.0.1:51234/v1``."""
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        return f"http://{host}:{self.port}/v1"

    # personality ----------------------------------------------------------------------------
    @property
    def personality(self) -> str:
        """Which server this one behaves like (``personalities.PERSONALITIES``)."""
        return self.persona.name

    @personality.setter
    def personality(self, name: str) -> None:
        """Behave like another server from now on: its models, the features it lacks, the
        key it requires, its error shapes and its own endpoints."""
        persona = personalities.lookup(name)
        with self.lock:
            self.persona = persona
            self._apply_persona()

    def _apply_persona(self) -> None:
        persona = self.persona
        if persona.model_ids:
            self.models = [models.make_model(m, persona.owned_by) for m in persona.model_ids]
        else:
            self.models = models.default_models()
        self.unsupported = set(persona.unsupported)
        self.api_key = persona.master_key

    # state ----------------------------------------------------------------------------------
    def add_fault(self, fault: Fault) -> Fault:
        """Queue a copy of ``fault`` (the copy's ``times`` counts down); returns the copy."""
        queued = dataclasses.replace(fault)
        with self.lock:
            self.faults.append(queued)
        return queued

    def clear_faults(self) -> None:
        """Drop every pending fault."""
        with self.lock:
            self.faults.clear()

    def take_fault(self, path: str, streaming: bool, method: str = "") -> Fault | None:
        """The first pending fault matching this request, used up by one."""
        with self.lock:
            for fault in self.faults:
                if fault.matches(path, streaming, method):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            self.faults.remove(fault)
                    return fault
        return None

    def add_model(self, model_id: str) -> dict[str, Any]:
        """Offer one more model (a ``reasoner-*`` one, say: see ``reasoning.py``)."""
        model = models.make_model(model_id)
        with self.lock:
            self.models.append(model)
        return model

    def add_assistant(self, name: str, **fields: Any) -> dict[str, Any]:
        """Offer a server-side assistant (``/v1/assistants``); returns its API object."""
        with self.lock:
            assistant = assistants.make_assistant(len(self.assistants) + 1, name, **fields)
            self.assistants.append(assistant)
        return assistant

    def record(self, request: RecordedRequest) -> None:
        """Remember a request for the test to inspect."""
        with self.lock:
            self.requests.append(request)

    def find_model(self, model_id: str) -> dict[str, Any] | None:
        """The model with this id, or None."""
        with self.lock:
            return next((dict(m) for m in self.models if m.get("id") == model_id), None)

    def note_disconnect(self) -> None:
        """Count a stream the client abandoned and wake ``wait_for_disconnect``."""
        with self._changed:
            self.disconnects += 1
            self._changed.notify_all()

    def wait_for_disconnect(self, timeout: float, count: int = 1) -> bool:
        """Block until at least ``count`` streams were abandoned; False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: self.disconnects >= count, timeout)

    def reset(self) -> None:
        """Back to a fresh server's state (the port and running threads stay)."""
        with self.lock:
            self.requests.clear()
            self.faults.clear()
            self.disconnects = 0
            self.models = models.default_models()
            self.api_key = None
            self.echo_key = False
            self.endless_pages = ""
            self.chunk_delay = 0.0
            self.embedding_delay = 0.0
            self.image_max_side = IMAGE_MAX_SIDE
            self.image_max_bytes = IMAGE_MAX_BYTES
            self.unsupported = set()
            self.files = {}
            self.vector_stores = {}
            self.container_files = {}
            self.assistants = []
            self.fine_tuning = self._new_fine_tuning()
            self._apply_persona()  # the personality stays, with its models and key

    # fine-tuning ----------------------------------------------------------------------------
    def _new_fine_tuning(self) -> fine_tuning.FineTuningState:
        state = fine_tuning.FineTuningState()
        state.on_model = self._add_fine_tuned_model
        return state

    def _add_fine_tuned_model(self, model_id: str) -> None:
        """A job succeeded: its model is listed from now on, as on the service."""
        with self.lock:
            if not any(m.get("id") == model_id for m in self.models):
                self.models.append(models.make_model(model_id, "user-parley-test"))

    def advance(self, seconds: float) -> None:
        """Move the fine-tuning clock: jobs validate, queue, run steps and finish."""
        with self.lock:
            self.fine_tuning.advance(seconds)
