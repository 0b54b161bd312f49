"""The Knowledge page of the Assistants tab, driven as a user drives it: a new base, a folder,
a model, Index now with its progress and Cancel, the files' statuses, and what goes wrong
said in the banner. The index and the indexer are the stand-ins of tests.support."""

from __future__ import annotations

import asyncio
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QVBoxLayout, QWidget

from desktop_app.services.gateway_embeddings import no_embeddings_text
from desktop_app.services.gateway_errors import ErrorKind, GatewayError
from desktop_app.services.knowledge_bases import KnowledgeBases
from desktop_app.services.store import Store
from desktop_app.ui.assistants.knowledge_panel import PROBE_TEXT, KnowledgePanel
from desktop_app.ui.task_keeper import TaskKeeper
from desktop_app.ui.widgets.notice_banner import NoticeBanner
from tests.support import fake_knowledge
from tests.support.loop import run_until

MODEL = "text-embedding-3-small"


class Page(QWidget):
    """The panel under a banner, as the Assistants tab holds it."""

    def __init__(self, bases: KnowledgeBases, gateway_for: Any) -> None:
        super().__init__()
        self.banner = NoticeBanner()
        self.tasks = TaskKeeper(on_error=lambda exc: self.banner.show_message(f"failed: {exc}"))
        self.panel = KnowledgePanel(
            bases,
            gateway_for,
            lambda: [("", "Test server"), ("chat-only", "Chat only")],
            lambda _pid: ["gpt-4o-mini", MODEL, "text-embedding-3-large"],
            self.tasks,
            self.banner.show_message,
        )
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.panel)


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "guide.md").write_text("# Guide\nHow it works.")
    (folder / "notes.txt").write_text("Some notes.")
    (folder / "logo.bin").write_bytes(b"\0\1\2")
    return folder


