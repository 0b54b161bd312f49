"""What the server "thinks" before answering, and how it sends it — deterministic, per model.

Real servers send a reasoning model's thoughts in several ways; a model name picks one:

- ``reasoner-content``: chat deltas carry ``reasoning_content`` (DeepSeek, vLLM, llama.cpp);
- ``reasoner-field``: chat deltas carry ``reasoning`` (OpenRouter, newer vLLM);
- ``reasoner-think``: the text itself starts with a ``<think>…</think>`` block (on either API),
  its tags split across chunks as a tokenizer would split them;
- ``reasoner-raw``: Responses ``response.reasoning_text.delta`` events (gpt-oss on vLLM);
- any reasoning model (o-series, gpt-5, ``reasoner-*``) asked for ``reasoning.summary`` on
  the Responses API: ``response.reasoning_summary_text.delta`` events, in two parts — unless
  ``"reasoning_summaries"`` is in ``server.unsupported``: then asking is a 400, as OpenAI
  answers an organisation that is not verified.

The models are not listed by default: a test adds the one it wants (``server.add_model``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .replies import split_into_chunks

PREFIX = "reasoner-"
CHAT_FIELDS = {"reasoner-content": "reasoning_content", "reasoner-field": "reasoning"}
THINK_MODEL = "reasoner-think"
RAW_MODEL = "reasoner-raw"
REASONING_PREFIXES = ("o1", "o3", "o4", "gpt-5", PREFIX)
THINK_OPEN = ["<th", "ink>\n"]  # how a tokenizer might cut the tags
THINK_CLOSE = ["\n</thi", "nk>\n\n"]


@dataclass
class Plan:
    """How one reply reasons: ``mode`` is "", "field", "think", "summary" or "raw"."""

    mode: str = ""
    parts: list[str] = field(default_factory=list)
    field_name: str = ""  # the chat delta field, for "field"

    @property
    def text(self) -> str:
        """The reasoning as one text (parts apart by a blank line), as the app stores it."""
        return "\n\n".join(self.parts)

    @property
    def pieces(self) -> list[str]:
        """The reasoning's streamed pieces (each part's, joined by the part break)."""
        return split_into_chunks(self.text) if self.parts else []


def is_reasoning_model(model: str) -> bool:
    return model.startswith(REASONING_PREFIXES)


def expected_reasoning(last_user_text: str) -> list[str]:
    """The parts of what the server thinks about a user message."""
    words = len(last_user_text.split())
    return [
        f"**Reading the request**\n\nThe user wrote {words} word(s); I will repeat them back.",
        "**Planning the answer**\n\nA list of what arrived, then a code block that prints it.",
    ]


def chat_plan(model: str, last_user_text: str) -> Plan:
    if model in CHAT_FIELDS:
        return Plan("field", expected_reasoning(last_user_text), CHAT_FIELDS[model])
    if model == THINK_MODEL:
        return Plan("think", expected_reasoning(last_user_text))
    return Plan()


def responses_plan(body: dict[str, Any], last_user_text: str) -> Plan:
    model = body.get("model", "")
    reasoning = body.get("reasoning")
    if model == RAW_MODEL:
        return Plan("raw", expected_reasoning(last_user_text))
    if model == THINK_MODEL:
        return Plan("think", expected_reasoning(last_user_text))
    if isinstance(reasoning, dict) and reasoning.get("summary") and is_reasoning_model(model):
        return Plan("summary", expected_reasoning(last_user_text))
    return Plan()


def think_pieces(plan: Plan, answer: list[str]) -> list[str]:
    """The text pieces of a reply that thinks inside ``<think>`` tags, then answers."""
    return [*THINK_OPEN, *plan.pieces, *THINK_CLOSE, *answer]


SUMMARIES_REFUSED = (
    "Your organization must be verified to generate reasoning summaries. Please go to: "
    "https://platform.openai.com/settings/organization/general and click on Verify "
    "Organization. If you just verified, it can take up to 15 minutes for access to propagate."
)


def asks_for_summary(body: dict[str, Any]) -> bool:
    reasoning = body.get("reasoning")
    return isinstance(reasoning, dict) and "summary" in reasoning


def unsupported_reasoning(param: str) -> str:
    """The API's words for a reasoning parameter sent to a model that does not reason."""
    return f"Unsupported parameter: '{param}' is not supported with this model."
