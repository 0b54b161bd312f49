"""One conversation of ChatGPT's export (`conversations.json`) as a dialogue.

A conversation is a tree of messages under "mapping"; the branch the user last saw (ending at
"current_node") is imported. What a message holds is in its `content`:
- "text" and "multimodal_text" parts: strings, and objects — `image_asset_pointer` (an image,
  found in the export's zip by its file id), `audio_transcription` (the words of a voice
  conversation: they are the message's text), `audio_asset_pointer` and the real-time
  audio/video pointers (the recordings, which Parley does not keep);
- `metadata.attachments`: the files the user attached ({id, name, mime_type}); an export holds
  the images, rarely the documents.
A file the zip holds becomes an attachment of its message; one it does not is named in the
message text ("[PDF not included in the export: report.pdf]"), so a turn that held only a file
is kept, and the replies do not follow each other unexplained. Images a tool made (DALL·E)
go with the reply that follows them. Search citation markers become links or go
(`chatgpt_citations`).
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass, field
from typing import Any, Protocol

from desktop_app.core.chatgpt_archive import file_id
from desktop_app.core.chatgpt_citations import resolve_citations
from desktop_app.core.dialogue import Dialogue, LogFormatError, Message, make_title
from desktop_app.core.import_report import ImportedDialogue, ImportedFile, ImportNotes

SOURCE_PREFIX = "chatgpt:"
VOICE = "voice recordings (their transcripts are imported)"


class Assets(Protocol):
    """The export's files (its zip): the member holding a file id, or ''."""

    def find(self, export_id: str) -> str: ...


@dataclass
class _Parts:
    texts: list[str] = field(default_factory=list)
    files: list[tuple[str, str]] = field(default_factory=list)  # (export id, "image" | "file")
    voice: bool = False


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


def _branch(mapping: dict[str, Any], current: Any) -> list[dict[str, Any]]:
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


def _parts(message: dict[str, Any], notes: ImportNotes, step: bool) -> _Parts:
    """The message's words and files; `step`: a tool's step, whose parts are not counted
    (the step is, once) — only the images it made are looked for."""
    content = message.get("content") or {}
    kind = content.get("content_type") if isinstance(content, dict) else None
    found = _Parts()
    if kind not in ("text", "multimodal_text"):
        if not step:
            notes.left_out[f"{kind or 'unknown'} parts"] += 1
        return found
    for part in content.get("parts") or []:
        if isinstance(part, str):
            found.texts.append(part)
            continue
        part_kind = str(part.get("content_type", "")) if isinstance(part, dict) else ""
        if part_kind == "audio_transcription":
            text = part.get("text")
            if isinstance(text, str):
                found.texts.append(text)
        elif part_kind == "image_asset_pointer":
            pointer = part.get("asset_pointer")
            export_id = file_id(pointer) if isinstance(pointer, str) else ""
            found.files.append((export_id, "image"))
        elif "audio" in part_kind:
            found.voice = True
        elif not step:
            notes.left_out["attachments"] += 1
    return found


def _attachment_list(metadata: dict[str, Any]) -> dict[str, dict[str, Any]]:
    listed = metadata.get("attachments")
    return {
        a["id"]: a
        for a in (listed if isinstance(listed, list) else ())
        if isinstance(a, dict) and isinstance(a.get("id"), str)
    }


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _kind(name: str, mime: str, hint: str) -> tuple[str, str]:
    """(what to call it in a placeholder, how to count it): ("Image", "image")…"""
    if mime == "application/pdf" or name.lower().endswith(".pdf"):
        return "PDF", "PDF"
    if mime.startswith("image/") or (hint == "image" and not mime):
        return "Image", "image"
    return "File", "other file"


def _shown_name(member: str, export_id: str) -> str:
    base = member.rsplit("/", 1)[-1]
    rest = base[len(export_id) :].lstrip("-_") if base.startswith(export_id) else base
    return rest if "." in rest.strip(".") else base


@dataclass
class _Turn:
    text: str  # without the lines naming missing files
    files: list[ImportedFile]
    missing: list[str]  # "[PDF not included in the export: report.pdf]"

    def full_text(self) -> str:
        return "\n\n".join(t for t in (self.text, "\n".join(self.missing)) if t)


def _files(
    refs: list[tuple[str, str]],
    listed: dict[str, dict[str, Any]],
    assets: Assets | None,
    notes: ImportNotes,
) -> tuple[list[ImportedFile], list[str]]:
    """The files to copy from the archive, and the lines naming those it does not hold."""
    files: list[ImportedFile] = []
    missing: list[str] = []
    seen: set[str] = set()
    for export_id, hint in refs + [(i, "file") for i in listed if i not in {r for r, _ in refs}]:
        if export_id and export_id in seen:
            continue
        seen.add(export_id)
        about = listed.get(export_id, {})
        name = _text(about.get("name"))
        mime = _text(about.get("mime_type"))
        member = assets.find(export_id) if assets is not None and export_id else ""
        if member:
            name = name or _shown_name(member, export_id)
            ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
            if not ext and "." in member.rsplit("/", 1)[-1]:
                ext = member.rsplit(".", 1)[-1].lower()
            mime = mime or mimetypes.guess_type(f"x.{ext}")[0] or "application/octet-stream"
            files.append(ImportedFile(-1, member, name, ext, mime))
            continue
        label, counted = _kind(name, mime, hint)
        notes.missing[counted] += 1
        missing.append(f"[{label} not included in the export: {name or export_id or 'unnamed'}]")
    return files, missing