@pytest.fixture
def page(qloop, qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    fake_knowledge.install(monkeypatch)
    store = Store.open(tmp_path / "parley.db", tmp_path / "attachments")
    gateway = fake_knowledge.FakeEmbeddings()

    async def gateway_for(provider_id: str) -> Any:
        if provider_id == "chat-only":
            raise GatewayError(ErrorKind.NOT_SUPPORTED, no_embeddings_text("Chat only"), 404)
        return gateway

    page = Page(KnowledgeBases(store, tmp_path / "knowledge"), gateway_for)
    page.gateway = gateway  # type: ignore[attr-defined]
    qtbot.addWidget(page)
    yield page
    page.tasks.cancel_all()
    run_until(qloop, lambda: page.tasks.running == 0)
    store.close()


def click(qtbot, widget) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def rows(tree) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return [
        [tree.topLevelItem(r).text(c) for c in range(tree.columnCount())]
        for r in range(tree.topLevelItemCount())
    ]


def make_base(qloop, qtbot, panel: KnowledgePanel, docs: Path, name: str = "Docs") -> None:  # type: ignore[no-untyped-def]
    click(qtbot, panel.new_button)
    assert panel.name.text() == "New knowledge base"
    panel.name.selectAll()
    qtbot.keyClicks(panel.name, name)
    panel.add_sources([docs])  # what "Add folder…" calls with the chosen folder
    panel.model.lineEdit().selectAll()
    qtbot.keyClicks(panel.model.lineEdit(), MODEL)


def test_new_base_indexes_with_progress_cancel_then_all_with_statuses(
    qloop, qtbot, page, docs: Path
) -> None:
    panel = page.panel
    page.show()
    assert panel.model.findText(MODEL) >= 0 and panel.model.findText("gpt-4o-mini") < 0
    assert (panel.passages.value(), panel.budget.value()) == (6, 3000)
    make_base(qloop, qtbot, panel, docs)
    gate: asyncio.Queue[None] = asyncio.Queue()
    fake_knowledge.state["gate"] = gate
    click(qtbot, panel.index_button)
    run_until(qloop, lambda: "0 of 3 files" in panel.progress_text.text())
    assert panel.progress_box.isVisible() and not panel.index_button.isEnabled()
    assert rows(panel.list) == [["Docs", "", "", "indexing 0/3"]]
    gate.put_nowait(None)  # the first file (guide.md)
    run_until(qloop, lambda: "1 of 3 files" in panel.progress_text.text())
    assert panel.progress.value() == 1 and panel.progress.maximum() == 3
    click(qtbot, panel.cancel_button)
    gate.put_nowait(None)
    run_until(qloop, lambda: panel.job is None)
    assert not panel.progress_box.isVisible() and panel.index_button.isEnabled()
    assert rows(panel.list) == [["Docs", "1", "2", "cancelled"]]
    assert rows(panel.files) == [["guide.md", "indexed", "", "2", ""]]
    assert panel.summary.text().startswith("Cancelled: 1 file indexed")
    assert page.gateway.calls[0] == (MODEL, [PROBE_TEXT])  # the dimensions
    assert panel.backend_note.isVisible()
    assert panel.backend_note.text() == fake_knowledge.VECTOR_FALLBACK_TEXT

    fake_knowledge.state["gate"] = None
    click(qtbot, panel.index_button)
    run_until(qloop, lambda: panel.job is None and panel.files.topLevelItemCount() == 3)
    assert rows(panel.files) == [
        ["logo.bin", "skipped", "", "", "not a text file (binary)"],
        ["guide.md", "indexed", "", "2", ""],
        ["notes.txt", "indexed", "", "2", ""],
    ]
    assert rows(panel.list) == [["Docs", "2", "4", "indexed"]]
    assert "1 file indexed, 1 skipped, 1 unchanged" in panel.summary.text()
    assert page.banner.text == ""
    [base] = panel.bases.all()
    assert (base.id, base.sources, base.embedding_model) == ("docs", (str(docs),), MODEL)


def test_a_mismatched_model_is_said_in_the_banner(qloop, qtbot, page, docs: Path) -> None:
    panel = page.panel
    make_base(qloop, qtbot, panel, docs)
    click(qtbot, panel.index_button)
    run_until(qloop, lambda: panel.job is None and panel.files.topLevelItemCount() == 3)
    [base] = panel.bases.all()  # changed elsewhere (an older Parley, an edited database)
    panel.bases.save(replace(base, embedding_model="text-embedding-3-large"))
    panel.refresh()
    click(qtbot, panel.index_button)
    run_until(qloop, lambda: page.banner.text)
    assert page.banner.text == (
        f"This knowledge base was built with {MODEL}, so it cannot be searched with "
        "text-embedding-3-large. Index it again from scratch to use text-embedding-3-large."
    )
    assert "Traceback" not in page.banner.text
    assert rows(panel.list)[0][3] == "failed"


def test_changing_the_model_of_a_built_index_asks_then_indexes_from_scratch(
    qloop, qtbot, page, docs: Path
) -> None:
    panel = page.panel
    make_base(qloop, qtbot, panel, docs)
    click(qtbot, panel.index_button)
    run_until(qloop, lambda: panel.job is None and panel.files.topLevelItemCount() == 3)
    panel.model.setCurrentText("text-embedding-3-large")
    click(qtbot, panel.index_button)
    run_until(qloop, lambda: panel.question is not None and panel.question.isVisible())
    assert "from scratch" in panel.question.text()
    panel.question.button(QMessageBox.StandardButton.Cancel).click()  # keep the old model
    run_until(qloop, lambda: page.tasks.running == 0)
    assert panel.model.currentText() == MODEL
    assert panel.bases.all()[0].embedding_model == MODEL
    assert fake_knowledge.KnowledgeIndex.cleared == []

    panel.model.setCurrentText("text-embedding-3-large")
    click(qtbot, panel.index_button)
    run_until(qloop, lambda: panel.question is not None and panel.question.isVisible())
    [again] = [b for b in panel.question.buttons() if "Re-index" in b.text()]
    again.click()
    run_until(qloop, lambda: page.tasks.running == 0)
    assert fake_knowledge.KnowledgeIndex.cleared == [panel.bases.index_path("docs")]
    assert panel.bases.all()[0].embedding_model == "text-embedding-3-large"
    assert "2 files indexed, 1 skipped, 0 unchanged" in panel.summary.text()
    assert page.banner.text == ""


def test_a_provider_without_embeddings_and_a_missing_field_are_said(
    qloop, qtbot, page, docs: Path
) -> None:
    panel = page.panel
    click(qtbot, panel.new_button)
    click(qtbot, panel.index_button)
    run_until(qloop, lambda: page.banner.text)
    assert panel.problems.text() == (
        "Add at least one folder or file to index. Choose the embedding model that indexes it."
    )
    assert panel.bases.all() == []
    make_base(qloop, qtbot, panel, docs, "Chats")
    panel.provider.setCurrentIndex(panel.provider.findData("chat-only"))
    click(qtbot, panel.index_button)
    run_until(qloop, lambda: panel.job is None and "no embeddings" in page.banner.text)
    assert page.banner.text.startswith("Indexing “Chats”: Chat only offers no embeddings")
    assert rows(panel.list) == [["Chats", "0", "0", "failed"]]


def test_sources_add_each_once_and_remove_and_bases_remove_with_their_index(
    qloop, qtbot, page, docs: Path
) -> None:
    panel = page.panel
    make_base(qloop, qtbot, panel, docs)
    panel.add_sources([docs, docs / "guide.md", docs / "guide.md"])
    assert [panel.sources.item(i).text() for i in range(panel.sources.count())] == [
        str(docs),
        str(docs / "guide.md"),
    ]
    panel.sources.setCurrentRow(1)
    click(qtbot, panel.remove_source_button)
    assert panel.sources.count() == 1
    click(qtbot, panel.index_button)
    run_until(qloop, lambda: panel.job is None and panel.files.topLevelItemCount() == 3)
    path = panel.bases.index_path("docs")
    assert path.exists()
    click(qtbot, panel.remove_button)
    assert panel.bases.all() == [] and not path.exists()
    assert page.banner.text == "Removed “Docs” and its index."
    assert panel.list.topLevelItemCount() == 0 and panel.name.text() == ""


def test_at_first_show_each_indexed_base_is_updated_for_changed_files(
    qloop, qtbot, page, docs: Path, tmp_path: Path
) -> None:
    panel = page.panel
    make_base(qloop, qtbot, panel, docs)
    click(qtbot, panel.index_button)
    run_until(qloop, lambda: panel.job is None and panel.files.topLevelItemCount() == 3)
    guide = docs / "guide.md"
    guide.write_text("# Guide\nChanged.")
    os.utime(guide, ns=(guide.stat().st_atime_ns, guide.stat().st_mtime_ns + 10**9))
    (docs / "notes.txt").unlink()
    runs = len(fake_knowledge.state["runs"])
    page.show()  # the first show checks every base that has an index
    run_until(qloop, lambda: len(fake_knowledge.state["runs"]) == runs + 1 and panel.job is None)
    assert "1 file indexed, 0 skipped, 1 unchanged, 1 removed" in panel.summary.text()
    assert rows(panel.files) == [
        ["logo.bin", "skipped", "", "", "not a text file (binary)"],
        ["guide.md", "indexed", "", "2", ""],
    ]
    page.hide()
    page.show()  # once only
    run_until(qloop, lambda: page.tasks.running == 0)
    assert len(fake_knowledge.state["runs"]) == runs + 1


def test_the_app_puts_the_knowledge_page_beside_the_assistants(
    qloop, qtbot, parley, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.support.loop import run

    fake_knowledge.install(monkeypatch)
    tab = parley.assistants_tab
    panel = tab.knowledge
    assert panel is not None and tab.pages.tabText(1) == "Knowledge"
    assert panel.providers()[0][0] == ""  # the main provider first
    assert run(qloop, panel.gateway_for("")) is parley.chat.gateway
    assert panel.bases.folder == parley.paths.data_dir / "knowledge"
    tab.pages.setCurrentWidget(parley.assistants_tab.knowledge)
    parley.window.tabs.setCurrentWidget(tab)
    run_until(qloop, lambda: panel.checked_at_start and tab.tasks.running == 0)
    click(qtbot, panel.new_button)
    assert panel.name.text() == "New knowledge base"
