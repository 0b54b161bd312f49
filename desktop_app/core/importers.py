"""Dialogues from files: the seed's JSON logs, Parley's own exports, and ChatGPT's export.

Accepted shapes:
- the seed's log: a list of {role, content, sentiment, timestamp} (one dialogue), or an
  object {"messages": [...]} (with optional title and model);
- a list of such objects (what Parley writes when several dialogues are exported as JSON);
- ChatGPT's `conversations.json`: a list of conversations, each a tree of messages under
  "mapping"; the branch the user last saw (ending at "current_node") is imported.

A file that is not JSON at all — truncated, mis-encoded, too big — fails as a whole with
`ImportFailed`. A dialogue inside a good file that cannot be read is skipped whole (never half
of one) and the report says which and why. Writing is the store's business; nothing here does
I/O beyond reading the stream it is given.
"""

from __future__ import annotations

import codecs
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from desktop_app.core.dialogue import Dialogue, LogFormatError, Message, from_log, make_title
from desktop_app.core.json_stream import JsonEntries, JsonStreamError
from desktop_app.core.sentiment import SentimentAnalyzer
from desktop_app.core.text_guard import replaced_note

CHUNK_BYTES = 1 << 20
# One entry of the top-level list: a message of a seed log, or one whole conversation.
MAX_ENTRY_CHARS = 32_000_000
MAX_REASONS = 50
RATE_CHECK_EVERY = 64  # messages rated between two looks at Cancel (well under a second)
UNEXPECTED_SHAPE = "a field in it holds something other than what ChatGPT writes there"

# (phase, done, total): "Reading" counts bytes, "Rating tone" and "Saving" count messages.
Progress = Callable[[str, int, int], None]


class ImportFailed(ValueError):
    """The file cannot be imported at all; the message is for the user."""


class Cancelled(Exception):
    """The user cancelled an import or an export; nothing was kept."""


@dataclass
class ImportedDialogue:
    dialogue: Dialogue
    assistant: str = ""


@dataclass
class ImportReport:
    """What a file held: the dialogues to write, and what was left out, with reasons."""

    source: str = ""
    dialogues: list[ImportedDialogue] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    skipped_count: int = 0
    left_out: Counter[str] = field(default_factory=Counter)
    replaced: int = 0  # lone surrogates replaced by U+FFFD

    @property
    def message_count(self) -> int:
        return sum(len(d.dialogue.messages) for d in self.dialogues)

    def skip(self, reason: str) -> None:
        self.skipped_count += 1
        if len(self.skipped) < MAX_REASONS:
            self.skipped.append(reason)

    def summary(self) -> str:
        count = len(self.dialogues)
        parts = [
            f"Imported {count} dialogue{'s' if count != 1 else ''} "
            f"({self.message_count} messages) from {self.source or 'the file'}."
        ]
        if self.skipped_count:
            more = self.skipped_count - len(self.skipped)
            reasons = "; ".join(self.skipped) + (f"; and {more} more" if more > 0 else "")
            parts.append(f"Skipped {self.skipped_count}: {reasons}.")
        if self.left_out:
            kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(self.left_out.items()))
            parts.append(f"Left out what Parley cannot show: {kinds}.")
        if self.replaced:
            parts.append(replaced_note(self.replaced))
        return " ".join(parts)


# --- reading text -------------------------------------------------------------------------


def decode_chunks(stream: BinaryIO, on_bytes: Callable[[int], None] | None = None) -> Iterator[str]:
    """Text from a binary stream, a megabyte at a time: UTF-8 (or UTF-16/32 with a BOM)."""
    head = stream.read(4)
    encoding = "utf-8"
    for bom, name in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if head.startswith(bom):
            encoding = name
            break
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset = 0
    data = head
    while True:
        final = not data
        try:
            text = decoder.decode(data, final=final)
        except UnicodeDecodeError as exc:
            at = offset + max(exc.start, 0)
            bad = exc.object[exc.start : exc.start + 1].hex().upper() if exc.object else ""
            raise ImportFailed(
                f"The file is not {encoding.upper().removesuffix('-SIG')} text: the byte "
                f"0x{bad} at position {at:,} cannot be read. Save the file as UTF-8 (most "
                "editors offer it under Save As → Encoding) and import it again."
            ) from exc
        if text:
            yield text
        if final:
            return
        offset += len(data)
        if on_bytes is not None:
            on_bytes(offset)
        data = stream.read(CHUNK_BYTES)


# --- shapes -------------------------------------------------------------------------------


