"""Knowledge in the Chat tab: which knowledge bases a conversation answers from, and the
search before each reply. A mixin of ChatTab.

Each conversation keeps its bases (in the app's database, under its id); a new one starts
with its assistant's. Before a reply with bases on, Parley searches them (the question is
embedded with each base's own model; nothing blocks the window), puts the best passages in
the request and gives the reply a note listing them, each a link to its file. When they do
not fit the model's context, or a base cannot be searched, the reply is not asked for: it is
kept as failed with the reason, which the banner says too.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from desktop_app.services.failure_text import failure_message
from desktop_app.ui.chat.dialogue_choices import DialogueChoice
from desktop_app.ui.chat.tools_button import ChipWords, ChoiceChip, ChoiceRow

if TYPE_CHECKING:
    from desktop_app.core.assistants import AssistantProfile
    from desktop_app.services.chat_session import ChatSession, PendingTurn
    from desktop_app.services.model_catalog import ModelCatalog

log = logging.getLogger(__name__)
FLAG = "chat_knowledge:{}"
KNOWLEDGE_WORDS = ChipWords(
    "Knowledge",
    "Knowledge bases for this conversation",
    "file",
    "No knowledge bases yet",
    "deleted",
    "Manage knowledge…",
    "Let Parley search your own documents before each reply in this chat",
    lambda names: "Before each reply Parley searches "
    + ", ".join(names)
    + " and gives the model the best passages; the reply lists them.",
)


def last_question(request: list[dict[str, Any]]) -> str:
    for message in reversed(request):
        if message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            return content
        if isinstance(content, list):
            texts = [p.get("text", "") for p in content if isinstance(p, dict)]
            return "\n".join(t for t in texts if isinstance(t, str))
    return ""


class ChatKnowledge:
    if TYPE_CHECKING:  # provided by ChatTab
        chat: ChatSession
        catalog: ModelCatalog
        dialogue_id: int | None
        assistant: AssistantProfile | None

        def show_notice(
            self, text: str, level: str = ..., action: str = ..., on_action: Any = ...
        ) -> None: ...

    def build_knowledge_controls(self) -> None:
        self._bases: Callable[[], Any] | None = None
        self._embed_for: Callable[[Any], Any] | None = None
        self._knowledge_choice = DialogueChoice(
            lambda: self.chat.store, FLAG, self._assistant_knowledge
        )
        self.knowledge_button = ChoiceChip(self._knowledge_rows, KNOWLEDGE_WORDS)
        self.knowledge_button.changed.connect(self._on_knowledge_changed)
        self.knowledge_button.hide()  # until the app gives it bases to offer
        # Open indexes by base id, kept between replies (their vector matrix is built once).
        self._indexes: dict[str, Any] = {}
        self._indexes_lock = threading.Lock()

    def set_knowledge_source(
        self,
        bases: Callable[[], Any],
        embed_for: Callable[[Any], Any],
        manage: Callable[[], None],
    ) -> None:
        """The knowledge bases' registry, how to embed for a base (its provider and model),
        and how to open the place where bases are made."""
        self._bases, self._embed_for = bases, embed_for
        self.knowledge_button.manage_requested.connect(manage)
        self.knowledge_button.show()
        self.show_dialogue_knowledge()

    def _open_index(self, base_id: str) -> Any:
        """A base's index, opened once (called in worker threads: two conversations may
        ask for the same base at once)."""
        with self._indexes_lock:
            index = self._indexes.get(base_id)
            if index is None:
                registry = self._registry()
                assert registry is not None
                index = self._indexes[base_id] = registry.open_index(base_id)
            return index

    def forget_knowledge_indexes(self) -> None:
        """Close the open indexes (a base was removed or changed; the app quits)."""
        with self._indexes_lock:
            indexes, self._indexes = self._indexes, {}
        for index in indexes.values():
            index.close()

    def _registry(self) -> Any:
        return self._bases() if self._bases is not None else None

    def _knowledge_rows(self) -> list[ChoiceRow]:
        registry = self._registry()
        if registry is None:
            return []
        return [(base.id, base.name, "", True) for base in registry.all()]

    def _assistant_knowledge(self) -> tuple[str, ...]:
        return tuple(self.assistant.knowledge) if self.assistant is not None else ()

    def show_dialogue_knowledge(self) -> None:
        self.knowledge_button.set_selection(self._knowledge_choice.get(self.dialogue_id))

    def forget_unsaved_knowledge(self) -> None:
        self._knowledge_choice.unsaved = None

    def _on_knowledge_changed(self, ids: tuple[str, ...]) -> None:
        self._knowledge_choice.choose(self.dialogue_id, ids)

    async def add_knowledge(self, turn: PendingTurn, session: ChatSession) -> bool:
        """Search the turn's bases and put what fits into its request. False when the
        reply must not be asked for (the reply is then kept as failed, with the reason)."""
        shown = turn.dialogue_id == self.dialogue_id
        if shown:
            self._knowledge_choice.keep_unsaved(turn.dialogue_id)
        ids = (
            self.knowledge_button.selection
            if shown
            else self._knowledge_choice.get(turn.dialogue_id)
        )
        registry = self._registry()
        if not ids or registry is None or self._embed_for is None:
            return True
        bases = [b for b in (registry.get(i) for i in ids) if b is not None]
        if not bases:
            return True
        from desktop_app.core.knowledge_fusion import DoesNotFit, with_knowledge
        from desktop_app.core.token_count import counter_for
        from desktop_app.services.gateway_errors import GatewayError
        from desktop_app.services.knowledge_turns import KnowledgeProblem, retrieve

        question = last_question(turn.request)
        if not question.strip():  # an image alone: nothing to search for
            return True
        try:
            found = await retrieve(
                bases,
                self._open_index,
                self._embed_for,
                question,
                turn.request,
                counter_for(turn.model).count,
                self.catalog.context_window(turn.model),
                turn.model,
            )
        except KnowledgeProblem as exc:
            return await self._refuse(turn, session, str(exc))
        except GatewayError as error:
            said = f"Searching the knowledge failed: {error.message}"
            return await self._refuse(turn, session, said)
        except Exception as exc:  # a damaged index, a provider gone from Settings…
            log.warning("searching the knowledge failed", exc_info=True)
            said = failure_message("Searching the knowledge", exc)
            return await self._refuse(turn, session, said)
        if isinstance(found, DoesNotFit):
            return await self._refuse(turn, session, found.message)
        turn.request = with_knowledge(turn.request, found.plan)
        if found.note is not None:
            turn.notes.append(found.note)
        if found.keywords_only and shown:
            names = ", ".join(f"“{name}”" for name in found.keywords_only)
            self.show_notice(
                f"The embedding server did not answer, so {names} was searched by keywords "
                "only for this reply.",
                "info",
            )
        return True

    async def _refuse(self, turn: PendingTurn, session: ChatSession, message: str) -> bool:
        await session.refuse(turn, message)
        if turn.dialogue_id == self.dialogue_id:
            self.show_notice(f"{message} The reply was not asked for.", "warning")
        return False
