"""Small fine-tuning datasets for tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def chat_example(i: int) -> dict[str, Any]:
    return {
        "messages": [
            {"role": "system", "content": "You answer in one short sentence."},
            {"role": "user", "content": f"What is {i} plus {i}?"},
            {"role": "assistant", "content": f"{i} plus {i} is {2 * i}."},
        ]
    }


def write_jsonl(path: Path, examples: list[Any]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in examples), "utf-8")
    return path


def chat_file(path: Path, count: int = 12) -> Path:
    return write_jsonl(path, [chat_example(i) for i in range(count)])


def labelled_csv(path: Path, rows: int = 12) -> Path:
    """question,answer,label: every prompt has a good and a bad answer."""
    lines = ["question,answer,label"]
    for i in range(rows):
        lines.append(f'"What is {i} plus {i}?","{i} plus {i} is {2 * i}.",positive')
        lines.append(f'"What is {i} plus {i}?","No idea.",negative')
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path