def _seed_dialogue(entries: list[Any], title: Any = None, model: Any = None) -> Dialogue:
    messages = from_log(entries)
    if not messages:
        raise LogFormatError("it has no messages")
    system = ""
    if messages[0].role in ("system", "developer"):
        system = messages.pop(0).content
    first_user = next((m.content for m in messages if m.role == "user"), "")
    return _dialogue(
        title if isinstance(title, str) and title.strip() else make_title(first_user),
        model if isinstance(model, str) else "",
        system,
        messages,
    )


def _dialogue(title: str, model: str, system: str, messages: list[Message]) -> Dialogue:
    times = [m.created_at for m in messages if m.created_at]
    return Dialogue(
        title=title,
        model=model,
        system=system,
        created_at=min(times, default=0.0),
        updated_at=max(times, default=0.0),
        messages=messages,
    )


def _newest_leaf(mapping: dict[str, Any]) -> str | None:
    """With no current node: follow the newest child from the root. Every node is visited at
    most once, so links that loop back (a damaged or hostile file) end the walk."""
    roots = [k for k, n in mapping.items() if isinstance(n, dict) and not n.get("parent")]
    current = roots[0] if roots else None
    seen: set[str] = set()
    while isinstance(current, str) and current in mapping and current not in seen:
        seen.add(current)
        node = mapping[current]
        children = node.get("children") if isinstance(node, dict) else None
        if not isinstance(children, list) or not children:
            return current
        following = [c for c in children if isinstance(c, str) and c not in seen]
        if not following:
            return current
        current = following[-1]
    return current if isinstance(current, str) and current in mapping else None


def _chatgpt_branch(mapping: dict[str, Any], current: Any) -> list[dict[str, Any]]:
    """The nodes from the root to `current` (the branch shown last), oldest first."""
    if not isinstance(current, str) or current not in mapping:
        current = _newest_leaf(mapping)
    branch: list[dict[str, Any]] = []
    seen: set[str] = set()
    while isinstance(current, str) and current in mapping and current not in seen:
        seen.add(current)
        node = mapping[current]
        if not isinstance(node, dict):
            raise LogFormatError(f"node {current!r} is not an object")
        branch.append(node)
        current = node.get("parent")
    branch.reverse()
    return branch


def _chatgpt_text(message: dict[str, Any], left_out: Counter[str]) -> str:
    content = message.get("content") or {}
    kind = content.get("content_type") if isinstance(content, dict) else None
    if kind not in ("text", "multimodal_text"):
        left_out[f"{kind or 'unknown'} parts"] += 1
        return ""
    texts = []
    for part in content.get("parts") or []:
        if isinstance(part, str):
            texts.append(part)
        elif isinstance(part, dict) and "image" in str(part.get("content_type", "")):
            left_out["images"] += 1
        else:
            left_out["attachments"] += 1
    return "\n".join(texts).strip()


def _chatgpt_dialogue(conversation: dict[str, Any], left_out: Counter[str]) -> ImportedDialogue:
    mapping = conversation.get("mapping")
    if not isinstance(mapping, dict):
        raise LogFormatError("it has no message tree ('mapping')")
    messages: list[Message] = []
    system = ""
    models: list[str] = []
    for node in _chatgpt_branch(mapping, conversation.get("current_node")):
        message = node.get("message")
        if not isinstance(message, dict):
            continue
        author = message.get("author") or {}
        role = author.get("role") if isinstance(author, dict) else None
        metadata = message.get("metadata") or {}
        if metadata.get("is_visually_hidden_from_conversation"):
            continue
        text = _chatgpt_text(message, left_out)
        if not text:
            continue
        if role == "system":
            system = system or text
            continue
        if role not in ("user", "assistant") or message.get("recipient", "all") != "all":
            left_out["tool steps"] += 1
            continue
        slug = metadata.get("model_slug")
        model = slug if isinstance(slug, str) else ""
        if model:
            models.append(model)
        created = message.get("create_time")
        messages.append(
            Message(
                role=role,
                content=text,
                model=model,
                created_at=float(created) if isinstance(created, int | float) else 0.0,
            )
        )
    if not any(m.role == "user" for m in messages):
        raise LogFormatError("it has no message from the user with text")
    title = conversation.get("title")
    first_user = next(m.content for m in messages if m.role == "user")
    default_model = conversation.get("default_model_slug")
    dialogue = _dialogue(
        title if isinstance(title, str) and title.strip() else make_title(first_user),
        default_model if isinstance(default_model, str) else (models[-1] if models else ""),
        system,
        messages,
    )
    for stamp, attr in (("create_time", "created_at"), ("update_time", "updated_at")):
        value = conversation.get(stamp)
        if isinstance(value, int | float) and value > 0:
            setattr(dialogue, attr, float(value))
    gizmo = conversation.get("gizmo_id")
    return ImportedDialogue(dialogue, gizmo if isinstance(gizmo, str) else "")


