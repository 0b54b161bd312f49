"""Datasets to files: OpenAI JSONL (chat or preference), a train/validation split, and a
ShareGPT-style JSON for local trainers (LLaMA-Factory, Axolotl, unsloth read it).

ShareGPT: {"system": "...", "conversations": [{"from": "human"|"gpt"|"function_call"|
"observation", "value": "..."}], "images": [...]} — an image in a message becomes an "<image>"
mark in its text and its URL goes to "images". A preference pair keeps the conversation and adds
"chosen" and "rejected" replies.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from desktop_app.core.training_estimate import MIN_EXAMPLES

SHAREGPT_ROLES = {"user": "human", "assistant": "gpt", "tool": "observation"}


class SplitRefused(ValueError):
    """A validation split that would leave a file with too few examples; the message says
    why, as a sentence for the user."""


def write_jsonl(examples: Iterable[dict[str, Any]], out: TextIO) -> int:
    count = 0
    for example in examples:
        out.write(json.dumps(example, ensure_ascii=False) + "\n")
        count += 1
    return count


def held_out(count: int, fraction: float, minimum: int = MIN_EXAMPLES) -> tuple[int, str]:
    """How many of `count` examples a validation split of `fraction` holds out, and a
    sentence when that is not the fraction asked for. Each file must pass the same check as
    any dataset (at least `minimum` examples), so the share is raised to `minimum` when it
    would be fewer, and a dataset too small for two such files is refused (SplitRefused)."""
    if fraction <= 0:
        return 0, ""
    wanted = round(count * fraction)
    if count < 2 * minimum:
        raise SplitRefused(
            f"A validation split needs at least {2 * minimum} examples ({minimum} in each "
            f"file, the least a fine-tuning file may hold); this dataset has {count:,}. Save "
            "it without a split (0 %) or add examples."
        )
    held = min(count - minimum, max(minimum, wanted))
    if held == wanted:
        return held, ""
    percent = round(fraction * 100)
    why = (
        "the least a validation file may hold" if held == minimum
        else f"so that the training file keeps {minimum}"
    )  # fmt: skip
    return held, (
        f"{held:,} examples were held out for validation rather than {wanted:,} ({percent} %): "
        f"{why}."
    )


def split(
    examples: Sequence[dict[str, Any]],
    validation_fraction: float,
    seed: int = 0,
    minimum: int = MIN_EXAMPLES,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Shuffle with a fixed seed and hold out a share for validation (see `held_out`: each
    file keeps at least `minimum` examples, or SplitRefused)."""
    held, _ = held_out(len(examples), validation_fraction, minimum)
    if not held:
        return list(examples), []
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    chosen = set(order[:held])
    train = [e for i, e in enumerate(examples) if i not in chosen]
    valid = [e for i, e in enumerate(examples) if i in chosen]
    return train, valid


def _text_and_images(content: Any) -> tuple[str, list[str]]:
    if isinstance(content, str):
        return content, []
    texts, images = [], []
    for part in content if isinstance(content, list) else []:
        if isinstance(part, dict) and part.get("type") == "text":
            texts.append(str(part.get("text", "")))
        elif isinstance(part, dict) and part.get("type") == "image_url":
            url = (part.get("image_url") or {}).get("url", "")
            images.append(str(url))
            texts.append("<image>")
    return "\n".join(texts), images


def _turns(messages: list[dict[str, Any]], record: dict[str, Any]) -> list[dict[str, str]]:
    turns = []
    for m in messages:
        role = m.get("role")
        text, images = _text_and_images(m.get("content"))
        if role in ("system", "developer"):
            record["system"] = (record.get("system", "") + "\n" + text).strip()
            continue
        if images:
            record.setdefault("images", []).extend(images)
        if role == "assistant" and m.get("tool_calls"):
            for call in m["tool_calls"]:
                function = call.get("function", {})
                value = {"name": function.get("name"), "arguments": function.get("arguments")}
                turns.append({"from": "function_call", "value": json.dumps(value)})
            if not text:
                continue
        turns.append({"from": SHAREGPT_ROLES.get(str(role), str(role)), "value": text})
    return turns


def to_sharegpt(example: dict[str, Any]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    if "messages" in example:
        record["conversations"] = _turns(example["messages"], record)
        return record
    record["conversations"] = _turns(example.get("input", {}).get("messages", []), record)
    for key, name in (("preferred_output", "chosen"), ("non_preferred_output", "rejected")):
        output = (example.get(key) or [{}])[0]
        text, _ = _text_and_images(output.get("content"))
        record[name] = {"from": "gpt", "value": text}
    return record


def write_sharegpt(examples: Iterable[dict[str, Any]], out: TextIO) -> int:
    """A JSON array, written one record at a time."""
    count = 0
    out.write("[\n")
    for example in examples:
        out.write((",\n" if count else "") + json.dumps(to_sharegpt(example), ensure_ascii=False))
        count += 1
    out.write("\n]\n")
    return count
