"""One reply with function tools: stream, ask, run, feed back, stream again.

A round streams the model's reply with the tools offered. When the model asks for calls, each
is checked (a tool that does not exist, or arguments that do not fit its schema, become an
error result the model is told, and nothing runs); the user is asked about the rest through
`approve(step)` — unless they always allow that tool — and a denial is told to the model as
the call's result. The allowed calls run at once, side by side, through the `ToolProvider`,
each with a timeout; their results (cut to `model_limit` characters for the model, with a note)
go back, and the next round streams. After `max_rounds` streams that all asked for tools, the
loop stops and says so (the last calls get a "not run" result, so the stored conversation
stays one a server accepts).

Stop is a cancel of the task running `run`: it closes the stream, and cancels the calls
running (each provider call is also told through its `cancel` event). Everything the UI shows
comes through `listener`: round starts, steps started and finished, and the stream's own events
(text, reasoning, tool notes, usage). `on_round` is awaited after each round whose calls have
their results (the store keeps them there, so nothing is lost to a crash after a tool ran).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from desktop_app.core.reply_parts import Clock
from desktop_app.core.tool_arguments import check_call, unknown_tool
from desktop_app.core.tool_calls import (
    MODEL_LIMIT,
    STOPPED_TEXT,
    ToolCall,
    ToolResult,
    ToolSpec,
    ToolStep,
    error_result,
)
from desktop_app.core.tool_calls import truncated as cut_for_model
from desktop_app.core.tool_notes import NoteList, ToolNote
from desktop_app.core.tool_policy import DENIED_TEXT, Decision, ToolPolicy
from desktop_app.services.chat_events import (
    ChatEvent,
    HostedApprovals,
    ReasoningDelta,
    StreamEnd,
    TextDelta,
    ToolCallsMade,
    Usage,
)
from desktop_app.services.gateway_errors import ErrorKind, GatewayError
from desktop_app.services.tool_rounds import Rounds, Streams

log = logging.getLogger(__name__)

MAX_ROUNDS = 8
CALL_TIMEOUT = 120.0  # seconds a tool may take before Parley stops it
CANCEL_GRACE = 2.0  # seconds a stopped call is given to end
HOSTED_ALLOWED_TEXT = "Allowed: the provider calls the tool on its own servers."
NO_FUNCTIONS_TEXT = (
    "This server or model does not support function calling, so Parley cannot offer it tools. "
    "Turn the tools off for this chat, or choose a model that supports them."
)


class ToolFailed(Exception):
    """A provider's way to say a call failed, in a sentence the user and the model can read
    (an MCP server that crashed, a tool that raised)."""


class ToolsUnsupported(GatewayError):
    """The server refused the request because of its tools: no function calling there."""


class ToolProvider(Protocol):
    """Where tools come from and run (MCP sessions, or a fake in tests)."""

    async def list_tools(self) -> Sequence[ToolSpec]: ...

    async def call(
        self, name: str, arguments: Mapping[str, Any], cancel: asyncio.Event
    ) -> ToolResult:
        """Run a tool; raise ToolFailed (or return an error result) when it fails. `cancel`
        is set when the call is no longer wanted (Stop, a timeout)."""
        ...


Approve = Callable[[ToolStep], Awaitable[Decision]]


@dataclass(frozen=True)
class RoundStarted:
    number: int


@dataclass(frozen=True)
class StepStarted:
    """A call the user allowed (or always allows) is running."""

    step: ToolStep


@dataclass(frozen=True)
class StepFinished:
    """A call has its result: it ran, failed, was denied, or could not run."""

    step: ToolStep


LoopEvent = RoundStarted | StepStarted | StepFinished | ChatEvent


@dataclass
class ToolRound:
    number: int
    text: str = ""
    reasoning: str = ""
    calls: tuple[ToolCall, ...] = ()
    steps: list[ToolStep] = field(default_factory=list)
    end: StreamEnd | None = None
    usage: Usage | None = None
    hosted: HostedApprovals | None = None  # calls the provider runs itself, once approved
    hosted_steps: list[ToolStep] = field(default_factory=list)
    notes: NoteList = field(default_factory=NoteList)  # the provider's own tools' notes


@dataclass
class ToolTurn:
    """The reply so far: every round, the last one's text the answer."""

    rounds: list[ToolRound] = field(default_factory=list)
    limit_reached: bool = False
    notice: str = ""  # a sentence for the user when the loop stopped on its own

    @property
    def text(self) -> str:
        return self.rounds[-1].text if self.rounds else ""

    @property
    def steps(self) -> list[ToolStep]:
        return [step for r in self.rounds for step in r.steps]

    @property
    def end(self) -> StreamEnd | None:
        return self.rounds[-1].end if self.rounds else None

    def usage(self) -> Usage:
        """What every round used, added up (None when no round reported it)."""
        reported = [r.usage for r in self.rounds if r.usage is not None and r.usage.reported]
        if not reported:
            return Usage(None, None)
        return Usage(
            sum(u.prompt_tokens or 0 for u in reported),
            sum(u.completion_tokens or 0 for u in reported),
            sum(u.cached_tokens for u in reported),
            sum(u.reasoning_tokens for u in reported),
            sum(u.image_tokens for u in reported),
        )


