"""Validation: every check has a file that trips it, and valid modern data passes."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from desktop_app.core.token_count import TokenCounter
from desktop_app.core.training_calls import LEGACY_CODE
from desktop_app.core.training_report import (
    ValidationReport,
    attach_validation,
    parse_jsonl,
    validate,
    write_report_csv,
)

PNG = "data:image/png;base64,iVBORw0KGgo="
GIF = "data:image/gif;base64,R0lGODlh"


def chat(*messages: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"messages": list(messages), **extra}


def m(role: str, content: Any = "hello", **extra: Any) -> dict[str, Any]:
    return {"role": role, "content": content, **extra}


GOOD = chat(m("system", "Be brief."), m("user", "Hi"), m("assistant", "Hello!"))
GOOD_DPO = {
    "input": {"messages": [m("user", "Hi")]},
    "preferred_output": [m("assistant", "Hello!")],
    "non_preferred_output": [m("assistant", "Go away.")],
}
TOOL_CALL = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}

# check code → the line that trips it (the file is this line after ten good ones)
TRIPS: dict[str, Any] = {
    "invalid_json": '{"messages": [',
    "data_type": [GOOD],
    "missing_messages_list": {"prompt": "hi", "completion": "hello"},
    "message_missing_key": chat(m("user"), {"role": "assistant"}),
    "message_unrecognized_key": chat(m("user"), m("assistant", mood="happy")),
    "unrecognized_role": chat(m("human"), m("assistant")),
    "missing_content": chat(m("user", "  "), m("assistant")),
    "example_missing_assistant_message": chat(m("system"), m("user")),
    "example_missing_user_message": chat(m("system"), m("assistant")),
    "example_missing_system_message": chat(m("user"), m("assistant")),
    "example_unrecognized_key": {**GOOD, "extra": 1},
    "unrecognized_content_part": chat(m("user", [{"type": "audio"}]), m("assistant")),
    "image_not_in_user_message": chat(
        m("user"), m("assistant", [{"type": "image_url", "image_url": {"url": PNG}}])
    ),
    "unsupported_image_type": chat(
        m("user", [{"type": "image_url", "image_url": {"url": GIF}}]), m("assistant")
    ),
    "invalid_image": chat(m("user", [{"type": "image_url", "image_url": {}}]), m("assistant")),
    "too_many_images": chat(
        m("user", [{"type": "image_url", "image_url": {"url": PNG}}] * 11), m("assistant")
    ),
    "weight_not_allowed": chat(m("user", weight=1), m("assistant")),
    "invalid_weight": chat(m("user"), m("assistant", weight=0.5)),
    "invalid_tool_call": chat(
        m("user"),
        m(
            "assistant",
            None,
            tool_calls=[{**TOOL_CALL, "function": {"name": "f", "arguments": "{"}}],
        ),
    ),
    "tool_without_call": chat(m("user"), m("tool", "42", tool_call_id="nope"), m("assistant")),
    "dpo_missing_input": {**GOOD_DPO, "input": {}},
    "dpo_input_last_not_user": {**GOOD_DPO, "input": {"messages": [m("user"), m("assistant")]}},
    "dpo_invalid_output": {**GOOD_DPO, "preferred_output": [m("user")]},
    "dpo_same_outputs": {**GOOD_DPO, "non_preferred_output": GOOD_DPO["preferred_output"]},
    "mixed_formats": GOOD_DPO,
    # the legacy function-calling format, checked like today's tools
    "invalid_function_call": chat(
        m("user"), m("assistant", None, function_call={"name": "f", "arguments": "{"})
    ),
    "function_without_call": chat(m("user"), m("function", "42", name="f"), m("assistant")),
    "function_without_name": chat(
        m("user"),
        m("assistant", None, function_call={"name": "f", "arguments": "{}"}),
        m("function", "42"),
        m("assistant"),
    ),
    "invalid_functions": {**GOOD, "functions": {"name": "f"}},
}


def write(path: Path, lines: list[Any]) -> Path:
    path.write_text(
        "".join((x if isinstance(x, str) else json.dumps(x)) + "\n" for x in lines), "utf-8"
    )
    return path


def check_file(path: Path, model: str = "gpt-4o-mini") -> ValidationReport:
    with path.open(encoding="utf-8") as lines:
        return validate(parse_jsonl(lines), model, TokenCounter())


@pytest.mark.parametrize("code", sorted(TRIPS))
def test_each_check_trips_on_its_file(tmp_path: Path, code: str) -> None:
    path = write(tmp_path / f"{code}.jsonl", [GOOD] * 10 + [TRIPS[code]])
    report = check_file(path)
    tripped = [p for p in report.problems if p.code == code]
    assert tripped, f"{code} not reported: {report.problems}"
    assert all(p.row == 11 for p in tripped)
    assert all(len(p.message) > 10 for p in tripped)
    assert not [p for p in report.problems if p.row != 11]


def test_valid_modern_data_passes(tmp_path: Path) -> None:
    """What the cookbook's script rejects but the service accepts: parts, images, developer,
    tool calls and their answers, weights."""
    modern = [
        chat(
            m("developer", "Answer with tools."),
            m("user", [{"type": "text", "text": "What is this?"},
                       {"type": "image_url", "image_url": {"url": "https://x.test/a.jpg"}}]),
            m("assistant", None, tool_calls=[TOOL_CALL]),
            m("tool", '{"answer": 42}', tool_call_id="call_1"),
            m("assistant", "Draft", weight=0),
            m("user", "Again"),
            m("assistant", "It is 42.", weight=1),
        )
    ] * 10  # fmt: skip
    report = check_file(write(tmp_path / "modern.jsonl", modern))
    assert report.passed and report.problems == [], report.problems
    assert report.kind == "chat" and report.examples == 10
    dpo = check_file(write(tmp_path / "dpo.jsonl", [GOOD_DPO] * 12))
    assert dpo.passed and dpo.kind == "dpo"


def test_too_few_examples_and_csv_export(tmp_path: Path) -> None:
    report = check_file(write(tmp_path / "few.jsonl", [GOOD] * 3 + ["not json"]))
    assert [p.code for p in report.problems] == ["too_few_examples", "invalid_json"]
    assert report.problems[1].row == 4 and "not valid JSON" in report.problems[1].message
    out = tmp_path / "report.csv"
    with out.open("w", encoding="utf-8", newline="") as f:
        write_report_csv(report, f)
    lines = out.read_text("utf-8").splitlines()
    assert lines[0] == "row,severity,check,problem,source"
    assert lines[2].startswith("4,error,invalid_json,")


def test_a_broken_line_in_the_middle_is_named_by_its_number(tmp_path: Path) -> None:
    lines = [GOOD] * 20
    path = write(tmp_path / "broken.jsonl", [*lines[:11], '{"messages": [}', *lines[11:]])
    report = check_file(path)
    assert [(p.row, p.code) for p in report.problems] == [(12, "invalid_json")]
    assert report.examples == 20


def test_long_examples_are_flagged_as_truncated_and_billed_at_the_limit(tmp_path: Path) -> None:
    long = chat(m("user", "word " * 20_000), m("assistant", "ok"))
    report = check_file(write(tmp_path / "long.jsonl", [GOOD] * 10 + [long]), "gpt-3.5-turbo")
    too_long = [p for p in report.problems if p.code == "example_too_long"]
    assert [p.row for p in too_long] == [11] and "16,385" in too_long[0].message
    assert report.estimate is not None and report.estimate.truncated == 1
    assert max(report.tokens) > 20_000
    assert report.estimate.tokens_per_epoch == sum(report.tokens[:10]) + 16_385


WEATHER = {
    "name": "get_weather",
    "description": "The weather in a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
}


def legacy_example(city: str) -> dict[str, Any]:
    """A line in OpenAI's legacy function-calling format, as its old fine-tuning guide shows."""
    return chat(
        m("system", "You tell the weather."),
        m("user", f"What is the weather in {city}?"),
        m("assistant", None,
          function_call={"name": "get_weather", "arguments": json.dumps({"city": city})}),
        m("function", '{"temperature": 21, "sky": "clear"}', name="get_weather"),
        m("assistant", f"It is 21 °C and clear in {city}."),
        functions=[WEATHER],
    )  # fmt: skip


