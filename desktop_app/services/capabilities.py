"""What a provider can do, found out once with cheap requests and cached in the store.

Each probe sends a request the server must reject or answer without generating anything: an
empty `messages` list, an empty Responses input, a one-item list of files or jobs. A 400 or a
model error means the endpoint exists; a 404 on the route means it does not. Probes use no
retries and a short timeout, and an unknown answer (offline, refused key) is not cached.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Any

from desktop_app.services.gateway import Gateway

PROBE_TIMEOUT = 5.0
YES, NO, UNKNOWN = "yes", "no", "unknown"


@dataclass(frozen=True)
class Capabilities:
    models: str = UNKNOWN
    chat_completions: str = UNKNOWN
    responses: str = UNKNOWN
    files: str = UNKNOWN
    fine_tuning: str = UNKNOWN
    fine_tuning_note: str = ""

    @property
    def complete(self) -> bool:
        """True when every answer is known, so the result is worth caching."""
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


def _verdict(exc: BaseException | None) -> tuple[str, str]:
    """Map a probe's outcome to yes/no/unknown with a reason for 'no'."""
    if exc is None:
        return YES, ""
    import openai

    if isinstance(exc, openai.NotFoundError):
        code = getattr(exc, "code", None)
        # "model not found" comes from an endpoint that exists.
        return (YES, "") if code == "model_not_found" else (NO, "the server has no such endpoint")
    if isinstance(exc, openai.PermissionDeniedError):
        return NO, "this account is not allowed to use it"
    if isinstance(exc, openai.BadRequestError | openai.UnprocessableEntityError):
        return YES, ""
    if isinstance(exc, openai.APIStatusError) and exc.status_code in (405, 501):
        return NO, "the server does not implement it"
    return UNKNOWN, ""


async def _outcome(call: Callable[[], Awaitable[Any]]) -> tuple[str, str]:
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
        "chat_completions": lambda: client.chat.completions.create(
            model="parley-capability-probe", messages=[]
        ),
        "responses": lambda: client.responses.create(model="parley-capability-probe", input=[]),
        "files": lambda: client.files.list(limit=1),
        "fine_tuning": lambda: client.fine_tuning.jobs.list(limit=1),
    }
    results = await asyncio.gather(*(_outcome(c) for c in calls.values()))
    answers = dict(zip(calls, results, strict=True))
    return Capabilities(
        **{name: verdict for name, (verdict, _) in answers.items()},
        fine_tuning_note=answers["fine_tuning"][1],
    )
