"""Which pastes and drops on the composer are attachments, and which are just text.

Local files (file URLs, as a file manager copies or drags them) are attachments, whatever they
are: what is not an image is refused with a reason rather than pasted as a path. Image data
(a screenshot, "Copy image" in a browser) is an attachment unless the clipboard also holds
real text: word processors put a picture of the copied text beside it, and the user who
pastes from them wants the words. Web links stay text (a pasted link is a link).
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData

from desktop_app.ui.images.drop_zone import DropPayload, payload_from_mime


def _is_real_text(mime: QMimeData) -> bool:
    """More than a bare link or file name (which browsers add to a copied image)."""
    text = mime.text().strip() if mime.hasText() else ""
    return bool(text) and any(ch.isspace() for ch in text)


def attachable_payload(mime: QMimeData) -> DropPayload | None:
    """The files or image data to attach from `mime`, or None when it is text to insert."""
    payload = payload_from_mime(mime)
    payload.urls.clear()  # links are never fetched from the composer
    if payload.paths:
        return DropPayload(paths=payload.paths)
    if (payload.data or payload.images) and not _is_real_text(mime):
        return payload
    return None


def could_attach(mime: QMimeData) -> bool:
    """For drag-enter over the Chat tab: would a drop of `mime` attach something?"""
    if mime.hasUrls():
        return any(url.isLocalFile() for url in mime.urls())
    return attachable_payload(mime) is not None