def test_the_whole_legacy_function_calling_format_passes_with_one_note(tmp_path: Path) -> None:
    cities = ["Oslo", "Lima", "Pune", "Kyiv", "Nice", "Bern", "Rome", "Riga", "Baku", "Doha"]
    path = write(tmp_path / "legacy.jsonl", [legacy_example(c) for c in cities] + [GOOD] * 2)
    report = check_file(path)
    assert report.passed and report.warnings == 0, report.problems
    assert [p.code for p in report.problems] == [LEGACY_CODE]
    note = report.problems[0]
    assert note.severity == "note" and note.row == 1
    assert '"functions"' in note.message and '"tools"' in note.message
    assert "10 examples: lines 1, 2, 3, 4, 5, 6, 7, 8, …" in note.message


def test_a_message_with_an_unknown_role_is_still_checked(tmp_path: Path) -> None:
    odd = chat(
        m("human", "   "),
        m("bot", [{"type": "audio"}], mood="x"),
        {"role": ["user"], "content": 5},
        m("user"),
        m("assistant"),
    )
    report = check_file(write(tmp_path / "roles.jsonl", [GOOD] * 10 + [odd]))
    found = [(p.code, p.message.split(" ")[1]) for p in report.problems]
    assert ("unrecognized_role", "1") in found and ("missing_content", "1") in found
    assert ("unrecognized_role", "2") in found
    assert ("message_unrecognized_key", "2") in found
    assert any(p.code == "unrecognized_content_part" and "message 2" in p.message
               for p in report.problems)  # fmt: skip
    assert any(p.code == "unrecognized_role" and '["user"]' in p.message
               for p in report.problems)  # fmt: skip
    assert any(p.code == "missing_content" and "message 3" in p.message
               for p in report.problems)  # fmt: skip