def _turn(
    message: dict[str, Any], role: str, notes: ImportNotes, assets: Assets | None, step: bool
) -> _Turn | None:
    parts = _parts(message, notes, step)
    metadata = message.get("metadata") or {}
    text = "\n".join(parts.texts).strip()
    if text and not step:
        text, counted = resolve_citations(text, metadata)
        notes.citations_linked += counted.linked
        notes.citations_removed += counted.removed
    if parts.voice:
        notes.left_out[VOICE] += 1
    listed = _attachment_list(metadata) if role == "user" else {}
    files, missing = _files(parts.files, listed, assets, notes)
    if not text and not files and not missing:
        return None
    return _Turn(text, files, missing)


def _int_time(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def chatgpt_dialogue(
    conversation: dict[str, Any], assets: Assets | None = None
) -> ImportedDialogue:
    """The dialogue of one conversation. Raises LogFormatError (or a TypeError/ValueError on
    a field of an unexpected type) when it cannot be read; the caller skips it whole."""
    mapping = conversation.get("mapping")
    if not isinstance(mapping, dict):
        raise LogFormatError("it has no message tree ('mapping')")
    messages: list[Message] = []
    files: list[ImportedFile] = []
    made = _Turn("", [], [])  # images a tool made, for the reply that follows
    system, models, kept = "", [], 0
    notes = ImportNotes()

    def add(role: str, turn: _Turn, model: str = "", created: float = 0.0) -> None:
        if role == "assistant" and (made.files or made.missing):
            turn = _Turn(turn.text, made.files + turn.files, made.missing + turn.missing)
            made.files, made.missing = [], []
        messages.append(Message(role, turn.full_text(), model=model, created_at=created))
        files.extend(_placed(turn.files, len(messages) - 1))

    for node in _branch(mapping, conversation.get("current_node")):
        message = node.get("message")
        if not isinstance(message, dict):
            continue
        author = message.get("author") or {}
        role = author.get("role") if isinstance(author, dict) else None
        metadata = message.get("metadata") or {}
        if metadata.get("is_visually_hidden_from_conversation"):
            continue
        step = role not in ("user", "assistant", "system") or (
            message.get("recipient", "all") != "all"
        )
        turn = _turn(message, str(role), notes, assets, step)
        if step:
            notes.left_out["tool steps"] += 1
            if turn is not None:
                made.files += [f for f in turn.files if f.mime.startswith("image/")]
                made.missing += turn.missing
            continue
        if turn is None:
            continue
        if role == "system":
            system = system or turn.text
            continue
        created = _int_time(message.get("create_time"))
        if role == "user" and (made.files or made.missing):  # no reply came after them
            add("assistant", _Turn("", [], []), created=messages[-1].created_at if messages else 0)
        slug = metadata.get("model_slug")
        model = slug if isinstance(slug, str) else ""
        if model:
            models.append(model)
        add(str(role), turn, model, created)
        if role == "user" and not turn.text:
            kept += 1
    if made.files or made.missing:
        add("assistant", _Turn("", [], []), created=messages[-1].created_at if messages else 0)
    if not any(m.role == "user" for m in messages):
        raise LogFormatError("it has no message from the user")
    notes.kept_turns += kept
    title = conversation.get("title")
    first_user = next(m.content for m in messages if m.role == "user")
    default_model = conversation.get("default_model_slug")
    times = [m.created_at for m in messages if m.created_at]
    dialogue = Dialogue(
        title=title if isinstance(title, str) and title.strip() else make_title(first_user),
        model=default_model if isinstance(default_model, str) else (models[-1] if models else ""),
        system=system,
        created_at=min(times, default=0.0),
        updated_at=max(times, default=0.0),
        messages=messages,
    )
    for stamp, attr in (("create_time", "created_at"), ("update_time", "updated_at")):
        if (value := _int_time(conversation.get(stamp))) > 0:
            setattr(dialogue, attr, value)
    gizmo = conversation.get("gizmo_id")
    export_id = conversation.get("conversation_id") or conversation.get("id")
    return ImportedDialogue(
        dialogue,
        gizmo if isinstance(gizmo, str) else "",
        f"{SOURCE_PREFIX}{export_id}" if isinstance(export_id, str) and export_id else "",
        files,
        notes,
    )


def _placed(files: list[ImportedFile], index: int) -> list[ImportedFile]:
    for f in files:
        f.message_index = index
    return files
