"""What a provider can do, found out with cheap requests and cached in the store.

Each probe sends a request the server must reject or can answer without generating anything:
an empty `messages` list (with a one-token cap, for servers that generate on it anyway), an
empty Responses input, a one-item list of files or jobs. An endpoint counts as present only on
evidence: a 2xx, a "model not found", or a 400/422 that names the request's content (its
`param`, or a field we sent). A 400 about anything else — a gateway with no database, a missing
key — proves nothing: the answer stays unknown and the server's reason is kept. 404/405/501
on the route mean the endpoint is missing. Probes use no retries and a short timeout.

Results are cached per provider, base URL and key (a digest of it, never the key), and expire:
a full answer after a week, one with unknowns after an hour; an unreachable server's is not
cached at all. The user can ask again by hand (`forget`).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from desktop_app.core.server_text import first_sentence
from desktop_app.services.gateway import Gateway
from desktop_app.services.gateway_errors import server_reason

if TYPE_CHECKING:
    from desktop_app.services.gateway import ProviderConfig
    from desktop_app.services.store import Store

PROBE_TIMEOUT = 5.0
YES, NO, UNKNOWN = "yes", "no", "unknown"
KNOWN_FOR = 7 * 24 * 3600.0  # seconds a complete answer is trusted
UNSURE_FOR = 3600.0  # … and one with unknowns in it
PROBE_MODEL = "parley-capability-probe"
# Words of the probes' own requests: an error that names one is about the content we sent.
_CONTENT_WORDS = ("messages", "input", "model", "limit", PROBE_MODEL)
_CREDENTIAL_WORDS = ("api key", "api_key", "apikey", "credential", "unauthorized", "authenticat")
_CONTENT_CODES = ("model_not_found", "invalid_value", "empty_array", "missing_required_parameter")


@dataclass(frozen=True)
class Capabilities:
    models: str = UNKNOWN
    chat_completions: str = UNKNOWN
    responses: str = UNKNOWN
    files: str = UNKNOWN
    fine_tuning: str = UNKNOWN
    fine_tuning_note: str = ""
    # Why an endpoint is "no" or "unknown", in the server's words where it gave any.
    reasons: dict[str, str] = field(default_factory=dict)
    answered: bool = True  # the server answered every probe (it is online)

    @property
    def complete(self) -> bool:
        """True when every answer is known."""
        return UNKNOWN not in (
            self.models,
            self.chat_completions,
            self.responses,
            self.files,
            self.fine_tuning,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Capabilities:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def cache_key(config: ProviderConfig) -> str:
    """Provider, base URL and a digest of the key: another key may be allowed other things."""
    digest = hashlib.sha256(config.api_key.encode()).hexdigest()[:16] if config.api_key else "-"
    return f"{config.cache_key}#{digest}"


def cached(store: Store, config: ProviderConfig, now: float) -> dict[str, Any] | None:
    """The last answer for this provider, base URL and key, unless it has expired."""
    found = store.load_capabilities_with_time(cache_key(config))
    if found is None:
        return None
    data, probed_at = found
    trusted = KNOWN_FOR if Capabilities.from_dict(data).complete else UNSURE_FOR
    return data if 0 <= now - probed_at < trusted else None


def remember(store: Store, config: ProviderConfig, capabilities: Capabilities) -> None:
    """Keep an answer (not an unreachable server's: that says nothing about the server)."""
    if capabilities.answered:
        store.save_capabilities(cache_key(config), capabilities.to_dict())


def forget(store: Store, config: ProviderConfig) -> None:
    """Ask the server again next time (Check again)."""
    store.forget_capabilities(cache_key(config))


def _names_the_request(exc: Any, said: str) -> bool:
    """A 400/422 that is about what the probe sent (so the route exists)."""
    if getattr(exc, "param", None) or getattr(exc, "code", None) in _CONTENT_CODES:
        return True
    text = said.lower()
    if any(word in text for word in _CREDENTIAL_WORDS):
        return False
    return any(word in text for word in _CONTENT_WORDS)


def _verdict(exc: BaseException | None) -> tuple[str, str, bool]:
    """A probe's outcome: yes/no/unknown, the reason for a no or an unknown, and whether the
    server answered at all."""
    if exc is None:
        return YES, "", True
    import openai

    if not isinstance(exc, openai.APIStatusError):
        return UNKNOWN, "the server did not answer", False
    said = server_reason(exc)
    quoted = f"the server said: {first_sentence(said)}" if said else ""
    status = exc.status_code
    if isinstance(exc, openai.NotFoundError):
        if getattr(exc, "code", None) == "model_not_found":  # from an endpoint that exists
            return YES, "", True
        return NO, "the server has no such endpoint", True
    if isinstance(exc, openai.AuthenticationError):
        return UNKNOWN, quoted or "the server refused the API key", True
    if isinstance(exc, openai.PermissionDeniedError):
        denied = "this account is not allowed to use it"
        return NO, f"{denied}; {quoted}" if quoted else denied, True
    if isinstance(exc, openai.BadRequestError | openai.UnprocessableEntityError):
        if _names_the_request(exc, said):
            return YES, "", True
        return UNKNOWN, quoted or f"the server refused the check ({status})", True
    if status in (405, 501):
        return NO, quoted or "the server does not implement it", True
    return UNKNOWN, quoted or f"the server answered {status}", True


async def _outcome(call: Callable[[], Awaitable[Any]]) -> tuple[str, str, bool]:
    try:
        await call()
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        return _verdict(exc)
    return _verdict(None)


async def probe(gateway: Gateway) -> Capabilities:
    client = (await gateway.client()).with_options(max_retries=0, timeout=PROBE_TIMEOUT)
    calls: dict[str, Callable[[], Awaitable[Any]]] = {
        "models": lambda: client.models.list(),
        # A server that generates on an empty conversation (llama.cpp) stops after one token.
        "chat_completions": lambda: client.chat.completions.create(
            model=PROBE_MODEL, messages=[], max_tokens=1
        ),
        "responses": lambda: client.responses.create(
            model=PROBE_MODEL, input=[], max_output_tokens=16
        ),
        "files": lambda: client.files.list(limit=1),
        "fine_tuning": lambda: client.fine_tuning.jobs.list(limit=1),
    }
    results = await asyncio.gather(*(_outcome(c) for c in calls.values()))
    answers = dict(zip(calls, results, strict=True))
    return Capabilities(
        **{name: verdict for name, (verdict, _, _) in answers.items()},
        fine_tuning_note=answers["fine_tuning"][1],
        reasons={name: why for name, (_, why, _) in answers.items() if why},
        answered=all(answered for _, _, answered in answers.values()),
    )
