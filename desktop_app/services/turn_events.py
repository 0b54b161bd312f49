"""The events of one chat turn from the wire API the settings and the server choose.

In "auto", a server without the Responses API is remembered and the turn goes out again as
chat completions; one whose Responses failed before any of the reply came (a 5xx, "not
implemented") too — remembered for this model once chat completions answered, and said once
through `on_notice`. An explicit setting never falls back: it says what to change.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, Callable
from typing import TYPE_CHECKING

from desktop_app.core.assistant_request import chat_params, responses_request
from desktop_app.core.assistants import AssistantProfile
from desktop_app.core.wire_apis import AUTO, CHAT_COMPLETIONS, RESPONSES
from desktop_app.services.gateway import ChatEvent, EndpointMissing, ResponsesUnavailable
from desktop_app.services.gateway_errors import ErrorKind, GatewayError
from desktop_app.services.wire_api import (
    choose_wire_api,
    fallback_notice,
    remember_responses_failed,
    remember_responses_missing,
)

if TYPE_CHECKING:
    from desktop_app.services.chat_session import ChatSession, PendingTurn

NO_RESPONSES_TEXT = (
    "This server has no Responses API. In Settings, set the wire API to Automatic or Chat "
    "completions."
)


async def turn_events(
    session: ChatSession, turn: PendingTurn, on_notice: Callable[[str], None] | None = None
) -> AsyncGenerator[ChatEvent, None]:
    gateway, store, setting = session.gateway, session.store, session.wire_api
    config = gateway.config
    turn.local = config.runs_here
    profile = turn.assistant
    if profile is None and setting == RESPONSES:
        profile = AssistantProfile("", turn.model, turn.system)
    wire = choose_wire_api(store, setting, config, turn.model)
    failed: ResponsesUnavailable | None = None
    if profile is not None and wire == RESPONSES:
        turn.wire_api = RESPONSES
        stream = gateway.stream_responses(responses_request(profile, turn.request))
        try:
            async with contextlib.aclosing(stream):
                async for event in stream:
                    yield event
            return
        except ResponsesUnavailable as exc:
            if setting != AUTO and isinstance(exc, EndpointMissing):
                raise GatewayError(ErrorKind.NOT_SUPPORTED, NO_RESPONSES_TEXT, exc.status) from exc
            if setting != AUTO:
                raise
            if isinstance(exc, EndpointMissing):
                remember_responses_missing(store, config.cache_key)
            else:
                failed = exc
    turn.wire_api = CHAT_COMPLETIONS
    params = {}
    if turn.assistant is not None:
        tokens = "max_completion_tokens" if config.is_openai else "max_tokens"
        params = chat_params(turn.assistant, tokens)
    stream = gateway.stream_chat(turn.model, turn.request, **params)
    async with contextlib.aclosing(stream):
        async for event in stream:
            if failed is not None:  # chat completions answers where Responses failed
                remember_responses_failed(store, config.cache_key, turn.model)
                if on_notice is not None:
                    on_notice(fallback_notice(failed, turn.model))
                failed = None
            yield event
