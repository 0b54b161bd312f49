"""Writing a file so that a crash leaves either the old one or the new one, never half of it."""

from __future__ import annotations

import os
from pathlib import Path

from desktop_app.services.temp_files import remove_stale_temps, temp_path


def write_text_atomically(path: Path, text: str) -> None:
    """Write beside the target, then rename over it (atomic on one file system); what an
    earlier, killed write left in that folder goes first."""
    remove_stale_temps(path.parent, [path.name])
    temporary = temp_path(path)
    try:
        temporary.write_text(text, encoding="utf-8", newline="")
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
