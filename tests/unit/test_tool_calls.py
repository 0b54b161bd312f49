"""Function tools in core: streamed calls assembled (pieces, parallel, malformed arguments),
argument checks, the request pieces of both wire APIs, and the approval policy."""

from __future__ import annotations

import json
from types import SimpleNamespace as Obj

import pytest

from desktop_app.core.tool_arguments import check_call, problems, unknown_tool
from desktop_app.core.tool_calls import (
    ToolCall,
    ToolCallAssembler,
    ToolImage,
    ToolResult,
    ToolSpec,
    truncated,
)
from desktop_app.core.tool_policy import Decision, MemoryDecisions, ToolPolicy
from desktop_app.core.tool_requests import (
    chat_calls_message,
    chat_calls_to_items,
    chat_result_message,
    chat_tools,
    responses_call_items,
    responses_result_item,
    responses_tools,
)
from desktop_app.core.training_checks import check_example

ADD = ToolSpec(
    "add",
    "Add two numbers.",
    {
        "type": "object",
        "properties": {"a": {"type": "number"}, "b": {"type": "integer"}},
        "required": ["a", "b"],
    },
    source="maths",
)


def piece(index, id=None, name=None, arguments=None):  # type: ignore[no-untyped-def]
    return Obj(index=index, id=id, function=Obj(name=name, arguments=arguments))


def test_a_chat_call_streamed_in_pieces_is_put_together() -> None:
    assembler = ToolCallAssembler()
    assert not assembler
    for delta in (
        piece(0, "call_1", "add", ""),
        piece(0, arguments='{"a": 1'),
        piece(0, arguments=', "b"'),
        piece(0, arguments=": 2}"),
    ):
        assembler.add_chat_delta(delta)
    assert assembler.calls() == [ToolCall("call_1", "add", '{"a": 1, "b": 2}')]
    assert assembler.calls()[0].parsed() == ({"a": 1, "b": 2}, "")


def test_parallel_chat_calls_interleaved_by_index_stay_apart() -> None:
    assembler = ToolCallAssembler()
    for delta in (
        piece(0, "call_a", "add", ""),
        piece(1, "call_b", "weather", ""),
        piece(1, arguments='{"city": '),
        piece(0, arguments='{"a": 1, "b": 2}'),
        piece(1, arguments='"Paris"}'),
        piece(1, name="weather"),  # a server that repeats the name
    ):
        assembler.add_chat_delta(delta)
    assert assembler.calls() == [
        ToolCall("call_a", "add", '{"a": 1, "b": 2}'),
        ToolCall("call_b", "weather", '{"city": "Paris"}'),
    ]


def test_a_call_without_index_or_id_gets_its_place_and_an_id() -> None:
    assembler = ToolCallAssembler()
    assembler.add_chat_delta(Obj(function=Obj(name="ping", arguments="")), position=0)
    assembler.add_chat_delta(Obj(function=Obj(name="pong", arguments="{}")), position=1)
    assert [(c.id, c.name) for c in assembler.calls()] == [("call_0", "ping"), ("call_1", "pong")]


