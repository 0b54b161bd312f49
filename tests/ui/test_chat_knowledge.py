"""Knowledge in the running app, end to end against the test server (real embeddings over
HTTP, a real index): a folder of the user's PDF and notes indexed from the Knowledge page, a
chat with the base on asks a question, the request holds the right passage with its source,
the reply lists it (file and page, a link that opens the file) and History keeps it; passages
that do not fit the budget or the model's context refuse the reply with the reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop_app.app import Parley
from desktop_app.core.dialogue import Status
from tests.openai_server import OpenAIServer
from tests.support.chat import replies_done, type_and_send
from tests.support.documents import write_pdf
from tests.support.loop import run, run_until
from tests.support.transcript import click_link

pytestmark = pytest.mark.slow
MODEL = "text-embedding-3-small"
PAGES = [
    "Introduction to the annual field survey of coastal birds.",
    "Methods: counts were taken at dawn along the northern shore.",
    "Results: the puffin colony doubled since the previous census.",
    "Discussion of weather and its effect on nesting success.",
]


def click(qtbot, widget) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def indexed_base(qloop, qtbot, parley: Parley, folder: Path, budget: int = 3000) -> Any:  # type: ignore[no-untyped-def]
    """Make and index a base of `folder` from the Knowledge page, as a user does."""
    tab = parley.assistants_tab
    parley.window.tabs.setCurrentWidget(tab)
    tab.show_knowledge()
    panel = tab.knowledge
    click(qtbot, panel.new_button)
    panel.name.selectAll()
    qtbot.keyClicks(panel.name, "Field notes")
    panel.add_sources([folder])  # what "Add folder…" calls with the folder chosen
    panel.model.lineEdit().selectAll()
    qtbot.keyClicks(panel.model.lineEdit(), MODEL)
    panel.budget.setValue(budget)
    click(qtbot, panel.index_button)
    run_until(qloop, lambda: panel.job is None and panel.files.topLevelItemCount() == 2, 60)
    statuses = [panel.files.topLevelItem(r).text(1) for r in range(2)]
    assert statuses == ["indexed", "indexed"], statuses
    (base,) = panel.bases.all()
    return base


def library(tmp_path: Path) -> Path:
    folder = tmp_path / "library"
    folder.mkdir()
    write_pdf(folder / "survey.pdf", PAGES)
    (folder / "boat.md").write_text(
        "# Boat\n\n## Engine\n\nThe outboard engine needs fresh oil every spring.\n"
    )
    return folder


def ask(qloop, qtbot, parley: Parley, question: str) -> Any:  # type: ignore[no-untyped-def]
    chat = parley.chat_tab
    parley.window.tabs.setCurrentWidget(chat)
    chat.knowledge_button.fill_menu()
    (entry,) = [a for a in chat.knowledge_button.menu_.actions() if a.text() == "Field notes"]
    entry.trigger()  # what a click on it in the menu does
    assert chat.knowledge_button.text() == "Knowledge: Field notes"
    type_and_send(qtbot, chat, question)
    run_until(qloop, lambda: replies_done(chat), timeout=60)
    return chat


def test_an_answer_from_the_users_pdf_cites_file_and_page(
    qloop, qtbot, parley: Parley, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server: OpenAIServer = parley.test_server  # type: ignore[attr-defined]
    indexed_base(qloop, qtbot, parley, library(tmp_path))
    chat = ask(qloop, qtbot, parley, "How did the puffin colony change?")
    sent = [r.body for r in server.requests if r.path == "/v1/chat/completions"][-1]
    knowledge = [m for m in sent["messages"] if "[1] Source:" in str(m.get("content"))]
    assert len(knowledge) == 1 and knowledge[0]["role"] == "system"
    assert "[1] Source: survey.pdf, page 3\nResults: the puffin colony doubled" in knowledge[0][
        "content"
    ]
    assert sent["messages"][-1] == {"role": "user", "content": "How did the puffin colony change?"}
    reply = chat.transcript.items[-1].card
    (note,) = [n for n in reply.notes if n.kind == "knowledge"]
    assert note.summary.endswith("from Field notes")
    assert note.citations[0].text.startswith("[1] survey.pdf, page 3 — Results: the puffin")
    stored = chat.chat.store.messages(chat.dialogue_id)[-1]
    assert stored.status is Status.COMPLETE and stored.tool_notes == reply.notes  # History
    opened: list[str] = []
    from PySide6.QtGui import QDesktopServices

    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toString()))
    index = len(chat.transcript.items) - 1
    click_link(qtbot, chat.transcript, index, "parley-note:")  # open the list of passages
    click_link(qtbot, chat.transcript, index, "file://")
    assert opened and opened[0].endswith("/library/survey.pdf#page=3")


def test_passages_that_do_not_fit_refuse_the_reply_with_the_reason(
    qloop, qtbot, parley: Parley, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server: OpenAIServer = parley.test_server  # type: ignore[attr-defined]
    indexed_base(qloop, qtbot, parley, library(tmp_path))
    monkeypatch.setattr(parley.chat_tab.catalog, "context_window", lambda _model: 120)
    before = len(server.requests)
    chat = ask(qloop, qtbot, parley, "How did the puffin colony change?")
    reply = chat.chat.store.messages(chat.dialogue_id)[-1]
    assert reply.status is Status.ERROR and "can hold 120" in reply.error
    assert chat.banner.isVisible() and "The reply was not asked for." in chat.banner.text
    asked = [r for r in server.requests[before:] if r.path == "/v1/chat/completions"]
    assert asked == []  # nothing cut silently, nothing sent


def test_changes_in_a_bases_folder_are_indexed_soon_after_start(
    qloop, qtbot, start_parley, openai_server: OpenAIServer, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from desktop_app import app_knowledge
    from desktop_app.services.settings import Settings

    settings = Settings(provider="custom", base_url=openai_server.url, default_model="gpt-4o-mini")
    first = start_parley(settings)
    run_until(qloop, lambda: first.tasks.running == 0, timeout=30)
    folder = library(tmp_path)
    base = indexed_base(qloop, qtbot, first, folder)
    run(qloop, first.shutdown())
    first.window.close()
    boat = folder / "boat.md"
    boat.write_text("# Boat\n\n## Sails\n\nThe jib was replaced in May.\n")
    (folder / "survey.pdf").unlink()
    monkeypatch.setattr(app_knowledge, "KNOWLEDGE_CHECK_MS", 50)
    second = start_parley()
    parley_tab = second.window.tabs.currentWidget()
    assert parley_tab is second.chat_tab  # the Knowledge page is never shown in this test
    index = second.assistants_tab.knowledge.bases.open_index(base.id)
    try:
        size = boat.stat().st_size
        run_until(qloop, lambda: [(r.path, r.size) for r in index.files()] == [(str(boat), size)])
        run_until(qloop, lambda: second.assistants_tab.knowledge.job is None)
    finally:
        index.close()
    index = second.assistants_tab.knowledge.bases.open_index(base.id)
    try:
        hits = index.search("jib", [0.0] * 256, k=1)
        assert hits and "jib was replaced" in hits[0].text
    finally:
        index.close()


def test_an_assistants_bases_are_on_in_a_new_chat_with_it(
    qloop, qtbot, parley: Parley, tmp_path: Path
) -> None:
    from desktop_app.core.assistants import AssistantProfile

    base = indexed_base(qloop, qtbot, parley, library(tmp_path))
    editor = parley.assistants_tab.editor
    assert [box.text() for box in editor.knowledge.boxes.values()] == ["Field notes"]
    chat = parley.chat_tab
    chat.set_assistant(AssistantProfile("Birder", "gpt-4o-mini", knowledge=(base.id,)))
    assert chat.knowledge_button.text() == "Knowledge: Field notes"
    type_and_send(qtbot, chat, "How did the puffin colony change?")
    run_until(qloop, lambda: replies_done(chat), timeout=60)
    (note,) = [n for n in chat.transcript.items[-1].card.notes if n.kind == "knowledge"]
    assert note.citations[0].text.startswith("[1] survey.pdf, page 3")
    chat.set_assistant(None)
    chat.new_dialogue()
    assert chat.knowledge_button.text() == "Knowledge: off"


def test_on_the_responses_api_the_passages_go_as_a_system_item_before_the_question(
    qloop, qtbot, start_parley, openai_server: OpenAIServer, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from desktop_app.services.settings import Settings

    settings = Settings(
        provider="custom",
        base_url=openai_server.url,
        default_model="gpt-4o-mini",
        wire_api="responses",
    )
    parley = start_parley(settings)
    run_until(qloop, lambda: parley.tasks.running == 0, timeout=30)
    indexed_base(qloop, qtbot, parley, library(tmp_path))
    ask(qloop, qtbot, parley, "How did the puffin colony change?")
    sent = [r.body for r in openai_server.requests if r.path == "/v1/responses"][-1]
    before, question = sent["input"][-2:]
    assert question == {"role": "user", "content": "How did the puffin colony change?"}
    assert before["role"] == "system" and "survey.pdf, page 3" in before["content"]


def test_with_the_embedding_server_away_keywords_still_find_the_passage(
    qloop, qtbot, parley: Parley, tmp_path: Path
) -> None:
    from tests.openai_server import Fault

    server: OpenAIServer = parley.test_server  # type: ignore[attr-defined]
    indexed_base(qloop, qtbot, parley, library(tmp_path))
    server.add_fault(Fault(path="/v1/embeddings", status=503, times=None))
    chat = ask(qloop, qtbot, parley, "How did the puffin colony change?")
    reply = chat.chat.store.messages(chat.dialogue_id)[-1]
    assert reply.status is Status.COMPLETE
    (note,) = [n for n in reply.tool_notes if n.kind == "knowledge"]
    assert note.citations[0].text.startswith("[1] survey.pdf, page 3")
    assert "searched by keywords only" in chat.banner.text