def _name(entry: dict[str, Any], index: int, what: str) -> str:
    title = entry.get("title")
    named = f" ({title[:40]!r})" if isinstance(title, str) and title else ""
    return f"{what} {index}{named}"


# --- the whole file -----------------------------------------------------------------------


def read_dialogues(
    stream: BinaryIO,
    size: int = 0,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    sentiment: SentimentAnalyzer | None = None,
    max_entry_chars: int = MAX_ENTRY_CHARS,
) -> ImportReport:
    """Read every dialogue in the file. Raises ImportFailed (nothing usable, or the file is
    not readable JSON) or Cancelled."""
    report = ImportReport()
    seed_entries: list[Any] = []
    kinds: Counter[str] = Counter()

    def on_bytes(done: int) -> None:
        if cancelled is not None and cancelled():
            raise Cancelled
        if progress is not None:
            progress("Reading", done, size)

    entries = JsonEntries(decode_chunks(stream, on_bytes), max_entry_chars)
    try:
        for kind, value in entries:
            if cancelled is not None and cancelled():
                raise Cancelled
            index = 1 if kind == "document" else entries.entries
            if kind == "unreadable":
                report.skip(f"entry {index} cannot be read: {value}")
                continue
            _read_one(value, index, report, seed_entries, kinds)
    except JsonStreamError as exc:
        raise ImportFailed(str(exc)) from exc
    report.replaced = entries.replaced
    if seed_entries:
        try:
            report.dialogues.insert(0, ImportedDialogue(_seed_dialogue(seed_entries)))
        except LogFormatError as exc:
            report.skip(f"the dialogue log: {exc}")
    report.source = " and ".join(k for k, _ in kinds.most_common()) or "the file"
    if not report.dialogues:
        reason = "; ".join(report.skipped) if report.skipped else "the file holds no dialogue"
        raise ImportFailed(f"Nothing could be imported: {reason}.")
    if sentiment is not None:
        _rate(report, sentiment, progress, cancelled)
    return report


def _read_one(
    item: Any,
    index: int,
    report: ImportReport,
    seed_entries: list[Any],
    kinds: Counter[str],
) -> None:
    if isinstance(item, dict) and "role" in item and "mapping" not in item:
        kinds["a dialogue log"] += 1
        seed_entries.append(item)
    elif isinstance(item, dict) and "mapping" in item:
        kinds["a ChatGPT export"] += 1
        try:
            report.dialogues.append(_chatgpt_dialogue(item, report.left_out))
        except LogFormatError as exc:
            report.skip(f"{_name(item, index, 'conversation')}: {exc}")
        except (TypeError, ValueError, AttributeError):  # a field of an unexpected type
            report.skip(f"{_name(item, index, 'conversation')}: {UNEXPECTED_SHAPE}")
    elif isinstance(item, dict) and isinstance(item.get("messages"), list):
        kinds["a dialogue log"] += 1
        try:
            dialogue = _seed_dialogue(item["messages"], item.get("title"), item.get("model"))
        except LogFormatError as exc:
            report.skip(f"{_name(item, index, 'dialogue')}: {exc}")
            return
        assistant = item.get("assistant")
        report.dialogues.append(
            ImportedDialogue(dialogue, assistant if isinstance(assistant, str) else "")
        )
    else:
        report.skip(
            f"entry {index} is neither a message ({{role, content}}), a dialogue "
            "({messages: […]}) nor a ChatGPT conversation"
        )


def _rate(
    report: ImportReport,
    sentiment: SentimentAnalyzer,
    progress: Progress | None,
    cancelled: Callable[[], bool] | None,
) -> None:
    """Give every message without a sentiment one, as Parley does for its own."""
    total, done = report.message_count, 0
    for imported in report.dialogues:
        if progress is not None:
            progress("Rating tone", done, total)
        for message in imported.dialogue.messages:
            done += 1
            if cancelled is not None and done % RATE_CHECK_EVERY == 1 and cancelled():
                raise Cancelled  # checked within a dialogue too: one may hold 100,000 messages
            if not message.sentiment_label:
                mood = sentiment.analyze(message.content)
                message.sentiment_label, message.sentiment_score = mood.label, mood.compound
