"""What an import read and wrote, and the sentence the user is shown about it.

Shared by the readers (`importers`, `chatgpt_import`) and the store that writes what they read,
so none of them imports another for its vocabulary.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from desktop_app.core.dialogue import Dialogue
from desktop_app.core.text_guard import replaced_note

MAX_REASONS = 50

# (phase, done, total): "Reading" counts bytes, "Rating tone" and "Saving" count messages.
Progress = Callable[[str, int, int], None]


class ImportFailed(ValueError):
    """The file cannot be imported at all; the message is for the user."""


class Cancelled(Exception):
    """The user cancelled an import or an export; nothing was kept."""


@dataclass
class ImportedFile:
    """A file a message refers to, to be copied from the export's archive when it is written:
    `member` names it in the archive. `name` is what the user called it (or the export's id)."""

    message_index: int  # in `ImportedDialogue.dialogue.messages`
    member: str
    name: str
    ext: str
    mime: str


@dataclass
class ImportNotes:
    """What reading one dialogue changed or could not bring along, for the summary."""

    left_out: Counter[str] = field(default_factory=Counter)  # by kind: "tool steps"…
    missing: Counter[str] = field(default_factory=Counter)  # files named in the text, by kind
    kept_turns: int = 0  # user turns that held only an image or a file
    citations_linked: int = 0
    citations_removed: int = 0

    def add(self, other: ImportNotes) -> None:
        self.left_out.update(other.left_out)
        self.missing.update(other.missing)
        self.kept_turns += other.kept_turns
        self.citations_linked += other.citations_linked
        self.citations_removed += other.citations_removed


@dataclass
class ImportedDialogue:
    dialogue: Dialogue
    assistant: str = ""
    # Where it came from, for a later import of the same export: "chatgpt:<conversation id>"
    # (empty when the file names none: a dialogue log).
    source_id: str = ""
    files: list[ImportedFile] = field(default_factory=list)
    notes: ImportNotes = field(default_factory=ImportNotes)


@dataclass
class ImportReport:
    """What a file held (counted while it is read), what was left out and why, and (once it
    is written) what was new, what had grown and what was there already."""

    source: str = ""
    dialogues: list[ImportedDialogue] = field(default_factory=list)  # `read_dialogues` only
    found: int = 0  # dialogues read
    found_messages: int = 0
    skipped: list[str] = field(default_factory=list)
    skipped_count: int = 0
    # Of the dialogues read (and, once written, of those written: new or grown).
    notes: ImportNotes = field(default_factory=ImportNotes)
    replaced: int = 0  # lone surrogates replaced by U+FFFD
    from_archive: bool = False  # read from the export's .zip (so its images could come along)
    # Filled by the writer.
    written: bool = False
    new: int = 0
    new_messages: int = 0
    grown: int = 0
    grown_messages: int = 0
    unchanged: int = 0
    attached: int = 0  # files copied from the archive

    @property
    def message_count(self) -> int:
        return self.new_messages + self.grown_messages if self.written else self.found_messages

    @property
    def left_out(self) -> Counter[str]:
        return self.notes.left_out

    @property
    def missing(self) -> Counter[str]:
        return self.notes.missing

    def count(self, imported: ImportedDialogue) -> None:
        self.found += 1
        self.found_messages += len(imported.dialogue.messages)
        self.notes.add(imported.notes)

    def skip(self, reason: str) -> None:
        self.skipped_count += 1
        if len(self.skipped) < MAX_REASONS:
            self.skipped.append(reason)

    @property
    def has_warnings(self) -> bool:
        return bool(self.skipped_count or self.left_out or self.missing)

    def summary(self) -> str:
        parts = [self._headline()]
        if self.skipped_count:
            more = self.skipped_count - len(self.skipped)
            reasons = "; ".join(self.skipped) + (f"; and {more} more" if more > 0 else "")
            parts.append(f"Skipped {self.skipped_count}: {reasons}.")
        if self.attached:
            parts.append(f"Attached {_n(self.attached, 'file')} from the archive.")
        notes = self.notes
        if notes.kept_turns:
            parts.append(f"Kept {_n(notes.kept_turns, 'turn')} that held only an image or a file.")
        if self.missing:
            kinds = ", ".join(_n(n, kind) for kind, n in sorted(self.missing.items()))
            total = sum(self.missing.values())
            parts.append(
                f"{_n(total, 'file')} the export did not include "
                f"{'is' if total == 1 else 'are'} named in {'its' if total == 1 else 'their'} "
                f"message{'' if total == 1 else 's'} ({kinds})."
            )
            if not self.from_archive and self.source == "a ChatGPT export":
                parts.append("Import the export's .zip to bring its images along.")
        if notes.citations_linked or notes.citations_removed:
            parts.append(
                f"Search citations: {notes.citations_linked} made links to their source, "
                f"{notes.citations_removed} removed (the export names no source for them)."
            )
        if self.left_out:
            kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(self.left_out.items()))
            parts.append(f"Left out what Parley cannot show: {kinds}.")
        if self.replaced:
            parts.append(replaced_note(self.replaced))
        return " ".join(parts)

    def _headline(self) -> str:
        source = self.source or "the file"
        if not self.written:
            return (
                f"Imported {_n(self.found, 'dialogue')} ({self.found_messages} messages) "
                f"from {source}."
            )
        if not self.new and not self.grown:
            return (
                f"Nothing new in {source}: {_n(self.unchanged, 'dialogue')} in it "
                f"{'was' if self.unchanged == 1 else 'were'} imported before and "
                f"{'has' if self.unchanged == 1 else 'have'} not changed."
            )
        text = f"Imported {_n(self.new, 'dialogue')} ({self.new_messages} messages) from {source}."
        if self.grown:
            text += (
                f" Updated {_n(self.grown, 'dialogue')} imported before that had grown "
                f"({self.grown_messages} new messages)."
            )
        if self.unchanged:
            text += f" Skipped {self.unchanged} already imported and unchanged."
        return text


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"