def test_problems_come_errors_first_then_warnings_then_notes(tmp_path: Path) -> None:
    lines = [
        chat(m("user"), m("assistant")),  # note: no system message
        chat(m("system"), m("assistant")),  # warning: no user message
        chat(m("system"), m("user", "  "), m("assistant")),  # error
        *[GOOD] * 9,
        chat(m("user"), m("assistant")),  # a second note, joined to the first
        '{"broken',
    ]
    report = check_file(write(tmp_path / "mixed.jsonl", lines))
    assert [(p.severity, p.row) for p in report.problems] == [
        ("error", 3), ("error", 14), ("warning", 2), ("note", 1),
    ]  # fmt: skip
    assert report.problems[-1].message.endswith("(2 examples: lines 1, 13)")


def test_the_csv_export_holds_each_problems_whole_text(tmp_path: Path) -> None:
    keys = {f"an_unexpected_key_number_{i}": i for i in range(30)}
    line = chat(m("user"), m("assistant", **keys))
    report = check_file(write(tmp_path / "keys.jsonl", [GOOD] * 10 + [line]))
    [problem] = [p for p in report.problems if p.code == "message_unrecognized_key"]
    assert len(problem.message) > 800
    out = tmp_path / "report.csv"
    with out.open("w", encoding="utf-8", newline="") as f:
        write_report_csv(report, f)
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert [11, "error", "message_unrecognized_key", problem.message, ""] == [
        int(rows[1][0]),
        *rows[1][1:],
    ]


def test_each_problem_names_the_file_it_is_about(tmp_path: Path) -> None:
    train = check_file(write(tmp_path / "qa.jsonl", [GOOD] * 12 + [chat(m("user"))]))
    held = check_file(write(tmp_path / "qa.validation.jsonl", [GOOD] * 3))
    report = attach_validation(train, held, "qa.jsonl", "qa.validation.jsonl")
    assert not report.passed and report.errors == 2
    where = {(p.code, p.source) for p in report.problems}
    assert ("too_few_examples", "qa.validation.jsonl") in where
    assert ("example_missing_assistant_message", "qa.jsonl") in where
    assert ("too_few_examples", "qa.jsonl") not in where
    assert report.where_errors_are() == "2 errors, in qa.jsonl and qa.validation.jsonl"
    summary = report.summary()
    assert "13 supervised (chat) examples in qa.jsonl and 3 in the validation file" in summary
    assert "qa.validation.jsonl has 1 error." in summary
    passing = check_file(write(tmp_path / "ok.jsonl", [GOOD] * 10))
    dpo = check_file(write(tmp_path / "ok.validation.jsonl", [GOOD_DPO] * 10))
    mixed = attach_validation(passing, dpo, "ok.jsonl", "ok.validation.jsonl")
    assert [(p.code, p.source) for p in mixed.problems] == [
        ("mixed_formats", "ok.validation.jsonl")
    ]
