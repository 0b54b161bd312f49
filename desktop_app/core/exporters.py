"""Dialogues to files: JSON in the seed's log shape, Markdown, and fine-tuning JSONL.

Writers take dialogues one at a time and a text stream, so exporting thousands of dialogues
never holds them all in memory. One dialogue as JSON is exactly the seed's log (a list of
{role, content, sentiment, timestamp}); several are a list of {title, model, messages: log},
which the importer reads back. Reasoning goes into JSON and Markdown only when asked for
(`include_reasoning`), and never into a fine-tuning set: the model would learn to write its
thoughts into the answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TextIO

from desktop_app.core.dialogue import Dialogue, Status, to_log, to_markdown

FORMATS = {
    "json": "JSON dialogue log (*.json)",
    "markdown": "Markdown (*.md)",
    "jsonl": "Fine-tuning JSONL (*.jsonl)",
}
EXTENSIONS = {"json": ".json", "markdown": ".md", "jsonl": ".jsonl"}
TRAINING_ROLES = ("system", "user", "assistant")


@dataclass
class ExportReport:
    written: int = 0
    skipped: list[str] = field(default_factory=list)

    def summary(self, path_name: str) -> str:
        text = f"Exported {self.written} dialogue{'s' if self.written != 1 else ''} to {path_name}."
        if self.skipped:
            text += f" Left out {len(self.skipped)}: " + "; ".join(self.skipped[:10]) + "."
        return text


def log_with_system(
    dialogue: Dialogue, all_branches: bool = False, include_reasoning: bool = False
) -> list[dict[str, Any]]:
    """The seed's log of a dialogue, its system instruction first (as the seed sent it); with
    `all_branches`, every branch (see `to_log`)."""
    log = to_log(dialogue, all_branches, include_reasoning)
    if dialogue.system:
        log.insert(0, {"role": "system", "content": dialogue.system, "sentiment": None})
    return log


def training_example(dialogue: Dialogue) -> tuple[dict[str, Any] | None, str]:
    """One fine-tuning example ({"messages": [...]}) from a dialogue, or None and why not.

    Only finished messages go in: an interrupted or failed reply would teach the model to stop
    mid-sentence. The example ends on the assistant's last reply.
    """
    messages: list[dict[str, Any]] = []
    if dialogue.system.strip():
        messages.append({"role": "system", "content": dialogue.system})
    for m in dialogue.messages:
        if m.status is not Status.COMPLETE:
            continue
        if m.role == "assistant" and m.tool_calls:
            call = {"role": "assistant", "content": m.content or None, "tool_calls": m.tool_calls}
            messages.append(call)
        elif m.role == "tool" and m.tool_call_id:
            messages.append({"role": "tool", "tool_call_id": m.tool_call_id, "content": m.content})
        elif m.role in TRAINING_ROLES and m.content.strip():
            messages.append({"role": m.role, "content": m.content})
    while messages and messages[-1]["role"] != "assistant":
        messages.pop()
    if not any(m["role"] == "user" for m in messages):
        return None, f"{dialogue.title!r} has no user message answered by the assistant"
    return {"messages": messages}, ""


def write_export(
    fmt: str,
    dialogues: Iterable[Dialogue],
    count: int,
    out: TextIO,
    step: Callable[[int], None] | None = None,
    all_branches: bool = False,
    include_reasoning: bool = False,
) -> ExportReport:
    """Write `count` dialogues in `fmt` ("json", "markdown" or "jsonl"); `step(i)` after each
    (it may raise to cancel).

    Every format writes the branch each dialogue shows. With `all_branches`, JSON writes every
    branch (the dialogues' `tree`, each message with its id and parent); Markdown and JSONL
    read as one conversation, so they keep to the branch shown. `include_reasoning`: replies'
    reasoning too (JSON, Markdown).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    report = ExportReport()
    if fmt == "json" and count > 1:
        out.write("[\n")
    for index, dialogue in enumerate(dialogues):
        if fmt == "jsonl":
            example, reason = training_example(dialogue)
            if example is None:
                report.skipped.append(reason)
            else:
                out.write(json.dumps(example, ensure_ascii=False) + "\n")
                report.written += 1
        elif fmt == "markdown":
            markdown = to_markdown(dialogue, include_reasoning)
            out.write(("\n---\n\n" if index else "") + markdown)
            report.written += 1
        elif count == 1:
            log = log_with_system(dialogue, all_branches, include_reasoning)
            out.write(json.dumps(log, ensure_ascii=False, indent=2) + "\n")
            report.written += 1
        else:
            entry = {
                "title": dialogue.title,
                "model": dialogue.model,
                "messages": log_with_system(dialogue, all_branches, include_reasoning),
            }
            text = json.dumps(entry, ensure_ascii=False, indent=2)
            out.write((",\n" if index else "") + text)
            report.written += 1
        if step is not None:
            step(index + 1)
    if fmt == "json" and count > 1:
        out.write("\n]\n")
    return report
