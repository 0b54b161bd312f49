"""A chat turn with tools on: the tool loop's events as one stream, rounds saved as they end.

`ChatSession.stream_reply` reads a turn's events from here instead of `turn_events` when the
turn carries tools (`PendingTurn.tools`). The loop runs in a task of its own; what it streams
(text, reasoning, hosted tools' notes, usage, the end) comes through in order, and so do its
steps (`RoundStarted`, `StepStarted`, `StepFinished`, which `stream_reply` hands to the turn's
`listener`, in the order they happened).
When a round's calls have their results, the round is written to the store
(`ToolRoundSaver`) and a `RoundSaved` event says which messages were written and which new
placeholder the rest of the reply streams into.

Stop (closing this stream) cancels the loop: a call running is told and cancelled, and a round
whose calls were decided is saved with "stopped" results for those still running, so every
call in the store has its answer and nothing the tools did is lost.

The wire API is chosen as for a turn without tools; in "auto", a server without the Responses
API is remembered and the turn goes out as chat completions before anything arrived.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from desktop_app.core.dialogue import Message
from desktop_app.core.tool_policy import ToolPolicy
from desktop_app.core.wire_apis import AUTO, CHAT_COMPLETIONS, RESPONSES
from desktop_app.services import tool_loop
from desktop_app.services.gateway import EndpointMissing, ResponsesUnavailable
from desktop_app.services.store import StoreError
from desktop_app.services.tool_loop import (
    LoopEvent,
    RoundStarted,
    StepFinished,
    StepStarted,
    ToolLoop,
    ToolRound,
)
from desktop_app.services.tool_rounds import ResponsesRounds, rounds_for_turn
from desktop_app.services.tool_saving import ToolRoundSaver
from desktop_app.services.wire_api import choose_wire_api, remember_responses_missing

if TYPE_CHECKING:
    from desktop_app.services.chat_session import ChatSession, PendingTurn

log = logging.getLogger(__name__)

STOP_GRACE = 5.0  # seconds the loop is given to end after Stop (its calls have 2 s each)
CALL_TIMEOUT = tool_loop.CALL_TIMEOUT  # seconds a call may take (read at each turn)


@dataclass(frozen=True)
class RoundSaved:
    """A round is in the store: `saved` the messages written (the reply that asked for the
    calls, then one `tool` message per call), `reply` the placeholder streaming goes on in."""

    round: ToolRound
    saved: tuple[Message, ...]
    reply: Message


@dataclass(frozen=True)
class LimitReached:
    """The model asked for tools in every round allowed: the loop stopped (`notice` says so
    to the user; the last placeholder stays empty for them to go on)."""

    notice: str


ToolTurnEvent = LoopEvent | RoundSaved | LimitReached
# What the view hears of (through the turn's `listener`), beside the streamed text.
STEP_EVENTS = (RoundStarted, StepStarted, StepFinished, RoundSaved)
_DONE = object()


def _wire_api(session: ChatSession, turn: PendingTurn) -> str:
    setting = session.wire_api
    if turn.assistant is None and setting != RESPONSES:
        return CHAT_COMPLETIONS
    return choose_wire_api(session.store, setting, session.gateway.config, turn.model)


async def tool_turn_events(
    session: ChatSession, turn: PendingTurn
) -> AsyncGenerator[ToolTurnEvent, None]:
    assert turn.tools is not None
    config = session.gateway.config
    turn.local = config.runs_here
    tokens = "max_completion_tokens" if config.is_openai else "max_tokens"
    wire = _wire_api(session, turn)
    came = False  # anything beyond the first round's start: then no going back
    try:
        async with contextlib.aclosing(_run(session, turn, wire, tokens)) as events:
            async for event in events:
                came = came or not (isinstance(event, RoundStarted) and event.number == 1)
                yield event
    except ResponsesUnavailable as exc:
        if session.wire_api != AUTO or came:
            raise
        if isinstance(exc, EndpointMissing):
            remember_responses_missing(session.store, config.cache_key)
        async with contextlib.aclosing(_run(session, turn, CHAT_COMPLETIONS, tokens)) as events:
            async for event in events:
                yield event


async def _run(
    session: ChatSession, turn: PendingTurn, wire: str, tokens: str
) -> AsyncGenerator[ToolTurnEvent, None]:
    assert turn.tools is not None and turn.approve is not None
    queue: asyncio.Queue[Any] = asyncio.Queue()
    saver = ToolRoundSaver(session.store, turn.reply)

    saving: list[asyncio.Future[None]] = []

    async def on_round(this: ToolRound) -> None:
        start = len(saver.saved)
        # Shielded: a Stop meanwhile must not leave the round half-known (written by the
        # worker thread, but not yet here); the `finally` below waits for it.
        save = asyncio.ensure_future(saver(this))
        saving.append(save)
        await asyncio.shield(save)
        queue.put_nowait(RoundSaved(this, tuple(saver.saved[start:]), saver.reply))

    loop = ToolLoop(
        session.gateway,
        turn.tools,
        turn.policy if turn.policy is not None else ToolPolicy(),
        turn.approve,
        listener=queue.put_nowait,
        on_round=on_round,
        call_timeout=CALL_TIMEOUT,
        clock=session.clock,
    )
    rounds = rounds_for_turn(turn, wire, tokens)
    sources: dict[str, str] = {}
    if wire == RESPONSES and isinstance(rounds, ResponsesRounds):
        await _hosted_entries(turn)
        if turn.hosted:
            sources = _offer_hosted(rounds, turn, loop.policy)
    loop.hosted_sources = sources
    task: asyncio.Future[Any] = asyncio.ensure_future(loop.run(rounds))
    task.add_done_callback(lambda _t: queue.put_nowait(_DONE))
    finished = False
    try:
        while True:
            event = await queue.get()
            if event is _DONE:
                finished = True
                result = task.result()  # the loop's error, if it failed
                if result.limit_reached:
                    yield LimitReached(result.notice)
                return
            if isinstance(event, RoundSaved):
                turn.reply = event.reply
            yield event
    finally:
        if not finished:
            await _stop(task)
            if saving:
                await asyncio.wait(saving, timeout=STOP_GRACE)
            await _keep_stopped_round(loop, saver, turn)


async def _hosted_entries(turn: PendingTurn) -> None:
    """Build the hosted tool entries the turn names (in a worker thread: the keyring)."""
    if not turn.hosted_names or turn.hosted_entry is None:
        return
    entries = dict(turn.hosted or {})
    for name in turn.hosted_names:
        try:
            entries[name] = await asyncio.to_thread(turn.hosted_entry, name)
        except Exception:  # gone meanwhile: Parley calls it itself, as any other server
            log.info("MCP server %s is not offered as a hosted tool", name, exc_info=True)
    turn.hosted = entries or None


def _offer_hosted(rounds: ResponsesRounds, turn: PendingTurn, policy: ToolPolicy) -> dict[str, str]:
    """Give the provider the servers it may call itself (hosted `mcp` tool entries) instead
    of offering their tools as functions; the tools the user always allows run without a
    question, the rest wait for one. Returns each entry's label → its server."""
    assert turn.hosted is not None
    entries = []
    sources: dict[str, str] = {}
    allowed = policy.always_allowed()
    for server, entry in turn.hosted.items():
        names = sorted(key.split("/", 1)[1] for key in allowed if key.startswith(f"{server}/"))
        approval: Any = {"never": {"tool_names": names}} if names else "always"
        entries.append({**entry, "require_approval": approval})
        sources[str(entry["server_label"])] = server
    rounds.request["tools"] = [*(rounds.request.get("tools") or []), *entries]
    exclude = getattr(turn.tools, "exclude", None)
    if callable(exclude):
        exclude(turn.hosted.keys())
    return sources


