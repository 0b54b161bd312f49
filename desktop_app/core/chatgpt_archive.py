"""ChatGPT's export as users download it: a .zip with `conversations.json` and the files.

`conversations.json` is read as a stream out of the archive (zipfile decompresses as it is
read), so an export of hundreds of megabytes never sits in memory. The other members are the
files messages refer to — images the user sent, generated images, voice clips — named after the
export's file id (`file-AbC123-photo.jpg`, `file_00000000a1b2…-<uuid>.png`), which is what a
message's `asset_pointer` (`file-service://file-AbC123`, `sediment://file_0000…`) names.

A zip's sizes are what its directory claims, and zipfile never decompresses more than a member
claims to hold; so bounding the claimed sizes bounds what is read, whatever the ratio (a zip
bomb is refused before a byte of it is inflated).
"""

from __future__ import annotations

import re
import zipfile
from typing import IO, BinaryIO

from desktop_app.core.import_report import ImportFailed

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
CONVERSATIONS = "conversations.json"
# conversations.json of the heaviest real exports is a few hundred megabytes to a gigabyte.
MAX_CONVERSATIONS_BYTES = 8 << 30
MAX_FILE_BYTES = 64 << 20  # one attached file
# DEFLATE cannot pack more than about 1,000:1; JSON packs 5–20:1. A big member claiming more
# than this ratio is a bomb (or padding), not an export.
MAX_RATIO = 200
RATIO_FROM_BYTES = 64 << 20
_FILE_ID = re.compile(r"^(file[-_][A-Za-z0-9]+)")
_POINTER = re.compile(r"^[a-z-]+://(file[-_][A-Za-z0-9]+)")

_NOT_AN_EXPORT = (
    "ChatGPT's export is the .zip it e-mails a link to (Settings → Data controls → Export "
    "data); import that file, or the conversations.json inside it."
)


def _size(count: int) -> str:
    if count >= 1 << 30:
        return f"{count / (1 << 30):,.1f} GB"
    if count >= 1 << 20:
        return f"{count / (1 << 20):,.0f} MB"
    return f"{count / 1024:,.0f} kB"


def is_zip(head: bytes) -> bool:
    return head.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC))


def file_id(pointer: str) -> str:
    """The export's file id in an asset pointer, or '' when it names none."""
    match = _POINTER.match(pointer) or _FILE_ID.match(pointer)
    return match.group(1) if match else ""


class ExportArchive:
    """The members of an export's zip. Raises ImportFailed (with a sentence for the user) when
    the file is not a readable zip or holds no conversations.json."""

    def __init__(self, stream: BinaryIO, name: str = "the file") -> None:
        try:
            self._zip = zipfile.ZipFile(stream)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
            raise ImportFailed(
                f"{name} is a damaged or incomplete zip archive (its table of contents cannot "
                f"be read), so it cannot be imported. If the download was cut short, download "
                f"the export again. {_NOT_AN_EXPORT}"
            ) from exc
        infos = [i for i in self._zip.infolist() if not i.is_dir()]
        conversations = sorted(
            (i for i in infos if i.filename.rsplit("/", 1)[-1] == CONVERSATIONS),
            key=lambda i: i.filename.count("/"),
        )
        if not conversations:
            raise ImportFailed(f"{name} holds no conversations.json. {_NOT_AN_EXPORT}")
        self.conversations = conversations[0]
        if self.conversations.file_size > MAX_CONVERSATIONS_BYTES:
            raise ImportFailed(
                f"The conversations.json in {name} claims "
                f"{_size(self.conversations.file_size)}, more than the "
                f"{_size(MAX_CONVERSATIONS_BYTES)} Parley reads from an export."
            )
        info = self.conversations
        if info.file_size > RATIO_FROM_BYTES and info.file_size > MAX_RATIO * info.compress_size:
            raise ImportFailed(
                f"The conversations.json in {name} claims {_size(info.file_size)} packed into "
                f"{_size(info.compress_size)}: no export packs that tightly, so Parley does "
                "not unpack it (a zip made to fill the disk looks like this)."
            )
        if self.conversations.flag_bits & 0x1:
            raise ImportFailed(f"{name} is encrypted; Parley cannot read it.")
        self._files: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            match = _FILE_ID.match(info.filename.rsplit("/", 1)[-1])
            if match and match.group(1) not in self._files:
                self._files[match.group(1)] = info

    @property
    def size(self) -> int:
        """What conversations.json holds once decompressed."""
        return self.conversations.file_size

    def open_conversations(self) -> IO[bytes]:
        return self._zip.open(self.conversations)

    def find(self, export_id: str) -> str:
        """The member holding the export's file `export_id`, or ''."""
        info = self._files.get(export_id)
        return info.filename if info is not None else ""

    def member_size(self, member: str) -> int:
        return self._zip.getinfo(member).file_size

    def read(self, member: str) -> bytes:
        """One file's bytes. Raises ImportFailed when it claims more than MAX_FILE_BYTES or
        cannot be read (damaged, encrypted, a compression zipfile does not know)."""
        info = self._zip.getinfo(member)
        if info.file_size > MAX_FILE_BYTES:
            raise ImportFailed(
                f"{member} in the archive claims {_size(info.file_size)}, more than the "
                f"{_size(MAX_FILE_BYTES)} Parley takes for one attached file."
            )
        try:
            with self._zip.open(info) as member_stream:
                return member_stream.read(MAX_FILE_BYTES + 1)[:MAX_FILE_BYTES]
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError) as exc:
            raise ImportFailed(archive_damage(member, exc)) from exc

    def close(self) -> None:
        self._zip.close()


def archive_damage(member: str, exc: BaseException) -> str:
    """A sentence for a member that fails as it is read (a bad checksum, a truncated zip)."""
    if isinstance(exc, NotImplementedError):
        why = "it is compressed in a way Parley cannot read"
    elif isinstance(exc, RuntimeError):
        why = "it is encrypted"
    else:
        why = "the archive is damaged there (its data does not match its checksum or ends early)"
    return f"{member} in the archive cannot be read: {why}. Download the export again."


_IMAGE_HEADS = (
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"GIF87a", "gif", "image/gif"),
    (b"GIF89a", "gif", "image/gif"),
)


def sniff_image(head: bytes) -> tuple[str, str] | None:
    """(extension, MIME type) of a PNG, JPEG, GIF or WebP picture from its first bytes; None
    for anything else, whatever its name says (only real pictures are shown as images)."""
    for magic, ext, mime in _IMAGE_HEADS:
        if head.startswith(magic):
            return ext, mime
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp", "image/webp"
    return None