def limit_text(rounds: int) -> str:
    return (
        f"The model asked for tools {rounds} times in this reply, so Parley stopped there. "
        "Send a message to let it go on."
    )


def for_model(result: ToolResult, limit: int) -> str:
    """A call's result as the model reads it: its text cut to `limit`, errors marked."""
    text = cut_for_model(result.content(), limit)
    return f"Error: {text}" if result.is_error else text


class ToolLoop:
    def __init__(
        self,
        gateway: Streams,
        provider: ToolProvider,
        policy: ToolPolicy,
        approve: Approve,
        *,
        listener: Callable[[LoopEvent], None] | None = None,
        on_round: Callable[[ToolRound], Awaitable[None]] | None = None,
        max_rounds: int = MAX_ROUNDS,
        call_timeout: float = CALL_TIMEOUT,
        model_limit: int = MODEL_LIMIT,
        clock: Clock = time.monotonic,
        hosted_sources: Mapping[str, str] | None = None,
    ) -> None:
        self.gateway, self.provider, self.policy, self.approve = gateway, provider, policy, approve
        self.listener, self.on_round = listener, on_round
        self.max_rounds, self.call_timeout, self.model_limit = max_rounds, call_timeout, model_limit
        self.clock = clock
        self.hosted_sources = dict(hosted_sources or {})  # a hosted tool's label → its server
        self.turn = ToolTurn()  # what arrived so far, for a caller that must save it on failure

    def _emit(self, event: LoopEvent) -> None:
        if self.listener is not None:
            self.listener(event)

    async def run(self, rounds: Rounds) -> ToolTurn:
        self.turn = turn = ToolTurn()
        specs = list(await self.provider.list_tools())
        by_name = {spec.name: spec for spec in specs}
        for number in range(1, self.max_rounds + 1):
            this = ToolRound(number)
            turn.rounds.append(this)
            self._emit(RoundStarted(number))
            await self._stream(rounds, specs, this)
            waiting = this.hosted is not None and bool(this.hosted.requests)
            if not this.calls and not waiting:
                return turn
            if number == self.max_rounds:
                turn.limit_reached, turn.notice = True, limit_text(number)
                this.steps = [
                    ToolStep(c, by_name.get(c.name), "", error_result(turn.notice), number)
                    for c in this.calls
                ]
                if not this.calls:
                    return turn
            else:
                if this.hosted is not None:  # the provider's calls and listings go along
                    answers = await self._decide_hosted(this) if waiting else []
                    rounds.add_items([*this.hosted.items, *answers])
                if not this.calls:
                    continue
                await self._run_calls(this, by_name)
            results = [
                for_model(s.result or error_result(""), self.model_limit) for s in this.steps
            ]
            rounds.add(this.text, this.calls, results)
            if self.on_round is not None:
                await self.on_round(this)
        return turn

    async def _stream(self, rounds: Rounds, specs: list[ToolSpec], this: ToolRound) -> None:
        text: list[str] = []
        thoughts: list[str] = []
        try:
            async with contextlib.aclosing(rounds.stream(self.gateway, specs)) as stream:
                async for event in stream:
                    if isinstance(event, ToolCallsMade):
                        this.calls = event.calls
                        continue
                    if isinstance(event, HostedApprovals):
                        this.hosted = event
                        continue
                    if isinstance(event, TextDelta):
                        text.append(event.text)
                    elif isinstance(event, ReasoningDelta):
                        thoughts.append(event.text)
                    elif isinstance(event, StreamEnd):
                        this.end = event
                    elif isinstance(event, Usage):
                        this.usage = event
                    elif isinstance(event, ToolNote):
                        this.notes.upsert(event)
                    self._emit(event)
        except GatewayError as exc:
            if specs and this.number == 1 and _refuses_tools(exc):
                raise ToolsUnsupported(
                    ErrorKind.NOT_SUPPORTED, NO_FUNCTIONS_TEXT, exc.status, exc.said
                ) from exc
            raise
        finally:
            this.text, this.reasoning = "".join(text), "".join(thoughts)

    async def _run_calls(self, this: ToolRound, by_name: Mapping[str, ToolSpec]) -> None:
        """Check and decide each call in order (one question at a time), then run the allowed
        ones side by side. The round's steps are in the order the model made the calls, there
        from the start (a Stop meanwhile keeps them)."""
        this.steps = [ToolStep(c, by_name.get(c.name), round=this.number) for c in this.calls]
        runnable: list[tuple[ToolStep, dict[str, Any]]] = []
        for step in this.steps:
            if step.spec is None:
                self._finish(step, error_result(unknown_tool(step.call, list(by_name))))
                continue
            arguments, why = check_call(step.call, step.spec)
            if arguments is None:
                self._finish(step, error_result(why))
                continue
            decision = self.policy.standing(step.spec) or await self.approve(step)
            self._record(step.spec, decision)
            step.decision = decision.value
            if not decision.runs:
                self._finish(step, error_result(DENIED_TEXT))
                continue
            runnable.append((step, arguments))
        if runnable:
            await asyncio.gather(*(self._call(step, arguments) for step, arguments in runnable))

    async def _decide_hosted(self, this: ToolRound) -> list[dict[str, Any]]:
        """Ask about each call the provider wants to make itself (hosted MCP), as about any
        call; the answers are input items for the next request."""
        assert this.hosted is not None
        answers: list[dict[str, Any]] = []
        for request in this.hosted.requests:
            label = request.server_label
            source = self.hosted_sources.get(label, label)
            spec = ToolSpec(request.name, source=source, tool=request.name)
            call = ToolCall(request.id, request.name, request.arguments)
            step = ToolStep(call, spec, round=this.number)
            this.hosted_steps.append(step)
            decision = self.policy.standing(spec) or await self.approve(step)
            self._record(spec, decision)
            step.decision = decision.value
            text = HOSTED_ALLOWED_TEXT if decision.runs else DENIED_TEXT
            self._finish(step, ToolResult(text=text, is_error=not decision.runs))
            answers.append(
                {
                    "type": "mcp_approval_response",
                    "approval_request_id": request.id,
                    "approve": decision.runs,
                }
            )
        return answers

    def _record(self, spec: ToolSpec, decision: Decision) -> None:
        """Keep the user's choice; a store that cannot keep it (a full disk) costs the call
        nothing — it runs as decided, and Parley asks again next time."""
        try:
            self.policy.record(spec, decision)
        except Exception:
            log.warning("keeping the choice for %s failed", spec.key, exc_info=True)

    def _finish(self, step: ToolStep, result: ToolResult) -> None:
        step.result = result
        self._emit(StepFinished(step))

    async def _call(self, step: ToolStep, arguments: dict[str, Any]) -> None:
        """Run one call in a task of its own, so that on Stop or a timeout the provider is
        told (`cancel` set) before its task is cancelled."""
        cancel = asyncio.Event()
        name = step.call.name
        self._emit(StepStarted(step))
        started = self.clock()
        task = asyncio.ensure_future(self.provider.call(name, arguments, cancel))
        try:
            result = await asyncio.wait_for(asyncio.shield(task), self.call_timeout)
        except TimeoutError:
            await _stop(task, cancel)
            result = error_result(
                f"The tool {name!r} did not finish within {self.call_timeout:g} seconds, so "
                "Parley stopped it."
            )
        except asyncio.CancelledError:
            step.result = error_result(STOPPED_TEXT, self.clock() - started)
            await _stop(task, cancel)
            raise
        except ToolFailed as exc:
            result = error_result(str(exc) or f"The tool {name!r} failed.")
        except Exception:
            log.exception("tool %s raised", name)
            result = error_result(
                f"The tool {name!r} failed unexpectedly; the details are in Parley's log."
            )
        self._finish(step, replace(result, seconds=self.clock() - started))


async def _stop(task: asyncio.Future[ToolResult], cancel: asyncio.Event) -> None:
    """Tell a call to stop, cancel it, and give it a moment to clean up (never forever)."""
    cancel.set()
    task.cancel()
    await asyncio.wait({task}, timeout=CANCEL_GRACE)
    if task.done() and not task.cancelled():
        task.exception()  # retrieved: a call that failed as it stopped is not an error here


def _refuses_tools(exc: GatewayError) -> bool:
    """A 400 (or 422) that blames the tools: the server has no function calling."""
    if exc.status not in (400, 422, 500, 501):
        return False
    said = f"{exc.said} {exc.message}".lower()
    return "tool" in said or "function" in said
