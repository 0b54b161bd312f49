"""Token counts that work offline, for validation and cost estimates.

Parley counts with OpenAI's own `tiktoken`, over the `o200k_base` and `cl100k_base`
vocabularies it ships (core/bpe_vocabularies.py loads and checks them; tiktoken would download
them on first use). Text is counted as ordinary text: a dataset that mentions `<|endoftext|>`
is counted as the characters it holds (a dataset's text is data, never a control token), and
a lone surrogate (JSON allows `"\\ud800"`) counts as the U+FFFD tiktoken puts in its place.
Where tiktoken or a vocabulary cannot be loaded, a documented approximation takes over and
every report says so.

Messages are counted the way OpenAI's cookbook counts chat examples: 3 tokens of framing per
message, 1 more for a `name`, and 3 that prime the reply. An image is counted as a fixed
IMAGE_TOKENS (its real cost depends on its size and detail, which a dataset line does not say).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.core.bpe_vocabularies import VocabularyError, load_encoding

O200K, CL100K = "o200k_base", "cl100k_base"
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3
# A 512×512 tile at high detail: 85 base + 170 per tile for a typical 1024-px image, about.
IMAGE_TOKENS = 765
# Older models use cl100k_base; everything from gpt-4o on uses o200k_base.
_CL100K_PREFIXES = ("gpt-3.5", "gpt-4-", "gpt-4")
_O200K_PREFIXES = ("gpt-4o", "gpt-4.1", "gpt-4.5", "chatgpt-4o")
_APPROX_PIECE = re.compile(r"[^\W\d_]+|\d{1,3}|[^\w\s]+|\s+", re.UNICODE)


def encoding_for(model: str) -> str:
    """The vocabulary a model (or a fine-tune of it, `ft:base:org::id`) tokenizes with."""
    name = model.lower().removeprefix("ft:")
    if name.startswith(_O200K_PREFIXES):
        return O200K
    if name.startswith(_CL100K_PREFIXES):
        return CL100K
    return O200K


def approximate_tokens(text: str) -> int:
    """A tokenizer-free estimate: one token per short word, number group or punctuation run,
    plus one per further 6 characters of a long word; non-Latin letters count about one each.
    Measured against o200k_base: +8% on English prose, +16% on code, further off for other
    scripts (+50% Cyrillic, -12% Chinese). It errs high, which is the safe side for limits."""
    total = 0
    for piece in _APPROX_PIECE.findall(text):
        if piece.isspace():
            total += 1 if "\n" in piece or len(piece) > 1 else 0
        elif piece.isascii():
            total += 1 + (len(piece) - 1) // 6
        else:
            total += max(1, len(piece) // 2)
    return total


@dataclass
class TokenCounter:
    """Counts tokens for one encoding. `exact` is False for the approximation; `source` says
    which counts these are, in words a report can show."""

    encoding: str = O200K
    folder: Path | None = None  # the vocabularies' folder; None: the shipped ones
    exact: bool = field(init=False, default=False)
    source: str = field(init=False, default="")
    _tokenizer: Any = field(init=False, default=None, repr=False)

    def __post_init__(self) -> None:
        try:
            import tiktoken

            self._tokenizer = load_encoding(self.encoding, self.folder)
        except (ImportError, OSError, VocabularyError) as exc:
            self.source = (
                f"approximate counts (tiktoken's {self.encoding} could not be loaded: {exc}); "
                "they may be up to 20% high"
            )
            return
        self.exact = True
        self.source = f"exact {self.encoding} counts (tiktoken {tiktoken.__version__}, offline)"

    def count(self, text: str) -> int:
        if not text:
            return 0
        if self._tokenizer is None:
            return approximate_tokens(text)
        return len(self._tokenizer.encode_ordinary(text))

    def count_many(self, texts: Sequence[str]) -> list[int]:
        """Counts for many texts, each exactly as `count` gives it. A plain loop: tiktoken's
        `encode_ordinary_batch` starts a thread pool and hands it one text at a time, which
        measured 7× slower for dataset-sized texts (bench/datasets.py)."""
        return [self.count(text) for text in texts]


def counter_for(model: str) -> TokenCounter:
    return TokenCounter(encoding_for(model))


# --- chat examples -----------------------------------------------------------------------


def _content_texts(content: Any) -> tuple[list[str], int]:
    """The texts of a message's content and how many images it holds."""
    if isinstance(content, str):
        return [content], 0
    texts: list[str] = []
    images = 0
    if isinstance(content, list):
        for part in content:
            if not isinstance(part, dict):
                continue
            if part.get("type") == "text" and isinstance(part.get("text"), str):
                texts.append(part["text"])
            elif part.get("type") == "image_url":
                images += 1
    return texts, images


def message_texts(message: Any) -> tuple[list[str], int, int]:
    """(texts to tokenize, fixed extra tokens, images) for one message of an example."""
    if not isinstance(message, dict):
        return [], 0, 0
    texts: list[str] = []
    extra = TOKENS_PER_MESSAGE
    images = 0
    for key, value in message.items():
        if key == "content":
            parts, images = _content_texts(value)
            texts += parts
        elif key == "tool_calls" and value:
            texts.append(json.dumps(value, ensure_ascii=False))
        elif key in ("role", "name", "tool_call_id") and isinstance(value, str):
            texts.append(value)
            extra += TOKENS_PER_NAME if key == "name" else 0
    return texts, extra + images * IMAGE_TOKENS, images


def example_messages(example: Any) -> list[Any]:
    """Every message an example holds: chat `messages`, or a DPO line's input and outputs."""
    if not isinstance(example, dict):
        return []
    if isinstance(example.get("messages"), list):
        return list(example["messages"])
    messages: list[Any] = []
    source = example.get("input")
    if isinstance(source, dict) and isinstance(source.get("messages"), list):
        messages += source["messages"]
    for key in ("preferred_output", "non_preferred_output"):
        if isinstance(example.get(key), list):
            messages += example[key]
    return messages


def count_examples(counter: TokenCounter, examples: Iterable[Any]) -> list[int]:
    """Tokens per example (cookbook rules), counting all their texts in one batch."""
    texts: list[str] = []
    owners: list[int] = []
    totals: list[int] = []
    for index, example in enumerate(examples):
        total = REPLY_PRIMING
        for message in example_messages(example):
            parts, extra, _ = message_texts(message)
            total += extra
            texts += parts
            owners += [index] * len(parts)
        totals.append(total)
    for owner, n in zip(owners, counter.count_many(texts), strict=True):
        totals[owner] += n
    return totals
