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
from typing import IO, Any

from desktop_app.core.chatgpt_import import Assets, chatgpt_dialogue
from desktop_app.core.dialogue import Dialogue, LogFormatError, Message, from_log, make_title
from desktop_app.core.import_report import (
    Cancelled,
    ImportedDialogue,
    ImportedFile,
    ImportFailed,
    ImportReport,
    Progress,
)
from desktop_app.core.json_stream import JsonEntries, JsonStreamError
from desktop_app.core.sentiment import SentimentAnalyzer

__all__ = [
    "Cancelled",
    "ImportFailed",
    "ImportReport",
    "ImportedDialogue",
    "ImportedFile",
    "Progress",
    "decode_chunks",
    "iter_dialogues",
    "read_dialogues",
]

CHUNK_BYTES = 1 << 20
# One entry of the top-level list: a message of a seed log, or one whole conversation.
MAX_ENTRY_CHARS = 32_000_000
RATE_CHECK_EVERY = 64  # messages rated between two looks at Cancel (well under a second)
UNEXPECTED_SHAPE = "a field in it holds something other than what ChatGPT writes there"


# --- reading text -------------------------------------------------------------------------


def decode_chunks(
    stream: IO[bytes], on_bytes: Callable[[int], None] | None = None
) -> Iterator[str]:
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


def _written_by_original(entries: list[Any]) -> bool:
    """The original tool's log: no times, and a system entry before every user's message
    (its `ask` wrote one each turn, `null` when it had no instruction)."""
    if not entries or not all(isinstance(e, dict) and "timestamp" not in e for e in entries):
        return False
    users = [i for i, e in enumerate(entries) if e.get("role") == "user"]
    return bool(users) and all(i > 0 and entries[i - 1].get("role") == "system" for i in users)


def _original_entries(entries: list[Any]) -> list[Any]:
    """The entries as the original meant them. Its system entry (`null` without an
    instruction) is dropped when empty, and when it repeats the instruction already in force;
    one that changes it stays where it was said. The user's words, which it logged with each
    `"` escaped as `\\"`, get their quotes back."""
    original = _written_by_original(entries)
    kept: list[Any] = []
    in_force: str | None = None
    for entry in entries:
        if not isinstance(entry, dict):
            kept.append(entry)
            continue
        role, content = entry.get("role"), entry.get("content")
        if role in ("system", "developer") and (content is None or content == ""):
            continue
        if role in ("system", "developer") and isinstance(content, str):
            if content == in_force:
                continue
            in_force = content
        if original and role == "user" and isinstance(content, str):
            entry = {**entry, "content": content.replace('\\"', '"')}
        kept.append(entry)
    return kept


def _seed_dialogue(entries: list[Any], title: Any = None, model: Any = None) -> Dialogue:
    messages = from_log(_original_entries(entries))
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


def _name(entry: dict[str, Any], index: int, what: str) -> str:
    title = entry.get("title")
    named = f" ({title[:40]!r})" if isinstance(title, str) and title else ""
    return f"{what} {index}{named}"


# --- the whole file -----------------------------------------------------------------------


def iter_dialogues(
    stream: IO[bytes],
    report: ImportReport,
    size: int = 0,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    sentiment: SentimentAnalyzer | None = None,
    max_entry_chars: int = MAX_ENTRY_CHARS,
    assets: Assets | None = None,
) -> Iterator[ImportedDialogue]:
    """Every dialogue in the file, one at a time (rated, with `sentiment`), so a file of
    hundreds of megabytes is never held whole; `report` counts as they go. `assets` is the
    export's zip, where the files messages refer to are looked up. Raises ImportFailed (the
    file is not readable JSON, or holds nothing usable: raised at the end) or Cancelled."""
    seed_entries: list[Any] = []
    kinds: Counter[str] = Counter()
    rated = [0]

    def on_bytes(done: int) -> None:
        if cancelled is not None and cancelled():
            raise Cancelled
        if progress is not None:
            progress("Reading", done, size)

    def finished(imported: ImportedDialogue) -> ImportedDialogue:
        if sentiment is not None:
            _rate(imported.dialogue, sentiment, cancelled, rated)
        report.count(imported)
        return imported

    entries = JsonEntries(decode_chunks(stream, on_bytes), max_entry_chars)
    try:
        for kind, value in entries:
            if cancelled is not None and cancelled():
                raise Cancelled
            index = 1 if kind == "document" else entries.entries
            if kind == "unreadable":
                report.skip(f"entry {index} cannot be read: {value}")
                continue
            imported = _read_one(value, index, report, seed_entries, kinds, assets)
            if imported is not None:
                yield finished(imported)
    except JsonStreamError as exc:
        raise ImportFailed(str(exc)) from exc
    report.replaced = entries.replaced
    report.source = " and ".join(k for k, _ in kinds.most_common()) or "the file"
    if seed_entries:
        try:
            yield finished(ImportedDialogue(_seed_dialogue(seed_entries)))
        except LogFormatError as exc:
            report.skip(f"the dialogue log: {exc}")
    if not report.found:
        reason = "; ".join(report.skipped) if report.skipped else "the file holds no dialogue"
        raise ImportFailed(f"Nothing could be imported: {reason}.")


def read_dialogues(
    stream: IO[bytes],
    size: int = 0,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
    sentiment: SentimentAnalyzer | None = None,
    max_entry_chars: int = MAX_ENTRY_CHARS,
    assets: Assets | None = None,
) -> ImportReport:
    """Every dialogue in the file, held in `report.dialogues`: for files that fit in
    memory. Raises ImportFailed or Cancelled."""
    report = ImportReport()
    found = iter_dialogues(
        stream, report, size, progress, cancelled, sentiment, max_entry_chars, assets
    )
    report.dialogues.extend(found)
    return report


def _read_one(
    item: Any,
    index: int,
    report: ImportReport,
    seed_entries: list[Any],
    kinds: Counter[str],
    assets: Assets | None,
) -> ImportedDialogue | None:
    if isinstance(item, dict) and "role" in item and "mapping" not in item:
        kinds["a dialogue log"] += 1
        seed_entries.append(item)
    elif isinstance(item, dict) and "mapping" in item:
        kinds["a ChatGPT export"] += 1
        try:
            return chatgpt_dialogue(item, assets)
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
            return None
        assistant = item.get("assistant")
        return ImportedDialogue(dialogue, assistant if isinstance(assistant, str) else "")
    else:
        report.skip(
            f"entry {index} is neither a message ({{role, content}}), a dialogue "
            "({messages: […]}) nor a ChatGPT conversation"
        )
    return None


def _rate(
    dialogue: Dialogue,
    sentiment: SentimentAnalyzer,
    cancelled: Callable[[], bool] | None,
    done: list[int],
) -> None:
    """Give every message without a sentiment one, as Parley does for its own."""
    for message in dialogue.messages:
        done[0] += 1
        if cancelled is not None and done[0] % RATE_CHECK_EVERY == 1 and cancelled():
            raise Cancelled  # checked within a dialogue too: one may hold 100,000 messages
        if not message.sentiment_label and message.content:
            mood = sentiment.analyze(message.content)
            message.sentiment_label, message.sentiment_score = mood.label, mood.compound
