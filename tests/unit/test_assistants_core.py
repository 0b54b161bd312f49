"""Assistant profiles: validation, JSON import/export (incl. the seed's shape), request builders."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from desktop_app.core.assistant_json import (
    AssistantImportError,
    export_json,
    import_json,
    profile_from_dict,
    profile_to_dict,
    snapshot_json,
)
from desktop_app.core.assistant_request import (
    build_chat_request,
    build_responses_request,
    responses_input,
)
from desktop_app.core.assistants import (
    AssistantProfile,
    KnowledgeFile,
    duplicate,
    model_has_reasoning,
    parse_tags,
    starter_profiles,
    unique_name,
    validate,
)
from desktop_app.core.dialogue import Message, Status
from desktop_app.core.tool_notes import Citation, NoteList, ToolNote, notes_from_json, notes_to_json

FULL = AssistantProfile(
    "Researcher",
    "gpt-4o",
    "Cite your sources.",
    description="Looks things up",
    temperature=0.4,
    top_p=0.9,
    max_output_tokens=500,
    response_format="json_schema",
    json_schema={"type": "object", "properties": {"answer": {"type": "string"}}},
    tools=("web_search", "file_search", "code_interpreter"),
    files=(KnowledgeFile("notes.txt", "file-1"),),
    vector_store_id="vs_1",
    avatar_color="#123abc",
    tags=("research", "web"),
    mcp_servers=("maths", "files"),
    source_id="asst_abc",
)


def fields_of(problems) -> set[str]:  # type: ignore[no-untyped-def]
    return {p.field for p in problems}


def test_a_complete_profile_is_valid() -> None:
    assert validate(FULL, known_models=["gpt-4o", "gpt-4o-mini"]) == []
    assert all(validate(p) == [] for p in starter_profiles("gpt-4o-mini"))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "  "}, "name"),
        ({"model": ""}, "model"),
        ({"model": "gpt-9-imaginary"}, "model"),
        ({"temperature": 2.5}, "temperature"),
        ({"temperature": -0.1}, "temperature"),
        ({"top_p": 1.5}, "top_p"),
        ({"max_output_tokens": 0}, "max_output_tokens"),
        ({"reasoning_effort": "extreme"}, "reasoning_effort"),
        ({"json_schema": None}, "json_schema"),
        ({"json_schema": {"properties": {}}}, "json_schema"),
        ({"tools": ("teleport",)}, "tools"),
        ({"avatar_color": "blue"}, "avatar_color"),
    ],
)
def test_each_bad_value_is_reported_at_its_field(change: dict, field: str) -> None:
    problems = validate(replace(FULL, **change), known_models=["gpt-4o"])
    assert fields_of(problems) == {field}
    assert all(p.message.endswith(".") for p in problems)


def test_unknown_models_are_accepted_while_the_model_list_is_unknown() -> None:
    assert validate(replace(FULL, model="my-local-llama")) == []


def test_names_tags_duplicates_and_reasoning_models() -> None:
    assert unique_name("Helper", ["helper", "Helper 2"]) == "Helper 3"
    assert unique_name("New", []) == "New"
    assert parse_tags(" a, b ,A,, c ") == ("a", "b", "c")
    copy = duplicate(replace(FULL, id=7), ["Researcher copy"])
    assert (copy.name, copy.id, copy.files) == ("Researcher copy 2", None, FULL.files)
    assert model_has_reasoning("o4-mini") and model_has_reasoning("gpt-5")
    assert not model_has_reasoning("gpt-4o") and not model_has_reasoning("gpt-5-chat-latest")


def test_export_and_import_round_trip() -> None:
    text = export_json([FULL, replace(FULL, name="Second", source_id="")])
    assert json.loads(text)["format"] == "parley-assistants"
    result = import_json(text, "gpt-4o-mini")
    assert result.skipped == []
    assert result.profiles == [FULL, replace(FULL, name="Second", source_id="")]


def test_mcp_servers_are_kept_by_name_and_anything_odd_there_is_ignored() -> None:
    data = profile_to_dict(FULL)
    assert data["mcp_servers"] == ["maths", "files"]
    assert json.loads(snapshot_json(FULL))["mcp_servers"] == ["maths", "files"]
    assert "mcp_servers" not in profile_to_dict(replace(FULL, mcp_servers=()))

    old = {k: v for k, v in data.items() if k != "mcp_servers"}  # a file from before
    assert profile_from_dict(old, "gpt-4o-mini").mcp_servers == ()
    for odd in ("maths", 3, {"maths": True}, None, [None, 4, {"name": "x"}, "  "]):
        assert profile_from_dict({**data, "mcp_servers": odd}, "m").mcp_servers == ()
    mixed = {**data, "mcp_servers": [" maths ", 7, "files", "maths", {"x": 1}]}
    assert profile_from_dict(mixed, "m").mcp_servers == ("maths", "files")
    result = import_json(json.dumps([{"name": "A", "mcp_servers": "nope"}]), "m")
    assert result.skipped == [] and result.profiles[0].mcp_servers == ()


def test_import_the_seed_shapes() -> None:
    as_list = json.dumps([{"name": "Site parser", "id": "asst_1", "model": "gpt-4o"}])
    as_map = json.dumps(
        {
            "assistant_for_seo": {"name": "SEO helper", "id": "asst_2"},
            "translator": {"id": "asst_3", "instructions": "Translate."},
            "bare": "asst_4",
        }
    )
    [parser] = import_json(as_list, "gpt-4o-mini").profiles
    assert (parser.name, parser.source_id, parser.model) == ("Site parser", "asst_1", "gpt-4o")
    seo, translator, bare = import_json(as_map, "gpt-4o-mini").profiles
    assert (seo.name, seo.source_id, seo.model) == ("SEO helper", "asst_2", "gpt-4o-mini")
    assert (translator.name, translator.instructions) == ("translator", "Translate.")
    assert (bare.name, bare.source_id) == ("bare", "asst_4")


def test_import_an_api_assistant_object() -> None:
    profile = profile_from_dict(
        {
            "id": "asst_9",
            "object": "assistant",
            "name": "Docs",
            "model": "gpt-4o",
            "instructions": "Answer from the docs.",
            "tools": [{"type": "file_search"}, {"type": "function", "function": {}}],
            "tool_resources": {"file_search": {"vector_store_ids": ["vs_9"]}},
            "response_format": "auto",
            "temperature": 1.0,
            "top_p": 1.0,
            "metadata": {},
        },
        "gpt-4o-mini",
    )
    assert profile.tools == ("file_search",) and profile.vector_store_id == "vs_9"
    assert (profile.source_id, profile.response_format) == ("asst_9", "text")


@pytest.mark.parametrize(
    "text",
    ["{not json", '"just text"', "42", "[]", '{"assistants": 3}', '[{"model": "gpt-4o"}]'],
    ids=["syntax", "string", "number", "empty", "bad-assistants", "no-name"],
)
def test_malformed_files_raise_a_readable_error(text: str) -> None:
    with pytest.raises(AssistantImportError) as caught:
        import_json(text, "gpt-4o-mini")
    assert "Traceback" not in str(caught.value) and str(caught.value)


def test_bad_entries_are_skipped_and_named() -> None:
    text = json.dumps(
        [
            {"name": "Good"},
            {"name": "Hot", "temperature": 7},
            {"name": "Typed", "temperature": "warm"},
            "oops",
        ]
    )
    result = import_json(text, "gpt-4o-mini")
    assert [p.name for p in result.profiles] == ["Good"]
    assert len(result.skipped) == 3
    assert "Temperature must be between" in result.skipped[0]
    assert "must be a number" in result.skipped[1]


HISTORY = [
    Message("user", "What is new?"),
    Message("assistant", "", status=Status.ERROR),
    Message("assistant", "Nothing much."),
    Message("user", "Look it up"),
]


def test_chat_request_carries_the_profile() -> None:
    messages, params = build_chat_request(FULL, HISTORY)
    assert messages[0] == {"role": "system", "content": "Cite your sources."}
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert params["temperature"] == 0.4 and params["top_p"] == 0.9
    assert params["max_completion_tokens"] == 500
    assert params["response_format"]["json_schema"]["name"] == "Researcher"
    assert "tools" not in params  # hosted tools exist only on the Responses API
    _, local = build_chat_request(FULL, HISTORY, max_tokens_param="max_tokens")
    assert local["max_tokens"] == 500


def test_responses_request_carries_the_profile_and_tools() -> None:
    request = build_responses_request(FULL, HISTORY)
    assert request["model"] == "gpt-4o" and request["instructions"] == "Cite your sources."
    assert request["input"][0] == {"role": "user", "content": "What is new?"}
    assert len(request["input"]) == 3
    assert (request["temperature"], request["top_p"], request["max_output_tokens"]) == (
        0.4,
        0.9,
        500,
    )
    assert [t["type"] for t in request["tools"]] == [
        "web_search",
        "file_search",
        "code_interpreter",
    ]
    assert request["tools"][1]["vector_store_ids"] == ["vs_1"]
    assert request["text"]["format"]["type"] == "json_schema"
    assert request["include"] == ["file_search_call.results"]


def test_reasoning_models_get_an_effort_a_summary_and_no_sampling() -> None:
    thinker = replace(FULL, model="o4-mini", reasoning_effort="low", response_format="text")
    request = build_responses_request(thinker, HISTORY)
    assert request["reasoning"] == {"effort": "low", "summary": "auto"}
    assert "temperature" not in request and "top_p" not in request
    _, params = build_chat_request(thinker, HISTORY)
    assert params == {"max_completion_tokens": 500, "reasoning_effort": "low"}


def test_other_models_are_never_asked_for_reasoning_or_its_summary() -> None:
    """gpt-4o refuses a `reasoning` object; an effort left from another model is not sent."""
    plain = replace(FULL, model="gpt-4o", reasoning_effort="high")
    assert "reasoning" not in build_responses_request(plain, HISTORY)
    assert "reasoning_effort" not in build_chat_request(plain, HISTORY)[1]
    default = replace(FULL, model="o4-mini", reasoning_effort="")
    assert "reasoning" not in build_responses_request(default, HISTORY)


def test_image_parts_become_responses_input_images() -> None:
    items = responses_input(
        [
            {"role": "system", "content": "x"},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is this?"},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,AA"}},
                ],
            },
        ],
        "x",
    )
    assert items == [
        {
            "role": "user",
            "content": [
                {"type": "input_text", "text": "What is this?"},
                {"type": "input_image", "image_url": "data:image/png;base64,AA"},
            ],
        }
    ]


def test_tool_notes_round_trip_and_update_in_place() -> None:
    note = ToolNote("web_search", "parley desktop", id="ws_1")
    notes = NoteList()
    assert notes.upsert(note)
    cited = note.with_citation(Citation("Parley", "https://example.com/parley"))
    assert not notes.upsert(cited) and notes.notes == [cited]
    assert cited.with_citation(cited.citations[0]) is cited
    assert notes_from_json(notes_to_json(notes.notes)) == [cited]
    assert cited.label == "used web search: parley desktop"
    assert notes_from_json("{broken") == [] and notes_to_json([]) == ""


def test_the_instructions_go_apart_and_a_later_system_message_stays_in_place() -> None:
    items = responses_input(
        [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "hello"},
            {"role": "system", "content": "[1] Source: survey.pdf, page 3"},
            {"role": "user", "content": "and the puffins?"},
        ],
        "Be brief.",
    )
    assert items == [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello"},
        {"role": "system", "content": "[1] Source: survey.pdf, page 3"},
        {"role": "user", "content": "and the puffins?"},
    ]
