"""Knowledge for one chat turn: the passages of the attached knowledge bases that answer the
question, fitted into the request with their sources, or a sentence saying why they do not fit.

Each base is searched with the embedding model it was built with (a base built with another
model than its settings now name is refused with a sentence, never searched with the wrong
vectors): the question is embedded through that base's provider, the base's index searched
in a worker thread (hybrid: keywords and vectors, fused), and the bases' results fused again.
The best passages go into one message before the question, numbered, each with its source;
`plan_prompt` leaves out what the budget cannot hold and refuses what the model's context
cannot (`DoesNotFit`). The reply keeps the passages it was given as a note ("knowledge"),
each citation a link that opens the file (at its page, for a PDF).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from desktop_app.core.knowledge_fusion import (
    DoesNotFit,
    KnowledgeLimits,
    Passage,
    PromptPlan,
    fuse,
    plan_prompt,
)
from desktop_app.core.token_count import message_texts
from desktop_app.core.tool_notes import Citation, ToolNote
from desktop_app.services.gateway_errors import ErrorKind, GatewayError

Embed = Callable[[list[str]], Awaitable[list[list[float]]]]
EXCERPT = 140  # characters of a passage shown beside its source in the reply's note


class Base(Protocol):
    """What a knowledge base's settings give (core.knowledge_bases.KnowledgeBase)."""

    id: str
    name: str
    provider: str
    embedding_model: str
    max_passages: int
    passage_budget: int


class KnowledgeProblem(Exception):
    """A base cannot be searched now; the message is a sentence for the user."""


@dataclass(frozen=True)
class Retrieved:
    plan: PromptPlan
    note: ToolNote | None  # the passages used, for the reply to show and keep
    keywords_only: tuple[str, ...] = ()  # bases searched by keyword alone (no embeddings)


def file_link(passage: Passage) -> str:
    """A link that opens the passage's file (a PDF at its page, where the viewer follows it)."""
    path = Path(passage.file)
    if not path.is_absolute():
        return ""
    return path.as_uri() + (f"#page={passage.page}" if passage.page else "")


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT else flat[: EXCERPT - 1] + "…"


def knowledge_note(plan: PromptPlan, names: Sequence[str]) -> ToolNote | None:
    if not plan.used:
        return None
    count = len(plan.used)
    summary = f"{count} passage{'s' if count > 1 else ''} from {', '.join(names)}"
    citations = tuple(
        Citation(f"[{n}] {p.source} — {_excerpt(p.text)}", url=file_link(p), file=p.file)
        for n, p in enumerate(plan.used, start=1)
    )
    return ToolNote("knowledge", summary, citations, "knowledge")


def conversation_tokens(request: Sequence[dict[str, Any]], count: Callable[[str], int]) -> int:
    total = 0
    for message in request:
        texts, extra, _images = message_texts(message)
        total += extra + sum(count(t) for t in texts)
    return total


def _limits(bases: Sequence[Base]) -> KnowledgeLimits:
    return KnowledgeLimits(
        max_passages=max(1, min(b.max_passages for b in bases)),
        passage_budget=max(1, min(b.passage_budget for b in bases)),
    )


async def retrieve(
    bases: Sequence[Base],
    open_index: Callable[[str], Any],
    embed_for: Callable[[Base], Embed],
    question: str,
    request: Sequence[dict[str, Any]],
    count: Callable[[str], int],
    context_window: int | None,
    model: str,
) -> Retrieved | DoesNotFit:
    """Search every base for `question` and plan the request (see the module docstring).
    Raises KnowledgeProblem for a base that cannot be searched, GatewayError when the
    embedding server fails."""
    from desktop_app.services.knowledge_index import EmbeddingMismatch

    limits = _limits(bases)
    rankings: list[list[Passage]] = []
    keywords_only: list[str] = []
    for base in bases:
        index = await asyncio.to_thread(open_index, base.id)
        try:
            await asyncio.to_thread(index.check_embedding, base.provider, base.embedding_model)
        except EmbeddingMismatch as exc:
            raise KnowledgeProblem(f"“{base.name}”: {exc}") from None
        if await asyncio.to_thread(index.chunk_count) == 0:
            raise KnowledgeProblem(
                f"The knowledge base “{base.name}” has nothing indexed yet. Index it in the "
                "Assistants tab (Knowledge), or turn it off for this chat."
            )
        vector: list[float] | None
        try:
            vector = (await embed_for(base)([question]))[0]
        except GatewayError as error:
            if error.kind not in (ErrorKind.OFFLINE, ErrorKind.TIMEOUT, ErrorKind.SERVER):
                raise
            vector = None  # the embedding server is away: keywords still find passages
            keywords_only.append(base.name)
        found = await asyncio.to_thread(index.search, question, vector, limits.max_passages * 2)
        rankings.append(list(found))
    by_id = {p.chunk_id: p for ranking in rankings for p in ranking}
    if len(rankings) == 1:
        passages = rankings[0]
    else:
        fused = fuse([[p.chunk_id for p in ranking] for ranking in rankings])
        passages = [by_id[chunk] for chunk, _score in fused]
    plan = plan_prompt(
        passages, count, limits, conversation_tokens(request, count), context_window, model
    )
    if isinstance(plan, DoesNotFit):
        return plan
    note = knowledge_note(plan, [b.name for b in bases])
    return Retrieved(plan, note, tuple(keywords_only))
