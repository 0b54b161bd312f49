"""The tool loop with the real SDK against the test server, on both wire APIs: approve, deny,
always, unknown tools, bad arguments, failing tools, parallel calls, Stop during a slow tool,
the bound on rounds, results cut for the model, and a server without function calling."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from desktop_app.core.assistant_request import responses_request
from desktop_app.core.assistants import AssistantProfile
from desktop_app.core.tool_policy import DENIED_TEXT, Decision, MemoryDecisions, ToolPolicy
from desktop_app.core.wire_apis import CHAT_COMPLETIONS, RESPONSES
from desktop_app.services.gateway import TextDelta
from desktop_app.services.tool_loop import (
    NO_FUNCTIONS_TEXT,
    RoundStarted,
    StepFinished,
    StepStarted,
    ToolLoop,
    ToolsUnsupported,
    ToolTurn,
)
from desktop_app.services.tool_rounds import ChatRounds, ResponsesRounds, Rounds
from tests.integration.test_gateway import gateway_for
from tests.openai_server import OpenAIServer
from tests.support.loop import run, run_until
from tests.support.tools import BIG, Approver, FakeTools

WIRES = (CHAT_COMPLETIONS, RESPONSES)
MODEL = "gpt-4o-mini"


def rounds_for(wire: str, text: str) -> Rounds:
    messages = [{"role": "user", "content": text}]
    if wire == CHAT_COMPLETIONS:
        return ChatRounds(MODEL, messages)
    return ResponsesRounds(responses_request(AssistantProfile("", MODEL, ""), messages))


def ask(
    qloop, server: OpenAIServer, wire: str, text: str, approver: Approver | None = None,
    tools: FakeTools | None = None, policy: ToolPolicy | None = None, **options: Any,
) -> tuple[ToolTurn, list[Any]]:  # fmt: skip
    events: list[Any] = []
    gateway = gateway_for(server)
    loop = ToolLoop(
        gateway,
        tools or FakeTools(),
        policy or ToolPolicy(),
        approver or Approver(),
        listener=events.append,
        **options,
    )

    async def go() -> ToolTurn:
        try:
            return await loop.run(rounds_for(wire, text))
        finally:
            await gateway.aclose()

    return run(qloop, go()), events


def last_results(server: OpenAIServer) -> list[str]:
    """The tool results the last request sent back to the model."""
    body = server.requests[-1].body
    if "messages" in body:
        return [m["content"] for m in body["messages"] if m.get("role") == "tool"]
    return [i["output"] for i in body["input"] if i.get("type") == "function_call_output"]


@pytest.mark.parametrize("wire", WIRES)
def test_an_approved_call_runs_and_the_answer_uses_its_result(qloop, openai_server, wire):
    approver, tools = Approver(Decision.ALLOW_ONCE), FakeTools()
    turn, events = ask(
        qloop, openai_server, wire, 'use add with {"a": 2, "b": 40}', approver, tools
    )
    assert turn.text == "Tool results: add → 42\n"
    [step] = turn.steps
    assert (step.call.name, step.spec and step.spec.source, step.decision) == (
        "add", "maths", "allow_once",
    )  # fmt: skip
    assert step.result is not None and step.result.text == "42"
    assert step.result.seconds is not None and step.result.seconds >= 0
    assert approver.asked == [step] and tools.calls == [("add", {"a": 2, "b": 40})]
    kinds = [type(e).__name__ for e in events if not isinstance(e, TextDelta)]
    assert kinds == [
        "RoundStarted", "Usage", "StreamEnd", "StepStarted", "StepFinished",
        "RoundStarted", "Usage", "StreamEnd",
    ]  # fmt: skip
    assert sum(isinstance(e, RoundStarted) for e in events) == 2
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == turn.text
    first = openai_server.requests[0].body
    assert [t.get("function", t)["name"] for t in first["tools"]][:2] == ["add", "now"]
    assert turn.usage().completion_tokens  # both rounds counted
    assert last_results(openai_server) == ["42"]


@pytest.mark.parametrize("wire", WIRES)
def test_a_denied_call_does_not_run_and_the_model_is_told(qloop, openai_server, wire):
    tools = FakeTools()
    turn, events = ask(
        qloop, openai_server, wire, 'use add with {"a": 1, "b": 2}', Approver(Decision.DENY), tools
    )
    assert tools.calls == []
    assert turn.steps[0].decision == "deny"
    assert f"add → Error: {DENIED_TEXT}" in turn.text
    assert not any(isinstance(e, StepStarted) for e in events)
    assert any(isinstance(e, StepFinished) for e in events)


@pytest.mark.parametrize("wire", WIRES)
def test_always_allow_asks_once_per_server_and_tool(qloop, openai_server, wire):
    decisions = MemoryDecisions()
    approver = Approver(Decision.ALWAYS, Decision.DENY)
    policy = ToolPolicy(decisions)
    prompt = 'use add with {"a": 1, "b": 2}'
    ask(qloop, openai_server, wire, prompt, approver, policy=policy)
    turn, _ = ask(qloop, openai_server, wire, prompt, approver, policy=policy)
    assert len(approver.asked) == 1  # the second turn ran without a question
    assert turn.steps[0].decision == "always" and turn.text == "Tool results: add → 3\n"
    assert decisions.allowed() == {"maths/add"}
    turn, _ = ask(qloop, openai_server, wire, "use now", approver, policy=policy)
    assert len(approver.asked) == 2 and turn.steps[0].decision == "deny"  # another tool: asked


@pytest.mark.parametrize("wire", WIRES)
@pytest.mark.parametrize(
    ("prompt", "told"),
    [
        ("use sub with {}", "There is no tool named 'sub'. The tools you can call are: add, now"),
        ('use add with {"a": "one"}', "('b' is required; 'a' must be number)"),
        ('use add with {"a": 1', "the arguments are not valid JSON"),
        ("use boom", "Error: The maths server crashed while adding."),
        (
            "use oops",
            "Error: The tool 'oops' failed unexpectedly; the details are in Parley's log.",
        ),
    ],
)
def test_calls_that_cannot_run_or_fail_are_told_to_the_model(
    qloop, openai_server, wire, prompt, told
):
    approver = Approver()
    turn, _ = ask(qloop, openai_server, wire, prompt, approver)
    assert told in turn.text
    [step] = turn.steps
    assert step.result is not None and step.result.is_error
    ran = prompt.startswith(("use boom", "use oops"))
    assert len(approver.asked) == (1 if ran else 0)  # nothing to ask about what cannot run


@pytest.mark.parametrize("wire", WIRES)
def test_parallel_calls_run_at_the_same_time_and_keep_their_order(qloop, openai_server, wire):
    tools = FakeTools()
    turn, _ = ask(
        qloop, openai_server, wire, "use pair and use now and use pair", Approver(), tools
    )
    assert [s.call.name for s in turn.steps] == ["pair", "now", "pair"]
    assert len({s.call.id for s in turn.steps}) == 3
    assert turn.text == "Tool results: pair → paired; now → 12:00; pair → paired\n"


@pytest.mark.parametrize("wire", WIRES)
def test_stop_during_a_slow_tool_cancels_it_and_tells_it(qloop, openai_server, wire):
    tools = FakeTools()
    gateway = gateway_for(openai_server)
    loop = ToolLoop(gateway, tools, ToolPolicy(), Approver())
    task = asyncio.ensure_future(loop.run(rounds_for(wire, "use slow")), loop=qloop)
    run_until(qloop, tools.slow_started.is_set)
    task.cancel()
    run_until(qloop, task.done)
    assert task.cancelled()
    assert tools.cancelled == ["slow"]  # told through its cancel event, then cancelled
    [step] = loop.turn.steps
    assert step.result is not None and step.result.text.startswith("Stopped by the user")
    run(qloop, gateway.aclose())


@pytest.mark.parametrize("wire", WIRES)
def test_a_slow_tool_times_out_with_a_sentence(qloop, openai_server, wire):
    tools = FakeTools()
    turn, _ = ask(qloop, openai_server, wire, "use slow", Approver(), tools, call_timeout=0.05)
    assert "did not finish within 0.05 seconds, so Parley stopped it" in turn.text
    assert tools.cancelled == ["slow"]


@pytest.mark.parametrize("wire", WIRES)
def test_the_rounds_are_bounded_and_the_user_is_told(qloop, openai_server, wire):
    tools = FakeTools()
    prompt = 'use add with {"a": 1, "b": 1} forever'
    turn, _ = ask(qloop, openai_server, wire, prompt, Approver(), tools, max_rounds=3)
    assert turn.limit_reached and len(turn.rounds) == 3
    assert "asked for tools 3 times" in turn.notice
    assert len(tools.calls) == 2  # the third round's call was not run
    assert len(openai_server.requests) == 3
    last = turn.rounds[-1].steps[0]
    assert last.result is not None and last.result.is_error


@pytest.mark.parametrize("wire", WIRES)
def test_a_long_result_is_cut_for_the_model_with_a_note(qloop, openai_server, wire):
    turn, _ = ask(qloop, openai_server, wire, "use big", model_limit=1000)
    assert turn.steps[0].result is not None and len(turn.steps[0].result.text) == BIG  # kept
    ask(qloop, openai_server, wire, "use big", model_limit=1000)
    [sent] = last_results(openai_server)
    assert sent.startswith("x" * 1000) and f"{BIG - 1000:,} more characters" in sent


def test_an_image_result_reaches_the_model_as_a_word(qloop, openai_server):
    turn, _ = ask(qloop, openai_server, CHAT_COMPLETIONS, "use picture")
    assert turn.text == "Tool results: picture → [1 image]\n"


def test_a_server_without_function_calling_says_so(qloop):
    with OpenAIServer(personality="notools") as server, pytest.raises(ToolsUnsupported) as caught:
        ask(qloop, server, CHAT_COMPLETIONS, "use now")
    assert caught.value.message == NO_FUNCTIONS_TEXT


def test_without_tools_the_loop_is_one_plain_round(qloop, openai_server):
    class NoTools(FakeTools):
        async def list_tools(self):  # type: ignore[no-untyped-def]
            return []

    turn, _ = ask(qloop, openai_server, CHAT_COMPLETIONS, "use add with {}", tools=NoTools())
    assert len(turn.rounds) == 1 and "heard 4 word(s)" in turn.text
    assert "tools" not in openai_server.requests[0].body


def test_the_chat_stream_has_the_sdk_shapes(qloop, openai_server):
    """The test server's chunks parse into the SDK's own types, arguments in pieces."""
    from openai.types.chat import ChatCompletionChunk

    async def chunks() -> list[ChatCompletionChunk]:
        gateway = gateway_for(openai_server)
        client = await gateway.client()
        stream = await client.chat.completions.create(
            model=MODEL,
            messages=[{"role": "user", "content": 'use add with {"a": 1, "b": 2} and use now'}],
            tools=[{"type": "function", "function": {"name": "add", "parameters": {}}}],
            stream=True,
        )
        got = [chunk async for chunk in stream]
        await gateway.aclose()
        return got

    got = run(qloop, chunks())
    calls = [c for chunk in got for choice in chunk.choices for c in choice.delta.tool_calls or []]
    assert [c.index for c in calls if c.id] == [0, 1]
    pieces = [c.function.arguments for c in calls if c.index == 0 and not c.id]
    assert len(pieces) > 1 and json.loads("".join(pieces)) == {"a": 1, "b": 2}
    assert got[-1].choices[0].finish_reason == "tool_calls"


def test_the_responses_stream_has_the_sdk_event_types(qloop, openai_server):
    from openai.types.responses import (
        ResponseFunctionCallArgumentsDeltaEvent,
        ResponseFunctionCallArgumentsDoneEvent,
        ResponseFunctionToolCall,
    )

    async def events() -> list[Any]:
        gateway = gateway_for(openai_server)
        client = await gateway.client()
        stream = await client.responses.create(
            model=MODEL,
            input='use add with {"a": 1, "b": 2}',
            tools=[{"type": "function", "name": "add", "parameters": {}, "strict": False}],
            stream=True,
        )
        got = [event async for event in stream]
        await gateway.aclose()
        return got

    got = run(qloop, events())
    deltas = [e for e in got if isinstance(e, ResponseFunctionCallArgumentsDeltaEvent)]
    [done] = [e for e in got if isinstance(e, ResponseFunctionCallArgumentsDoneEvent)]
    assert len(deltas) > 1 and "".join(d.delta for d in deltas) == done.arguments
    [item] = [e.item for e in got if e.type == "response.output_item.done"]
    assert isinstance(item, ResponseFunctionToolCall) and item.name == "add"
    assert json.loads(item.arguments) == {"a": 1, "b": 2}
