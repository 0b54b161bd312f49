"""Attachments in the database and on disk: the part of `Store` about files users send.

A mixin (one connection, one lock). Files live in the attachments folder named by their
SHA-256, so the same picture sent twice, or kept by an edited message, is stored once.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
from collections.abc import Iterable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop_app.core.dialogue import Attachment, Message
from desktop_app.services.private_files import private_dir, write_private
from desktop_app.services.store_errors import StoreError, StoreFull, is_no_space
from desktop_app.services.temp_files import temp_path


class AttachmentRecords:
    attachments_dir: Path

    if TYPE_CHECKING:  # provided by Store

        def _transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...

        def _query(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]: ...

    def add_attachment(
        self, message_id: int, data: bytes, ext: str, mime: str, name: str = ""
    ) -> Attachment:
        """Content-addressed: the same bytes are stored once, however often attached."""
        digest = hashlib.sha256(data).hexdigest()
        attachment = Attachment(digest, ext.lower().lstrip("."), mime, len(data), name)
        target = self.attachments_dir / attachment.file_name
        if not target.exists():
            tmp = temp_path(target)  # a kill's leftover goes at the next start
            try:
                private_dir(self.attachments_dir)
                write_private(tmp, data)
                os.replace(tmp, target)
            except OSError as exc:  # a full disk, a folder made read-only
                with contextlib.suppress(OSError):
                    tmp.unlink(missing_ok=True)
                if is_no_space(exc):
                    raise StoreFull(
                        f"The attachment {name or attachment.file_name} could not be saved: "
                        "there is no space left on the disk that holds Parley's data."
                    ) from exc
                raise StoreError(
                    f"The attachment {name or attachment.file_name} could not be saved: "
                    f"{exc.strerror or exc}."
                ) from exc
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO attachments (message_id, sha256, ext, mime, size, name) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (message_id, digest, attachment.ext, mime, len(data), name),
            )
        return attachment

    def copy_attachments(self, source: Message, target_id: int) -> list[Attachment]:
        """Give message `target_id` the attachments of `source` (an edited message keeps its
        images); the files are shared, being stored by content."""
        with self._transaction() as conn:
            conn.executemany(
                "INSERT INTO attachments (message_id, sha256, ext, mime, size, name) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(target_id, a.sha256, a.ext, a.mime, a.size, a.name) for a in source.attachments],
            )
        return list(source.attachments)

    def attachment_path(self, attachment: Attachment) -> Path:
        return self.attachments_dir / attachment.file_name
