"""Writing a file so that a crash leaves either the old one or the new one, never half of it."""

from __future__ import annotations

from pathlib import Path

from desktop_app.services.private_files import atomic_private


def write_text_atomically(path: Path, text: str) -> None:
    """Write beside the target (readable by the user only), then rename over it (atomic on
    one file system)."""
    with atomic_private(path, "w", encoding="utf-8", newline="") as out:
        out.write(text)
