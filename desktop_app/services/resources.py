"""Where Parley's shipped files (icons, the .desktop template) are, from source or frozen.

Every lookup of a file under `resources/` goes through `resource_path`, so the source tree and
the PyInstaller bundle (which unpacks `resources/` next to its modules, in `sys._MEIPASS`) can
never disagree about it.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Sizes of the committed PNG icons (resources/render_icons.py makes them).
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def is_frozen() -> bool:
    """True inside a PyInstaller bundle."""
    return bool(getattr(sys, "frozen", False)) and hasattr(sys, "_MEIPASS")


def resources_dir() -> Path:
    if is_frozen():
        return Path(sys._MEIPASS) / "resources"  # type: ignore[attr-defined]
    # desktop_app/services/resources.py → the repository root
    return Path(__file__).resolve().parent.parent.parent / "resources"


def resource_path(name: str) -> Path:
    """The path of `name` (e.g. "icons/parley-64.png") inside the resources folder."""
    path = resources_dir() / name
    if not path.exists():
        raise FileNotFoundError(f"Parley's resource {name!r} is missing ({path})")
    return path


def icon_files() -> list[Path]:
    """The app icon as PNGs, smallest first."""
    return [resource_path(f"icons/parley-{size}.png") for size in ICON_SIZES]
