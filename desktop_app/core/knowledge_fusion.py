"""Hybrid retrieval's pure half: fuse two rankings, and fit the passages into a request.

Reciprocal rank fusion (Cormack et al., 2009) scores an item `sum(1 / (k + rank))` over the
rankings that hold it: it needs no calibration between bm25 scores and cosine similarities,
and an item near the top of both lists beats one at the top of only one.

Prompt assembly takes the fused passages best first, up to `max_passages`, while their tokens
stay within `passage_budget`; a passage is never cut — one that does not fit is left out and
listed as left out. If even the best passage exceeds the budget, or the passages, the
conversation and the room kept for the reply exceed the model's context, the answer is a
`DoesNotFit` with a sentence for the user instead of a request that would be cut.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from desktop_app.core.token_count import REPLY_PRIMING, TOKENS_PER_MESSAGE

K = TypeVar("K", bound=Hashable)
RRF_K = 60
INSTRUCTIONS = (
    "Answer from the numbered passages below when they are relevant, and cite the ones you "
    "use by their number, like [1]. If they do not hold the answer, say so."
)


def fuse(rankings: Sequence[Sequence[K]], k: int = RRF_K) -> list[tuple[K, float]]:
    """Items of all rankings (each best first), by fused score, best first; ties keep the
    order in which they were first seen."""
    scores: dict[K, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    order = {item: i for i, item in enumerate(scores)}
    return sorted(scores.items(), key=lambda pair: (-pair[1], order[pair[0]]))


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk as it goes into a request and is shown under the reply."""

    chunk_id: str
    text: str
    source: str  # "report.pdf, page 3"
    file: str
    page: int | None = None
    heading: tuple[str, ...] = ()
    lines: tuple[int, int] | None = None
    score: float = 0.0  # the fused score
    keyword_rank: int | None = None  # 1-based, None when FTS5 did not find it
    vector_rank: int | None = None


@dataclass(frozen=True)
class KnowledgeLimits:
    max_passages: int = 6
    passage_budget: int = 3000  # tokens for all passages together
    reply_reserve: int = 1024  # tokens kept free for the answer


@dataclass(frozen=True)
class PromptPlan:
    """The knowledge message to add to the request, the passages it holds (numbered from 1
    in this order) and those left out because the budget was spent."""

    message: dict[str, Any]
    used: tuple[Passage, ...]
    left_out: tuple[Passage, ...]
    tokens: int


@dataclass(frozen=True)
class DoesNotFit:
    needed: int
    available: int
    message: str


def passage_block(number: int, passage: Passage) -> str:
    return f"[{number}] Source: {passage.source}\n{passage.text}"


def plan_prompt(
    passages: Sequence[Passage],
    count: Callable[[str], int],
    limits: KnowledgeLimits,
    conversation_tokens: int,
    context_window: int | None,
    model: str = "the model",
) -> PromptPlan | DoesNotFit:
    """Fit the best passages into one message (see the module's docstring). `count` is a
    token counter for the chat model (`token_count.counter_for(model).count`);
    `conversation_tokens` what the rest of the request takes; `context_window` None when
    the model's context is not known (then only the passage budget applies)."""
    head = count(INSTRUCTIONS) + TOKENS_PER_MESSAGE
    used: list[Passage] = []
    left_out: list[Passage] = []
    spent = 0
    for passage in passages:
        if len(used) >= limits.max_passages:
            break
        cost = count(passage_block(len(used) + 1, passage)) + 2
        if spent + cost > limits.passage_budget:
            left_out.append(passage)
            continue
        used.append(passage)
        spent += cost
    if passages and not used:
        best = count(passage_block(1, passages[0])) + 2
        return DoesNotFit(
            best,
            limits.passage_budget,
            f"The best passage alone needs {best:,} tokens, more than the knowledge budget of "
            f"{limits.passage_budget:,}. Raise the budget in the knowledge settings.",
        )
    if not used:
        return PromptPlan({"role": "system", "content": ""}, (), (), 0)
    total = head + spent
    if context_window is not None:
        needed = total + conversation_tokens + REPLY_PRIMING + limits.reply_reserve
        if needed > context_window:
            return DoesNotFit(
                needed,
                context_window,
                f"The {len(used)} passages ({total:,} tokens) and this conversation "
                f"({conversation_tokens:,} tokens), with {limits.reply_reserve:,} kept for the "
                f"reply, need {needed:,} tokens; {model} can hold {context_window:,}. Use fewer "
                "passages, a smaller knowledge budget, a shorter conversation or a model with "
                "a larger context.",
            )
    blocks = "\n\n".join(passage_block(i, p) for i, p in enumerate(used, start=1))
    message = {"role": "system", "content": f"{INSTRUCTIONS}\n\n{blocks}"}
    return PromptPlan(message, tuple(used), tuple(left_out), total)


def with_knowledge(messages: Sequence[dict[str, Any]], plan: PromptPlan) -> list[dict[str, Any]]:
    """The request's messages with the knowledge message just before the last user message
    (after the assistant's own instructions, beside the question it serves)."""
    out = list(messages)
    if not plan.used:
        return out
    last_user = max((i for i, m in enumerate(out) if m.get("role") == "user"), default=len(out))
    out.insert(last_user, plan.message)
    return out