def tell(turn: PendingTurn, event: Any) -> None:
    """A tool step or round for the view (which must not cost the reply if it fails)."""
    if turn.listener is not None:
        try:
            turn.listener(event)
        except Exception:
            log.exception("showing a tool step failed")


def record_round(session: ChatSession, turn: PendingTurn, saved: RoundSaved, usage: Any) -> None:
    """The cost of a tool round, on the reply that asked for its calls."""
    if session.ledger is None or not saved.saved:
        return
    try:
        session.ledger.record(saved.saved[0], usage, turn.request, turn.local)
    except StoreError as exc:
        log.warning("recording the cost of a tool round failed: %s", exc)


async def _stop(task: asyncio.Future[Any]) -> None:
    task.cancel()
    await asyncio.wait({task}, timeout=STOP_GRACE)
    if task.done() and not task.cancelled():
        with contextlib.suppress(BaseException):
            task.result()


async def _keep_stopped_round(loop: ToolLoop, saver: ToolRoundSaver, turn: PendingTurn) -> None:
    """Stop came after the model asked for calls and before the round was saved: keep the
    round (calls still running get a "stopped" result), so what the tools did stays. A round
    already saved (its RoundSaved not yet read) is only caught up with."""
    if saver.reply is not turn.reply:  # saved: the rest goes to (and is marked on) its placeholder
        turn.reply = saver.reply
        return
    rounds = loop.turn.rounds
    if not rounds:
        return
    this = rounds[-1]
    if not this.steps or any(m.tool_call_id == this.steps[0].call.id for m in saver.saved):
        return
    try:
        await asyncio.to_thread(saver.save, this)
    except Exception:  # the reply is still marked stopped by the caller
        log.exception("saving the stopped tool round failed")
        return
    turn.reply = saver.reply
