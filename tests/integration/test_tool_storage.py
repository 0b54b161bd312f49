"""Tool rounds kept with the reply: the stored chain (assistant `tool_calls`, `tool` messages),
what it sends next on either wire API, exports and datasets, search, image results, and the
`tool_*` columns added to databases of every earlier schema."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.core.assistant_request import responses_input
from desktop_app.core.chat_request import build_chat_messages
from desktop_app.core.dialogue import Message, Status, from_log, to_log
from desktop_app.core.exporters import training_example
from desktop_app.core.sentiment import SentimentAnalyzer
from desktop_app.core.tool_policy import Decision, ToolPolicy
from desktop_app.core.training_checks import check_example
from desktop_app.core.training_dialogues import supervised_example
from desktop_app.services.chat_session import ChatSession
from desktop_app.services.migrations import MIGRATIONS
from desktop_app.services.store import Store
from desktop_app.services.tool_loop import ToolLoop, ToolTurn
from desktop_app.services.tool_rounds import ChatRounds
from desktop_app.services.tool_saving import ToolRoundSaver
from tests.integration.test_gateway import gateway_for
from tests.openai_server import OpenAIServer
from tests.support.loop import run
from tests.support.old_databases import link_like_parley
from tests.support.tools import Approver, FakeTools

TOOLS_VERSION = 1 + next(i for i, m in enumerate(MIGRATIONS) if "COLUMN tool_calls " in m)
MODEL = "gpt-4o-mini"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(tmp_path / "parley.db", tmp_path / "attachments")
    yield store
    store.close()


def tool_turn(qloop, server: OpenAIServer, store: Store, text: str) -> tuple[int, ToolTurn]:  # type: ignore[no-untyped-def]
    """A turn with tools as the Chat tab will run it: the user's message and the placeholder
    committed first, each round saved as it ends, the last reply finished."""
    gateway = gateway_for(server)
    session = ChatSession(store, gateway, SentimentAnalyzer())
    pending = session.prepare(None, text, MODEL, "Be brief.")
    saver = ToolRoundSaver(store, pending.reply)
    loop = ToolLoop(gateway, FakeTools(), ToolPolicy(), Approver(), on_round=saver)

    async def go() -> ToolTurn:
        try:
            return await loop.run(ChatRounds(MODEL, pending.request))
        finally:
            await gateway.aclose()

    turn = run(qloop, go())
    assert saver.reply.id is not None
    store.finish_message(saver.reply.id, content=turn.text, status=Status.COMPLETE)
    return pending.dialogue_id, turn


def test_a_tool_turn_is_stored_as_the_conversation_the_server_reads(qloop, openai_server, store):
    dialogue_id, turn = tool_turn(
        qloop, openai_server, store, 'use add with {"a": 20, "b": 22} and use now'
    )
    branch = store.messages(dialogue_id)
    assert [m.role for m in branch] == ["user", "assistant", "tool", "tool", "assistant"]
    asked, added, clock, answer = branch[1:]
    assert [c["function"]["name"] for c in asked.tool_calls] == ["add", "now"]
    assert asked.status is Status.COMPLETE and asked.content == ""
    assert (added.tool_call_id, added.content) == (asked.tool_calls[0]["id"], "42")
    assert added.tool_info["source"] == "maths" and added.tool_info["decision"] == "allow_once"
    assert added.tool_info["structured"] == {"sum": 42}
    assert clock.tool_call_id == asked.tool_calls[1]["id"]
    assert answer.content == turn.text == "Tool results: add → 42; now → 12:00\n"
    assert store.get_dialogue(dialogue_id).messages[-1].id == answer.id  # type: ignore[union-attr]

    sent = build_chat_messages("Be brief.", branch)
    assert sent[2] == {"role": "assistant", "content": None, "tool_calls": asked.tool_calls}
    assert sent[3] == {"role": "tool", "tool_call_id": added.tool_call_id, "content": "42"}
    example = {"messages": sent}
    assert [p.message for p in check_example(example, 1) if p.severity == "error"] == []
    items = responses_input(sent, "Be brief.")
    assert [i.get("type", i.get("role")) for i in items] == [
        "user", "function_call", "function_call", "function_call_output",
        "function_call_output", "assistant",
    ]  # fmt: skip

    dialogue = store.get_dialogue(dialogue_id)
    assert dialogue is not None
    for made, _ in (training_example(dialogue), supervised_example(dialogue)):
        assert made is not None
        assert [m["role"] for m in made["messages"]][-4:] == [
            "assistant",
            "tool",
            "tool",
            "assistant",
        ]
        assert [p.message for p in check_example(made, 1) if p.severity == "error"] == []
    back = from_log(to_log(dialogue))
    assert back[1].tool_calls == asked.tool_calls
    assert [m.tool_call_id for m in back][2:4] == [added.tool_call_id, clock.tool_call_id]
    hits = store.search("12:00")
    assert [h.message_id for h in hits if h.role == "tool"] == [clock.id]


def test_a_follow_up_turn_sends_the_stored_calls_back(qloop, openai_server, store):
    dialogue_id, _ = tool_turn(qloop, openai_server, store, 'use add with {"a": 1, "b": 2}')
    history = [*store.messages(dialogue_id), Message("user", "thanks")]
    openai_server.requests.clear()
    gateway = gateway_for(openai_server)

    async def ask() -> None:
        try:
            async for _ in gateway.stream_chat(MODEL, build_chat_messages("", history)):
                pass
        finally:
            await gateway.aclose()

    run(qloop, ask())
    roles = [m["role"] for m in openai_server.requests[-1].body["messages"]]
    assert roles == ["user", "assistant", "tool", "assistant", "user"]


def test_an_image_result_is_kept_as_an_attachment_of_the_tool_message(qloop, openai_server, store):
    dialogue_id, _ = tool_turn(qloop, openai_server, store, "use picture")
    [result] = [m for m in store.messages(dialogue_id) if m.role == "tool"]
    assert result.content == "[1 image]"
    [image] = result.attachments
    assert image.mime == "image/png" and store.attachment_path(image).read_bytes()[:4] == b"\x89PNG"


def test_a_call_without_its_result_or_a_result_without_its_call_is_not_sent() -> None:
    call = {"id": "c1", "type": "function", "function": {"name": "add", "arguments": "{}"}}
    history = [
        Message("user", "hi"),
        Message("assistant", "", tool_calls=[call]),  # its result was never stored
        Message("tool", "stray", tool_call_id="c9"),
        Message("assistant", "hello"),
    ]
    assert build_chat_messages("", history) == [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello"},
    ]


@pytest.mark.parametrize("version", range(1, TOOLS_VERSION))
def test_upgrading_from_every_earlier_schema_reads_old_messages_without_tools(
    tmp_path: Path, version: int
) -> None:
    database = tmp_path / "old.db"
    with sqlite3.connect(database) as conn:
        conn.executescript("\n".join(MIGRATIONS[:version]) + f"\nPRAGMA user_version = {version};")
        conn.execute(
            "INSERT INTO dialogues (id, title, created_at, updated_at) VALUES (1, 'Old', 1, 1)"
        )
        conn.execute(
            "INSERT INTO messages (dialogue_id, role, content, created_at, updated_at) "
            "VALUES (1, 'assistant', 'an old reply', 1, 1)"
        )
        link_like_parley(conn)
    store = Store.open(database, tmp_path / "att")
    try:
        [old] = store.messages(1)
        assert (old.content, old.tool_calls, old.tool_call_id, old.tool_info) == (
            "an old reply", [], "", {},
        )  # fmt: skip
        call = {"id": "c1", "type": "function", "function": {"name": "add", "arguments": "{}"}}
        assert old.id is not None
        store.finish_message(old.id, content="", status=Status.COMPLETE, tool_calls=[call])
        tool = Message("tool", "3", tool_call_id="c1", tool_info={"name": "add"})
        store.add_message(1, tool)
        _, result = store.messages(1)
        assert store.get_message(old.id).tool_calls == [call]  # type: ignore[union-attr]
        assert (result.role, result.tool_call_id, result.tool_info) == (
            "tool",
            "c1",
            {"name": "add"},
        )
    finally:
        store.close()


def test_always_allowed_tools_outlast_a_restart_until_revoked(tmp_path: Path) -> None:
    from desktop_app.core.tool_calls import ToolSpec
    from desktop_app.services.tool_decisions import FLAG, StoredDecisions

    add = ToolSpec("add", source="maths")
    store = Store.open(tmp_path / "parley.db", tmp_path / "att")
    ToolPolicy(StoredDecisions(store)).record(add, Decision.ALWAYS)
    store.close()
    store = Store.open(tmp_path / "parley.db", tmp_path / "att")
    try:
        policy = ToolPolicy(StoredDecisions(store))
        assert policy.standing(add) is Decision.ALWAYS
        assert policy.always_allowed() == ["maths/add"]
        policy.revoke("maths/add")
        assert policy.standing(add) is None and store.get_flag(FLAG) is None
        store.set_flag(FLAG, "{not json")  # damaged: ask again, never allow
        assert policy.standing(add) is None
    finally:
        store.close()


def test_a_turn_with_an_assistant_keeps_its_settings_and_hosted_tools(qloop, openai_server, store):
    from desktop_app.core.assistants import AssistantProfile
    from desktop_app.core.wire_apis import RESPONSES
    from desktop_app.services.tool_rounds import rounds_for_turn

    helper = AssistantProfile("Helper", MODEL, "Answer briefly.", tools=("web_search",), id=None)
    session = ChatSession(store, gateway_for(openai_server), SentimentAnalyzer())
    pending = session.prepare(None, "use now", MODEL, helper.instructions, helper)
    gateway = gateway_for(openai_server)
    loop = ToolLoop(gateway, FakeTools(), ToolPolicy(), Approver())

    async def go() -> ToolTurn:
        try:
            return await loop.run(rounds_for_turn(pending, RESPONSES))
        finally:
            await gateway.aclose()

    turn = run(qloop, go())
    assert turn.text == "Tool results: now → 12:00\n" and pending.wire_api == RESPONSES
    first = openai_server.requests[0].body
    assert first["instructions"] == "Answer briefly."
    assert [t["type"] for t in first["tools"]][:2] == ["web_search", "function"]
