"""Per-user desktop integration on Linux: a .desktop entry and the icon in the hicolor theme.

    parley --install-desktop-entry      (or: python -m desktop_app --install-desktop-entry)
    parley --uninstall-desktop-entry

Files go under `$XDG_DATA_HOME` (default `~/.local/share`), so no root is needed and nothing
outside the user's home is touched. The entry starts whatever is running the command: the
bundle's executable when frozen, otherwise this Python with `-m desktop_app`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from desktop_app.services.resources import ICON_SIZES, is_frozen, resource_path

DESKTOP_FILE = "parley.desktop"
ICON_NAME = "parley"
# Characters that make the Desktop Entry spec require an Exec argument to be quoted.
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def data_home(environ: Mapping[str, str] | None = None) -> Path:
    """$XDG_DATA_HOME if set to an absolute path (the spec ignores relative ones)."""
    environ = os.environ if environ is None else environ
    value = environ.get("XDG_DATA_HOME", "")
    if value and os.path.isabs(value):
        return Path(value)
    return Path(environ.get("HOME") or Path.home()) / ".local" / "share"


def launch_command() -> list[str]:
    if is_frozen():
        return [sys.executable]
    return [sys.executable, "-m", "desktop_app"]


def quote_exec_argument(argument: str) -> str:
    """One Exec= argument: quoted when needed, and escaped for a desktop-file string value."""
    argument = argument.replace("%", "%%")
    if any(char in _RESERVED for char in argument):
        for char in '\\"`$':
            argument = argument.replace(char, "\\" + char)
        argument = f'"{argument}"'
    return argument.replace("\\", "\\\\")  # string values escape the backslash once more


def render_entry(template: str, command: Sequence[str]) -> str:
    exec_line = " ".join(quote_exec_argument(part) for part in command)
    return template.replace("@EXEC@", exec_line).replace(
        "@TRYEXEC@", command[0].replace("\\", "\\\\")
    )


def installed_files(home: Path) -> list[Path]:
    """Every file an install writes, the entry first."""
    icons = home / "icons" / "hicolor"
    return [
        home / "applications" / DESKTOP_FILE,
        icons / "scalable" / "apps" / f"{ICON_NAME}.svg",
        *(icons / f"{size}x{size}" / "apps" / f"{ICON_NAME}.png" for size in ICON_SIZES),
    ]


def install(home: Path, command: Sequence[str]) -> list[Path]:
    """Write the entry and the icons; returns the files written."""
    targets = installed_files(home)
    template = resource_path(f"linux/{DESKTOP_FILE}").read_text(encoding="utf-8")
    sources = [resource_path(f"icons/{ICON_NAME}.svg")] + [
        resource_path(f"icons/{ICON_NAME}-{size}.png") for size in ICON_SIZES
    ]
    contents = [render_entry(template, command).encode("utf-8")]
    contents += [source.read_bytes() for source in sources]
    for target, data in zip(targets, contents, strict=True):
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".part")
        partial.write_bytes(data)
        os.replace(partial, target)
    os.chmod(targets[0], 0o755)  # some desktops only trust executable launchers
    return targets


def uninstall(home: Path) -> list[Path]:
    """Remove what `install` wrote (and nothing else); returns the files removed."""
    removed = []
    for target in installed_files(home):
        if target.exists():
            target.unlink()
            removed.append(target)
    return removed


def run_command(action: str, environ: Mapping[str, str] | None = None) -> int:
    """The `--install-desktop-entry` / `--uninstall-desktop-entry` command line."""
    if sys.platform in ("win32", "darwin"):
        print("Desktop entries are for Linux and other XDG desktops.", file=sys.stderr)
        return 2
    home = data_home(environ)
    if action == "install":
        files = install(home, launch_command())
        print(f"Installed Parley's desktop entry: {files[0]}")
        print(f"and its icon in {len(files) - 1} sizes under {home / 'icons' / 'hicolor'}")
    else:
        files = uninstall(home)
        print(f"Removed {len(files)} file(s) of Parley's desktop entry from {home}.")
    return 0