@pytest.mark.parametrize(
    ("arguments", "why"),
    [
        ('{"a": 1', "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ("[" * 5000 + "]" * 5000, "not valid JSON"),
    ],
)
def test_malformed_arguments_are_a_sentence_for_the_model(arguments: str, why: str) -> None:
    call = ToolCall("c", "add", arguments)
    assert call.parsed()[0] is None and why in call.parsed()[1]
    args, told = check_call(call, ADD)
    assert args is None and told.startswith("Tool 'add' was not run:") and why in told


def test_no_arguments_at_all_are_an_empty_object() -> None:
    assert ToolCall("c", "now", "").parsed() == ({}, "")


def test_responses_function_call_items_are_put_together() -> None:
    assembler = ToolCallAssembler()
    added = Obj(type="function_call", id="fc_1", call_id="call_9", name="add", arguments="")
    assembler.add_item(added)
    assembler.add_item(Obj(type="message", id="msg_1"))  # not a call: ignored
    assembler.add_arguments_delta("fc_1", '{"a": ')
    assembler.add_arguments_delta("fc_1", "3, ")
    assembler.arguments_done("fc_1", '{"a": 3, "b": 4}')
    assembler.add_arguments_delta("fc_1", "late junk")  # after .done: the whole text counts
    assert assembler.calls() == [ToolCall("call_9", "add", '{"a": 3, "b": 4}')]
    done = Obj(
        type="function_call",
        id="fc_1",
        call_id="call_9",
        name="add",
        arguments='{"a": 5, "b": 6}',
        status="completed",
    )
    assembler.add_item(done)  # the closed item is what counts
    assert assembler.calls()[0].arguments == '{"a": 5, "b": 6}'


def test_argument_problems_name_each_one() -> None:
    assert problems(ADD.input_schema, {"a": 1.5, "b": 2}) == []
    assert problems(ADD.input_schema, {"a": 1, "b": 2.0}) == []  # 2.0 is an integer in JSON
    assert problems(ADD.input_schema, {"a": "one"}) == ["'b' is required", "'a' must be number"]
    assert problems(ADD.input_schema, {"a": True, "b": 1}) == ["'a' must be number"]
    closed = {"properties": {"unit": {"enum": ["c", "f"]}}, "additionalProperties": False}
    assert problems(closed, {"unit": "k", "x": 1}) == [
        "'unit' must be one of 'c', 'f'",
        "'x' is not a parameter of this tool",
    ]
    assert problems({"properties": {"n": {"type": ["integer", "null"]}}}, {"n": None}) == []
    _, told = check_call(ToolCall("c", "add", '{"a": 1}'), ADD)
    assert told == (
        "Tool 'add' was not run: its arguments do not match its schema ('b' is required)."
    )
    assert "add, now" in unknown_tool(ToolCall("c", "sub"), ["add", "now"])


def test_tool_definitions_for_each_wire_api() -> None:
    bare = ToolSpec("now")
    assert chat_tools([ADD, bare]) == [
        {
            "type": "function",
            "function": {
                "name": "add",
                "parameters": dict(ADD.input_schema),
                "description": "Add two numbers.",
            },
        },
        {
            "type": "function",
            "function": {"name": "now", "parameters": {"type": "object", "properties": {}}},
        },
    ]
    [tool] = responses_tools([ADD])
    assert tool == {
        "type": "function",
        "name": "add",
        "parameters": dict(ADD.input_schema),
        "strict": False,
        "description": "Add two numbers.",
    }


def test_calls_and_results_for_each_wire_api_make_a_valid_training_example() -> None:
    calls = [ToolCall("call_1", "add", '{"a": 1, "b": 2}'), ToolCall("call_2", "now", "")]
    asked = chat_calls_message("", calls)
    assert asked["content"] is None
    assert asked["tool_calls"][1]["function"]["arguments"] == "{}"
    example = {
        "messages": [
            {"role": "user", "content": "add 1 and 2"},
            asked,
            chat_result_message("call_1", "3"),
            chat_result_message("call_2", "noon"),
            {"role": "assistant", "content": "3, at noon."},
        ]
    }
    assert [p for p in check_example(example, 1) if p.severity == "error"] == []
    items = responses_call_items("Let me add.", calls)
    assert items[0] == {"role": "assistant", "content": "Let me add."}
    assert items[1] == {
        "type": "function_call",
        "call_id": "call_1",
        "name": "add",
        "arguments": '{"a": 1, "b": 2}',
    }
    assert responses_result_item("call_1", "3") == {
        "type": "function_call_output",
        "call_id": "call_1",
        "output": "3",
    }
    assert chat_calls_to_items(asked)[1]["call_id"] == "call_2"
    assert chat_calls_to_items(chat_result_message("call_1", "3")) == [
        responses_result_item("call_1", "3")
    ]


def test_results_for_the_model() -> None:
    assert ToolResult(structured={"sum": 3}).content() == json.dumps({"sum": 3})
    assert ToolResult(images=(ToolImage("AAAA"), ToolImage("BBBB"))).content() == "[2 images]"
    assert truncated("short", 10) == "short"
    cut = truncated("x" * 25, 10)
    assert cut.startswith("x" * 10 + "\n") and "15 more characters" in cut


def test_nothing_runs_unasked_unless_always() -> None:
    decisions = MemoryDecisions()
    policy = ToolPolicy(decisions)
    assert policy.standing(ADD) is None  # ask
    policy.record(ADD, Decision.ALLOW_ONCE)
    assert policy.standing(ADD) is None  # once is once
    policy.record(ADD, Decision.DENY)
    assert policy.standing(ADD) is None
    policy.record(ADD, Decision.ALWAYS)
    assert policy.standing(ADD) is Decision.ALWAYS
    other_server = ToolSpec("add", source="other")
    assert policy.standing(other_server) is None  # per server and tool
    assert policy.always_allowed() == ["maths/add"]
    policy.revoke("maths/add")
    assert policy.standing(ADD) is None
    assert not Decision.DENY.runs and Decision.ALLOW_ONCE.runs
