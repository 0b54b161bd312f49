"""A message's row in the database, read back: the columns `Store` selects and the `Message`
they make (tool notes decoded, the status as a `Status`)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from desktop_app.core.dialogue import Message, Status, valid_tool_calls
from desktop_app.core.tool_notes import notes_from_json

MESSAGE_COLUMNS = (
    "id, dialogue_id, role, content, model, sentiment_label, sentiment_score, prompt_tokens, "
    "completion_tokens, status, error, created_at, updated_at, assistant_id, assistant_snapshot, "
    "tool_notes, rating, parent_id, reasoning, reasoning_seconds, first_token_seconds, "
    "tokens_per_second, ending, tool_calls, tool_call_id, tool_info"
)


def _json(text: str) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:  # a damaged value: read as none
        return None


def message_from_row(row: sqlite3.Row) -> Message:
    info = _json(row["tool_info"])
    return Message(
        id=row["id"],
        dialogue_id=row["dialogue_id"],
        role=row["role"],
        content=row["content"],
        model=row["model"],
        sentiment_label=row["sentiment_label"],
        sentiment_score=row["sentiment_score"],
        prompt_tokens=row["prompt_tokens"],
        completion_tokens=row["completion_tokens"],
        status=Status(row["status"]),
        error=row["error"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        assistant_id=row["assistant_id"],
        assistant_snapshot=row["assistant_snapshot"],
        tool_notes=notes_from_json(row["tool_notes"]),
        rating=row["rating"],
        parent_id=row["parent_id"],
        reasoning=row["reasoning"],
        reasoning_seconds=row["reasoning_seconds"],
        first_token_seconds=row["first_token_seconds"],
        tokens_per_second=row["tokens_per_second"],
        ending=row["ending"],
        tool_calls=valid_tool_calls(_json(row["tool_calls"])),
        tool_call_id=row["tool_call_id"],
        tool_info=info if isinstance(info, dict) else {},
    )
