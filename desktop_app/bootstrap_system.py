"""System packages for the bootstrap: Qt's shared libraries, the test tools, and apt-get.

Standard library only, like `desktop_app.bootstrap`, which imports this before anything is
installed. The decisions (which sonames `ldconfig -p` lists, which Debian packages are missing,
whether to install them or print the command) are small pure functions; `Apt` and the
`ensure_*` functions carry them out. `say`, `header` and `BootstrapError` live here so both
modules report the same way.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence

# Shared libraries (soname, Debian package) that Qt's libraries and its xcb platform plugin
# load. PySide6 wheels bundle Qt itself but not these.
QT_OFFSCREEN_LIBS: tuple[tuple[str, str], ...] = (
    ("libGL.so.1", "libgl1"),
    ("libEGL.so.1", "libegl1"),
    ("libxkbcommon.so.0", "libxkbcommon0"),
    ("libfontconfig.so.1", "libfontconfig1"),
    ("libfreetype.so.6", "libfreetype6"),
    ("libdbus-1.so.3", "libdbus-1-3"),
    ("libglib-2.0.so.0", "libglib2.0-0"),
    ("libgthread-2.0.so.0", "libglib2.0-0"),
    ("libX11.so.6", "libx11-6"),
    ("libxcb.so.1", "libxcb1"),
)
QT_XCB_LIBS: tuple[tuple[str, str], ...] = (
    *QT_OFFSCREEN_LIBS,
    ("libxcb-cursor.so.0", "libxcb-cursor0"),
    ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
    ("libxcb-icccm.so.4", "libxcb-icccm4"),
    ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
    ("libxcb-image.so.0", "libxcb-image0"),
    ("libxcb-render-util.so.0", "libxcb-render-util0"),
    ("libxcb-shape.so.0", "libxcb-shape0"),
    ("libxcb-randr.so.0", "libxcb-randr0"),
    ("libxcb-xkb.so.1", "libxcb-xkb1"),
    ("libxcb-xinerama.so.0", "libxcb-xinerama0"),
    ("libxcb-util.so.1", "libxcb-util1"),
    ("libxcb-sync.so.1", "libxcb-sync1"),
    ("libxcb-xfixes.so.0", "libxcb-xfixes0"),
    ("libxcb-shm.so.0", "libxcb-shm0"),
    ("libxcb-render.so.0", "libxcb-render0"),
    ("libX11-xcb.so.1", "libx11-xcb1"),
)
# Programs (name on PATH, Debian package) the checks may use to run a real X window.
TEST_TOOLS: tuple[tuple[str, str], ...] = (
    ("xvfb-run", "xvfb"),
    ("Xvfb", "xvfb"),
    ("xauth", "xauth"),
)


class BootstrapError(Exception):
    """A problem the user has to fix; the message says how."""

    exit_code = 1


def parse_ldconfig(listing: str) -> set[str]:
    """Sonames in the output of `ldconfig -p` (lines like `libfoo.so.1 (libc6,x86-64) => …`)."""
    names = set()
    for line in listing.splitlines():
        if "=>" in line:
            first = line.split(maxsplit=1)[0] if line.strip() else ""
            if first:
                names.add(first)
    return names


def missing_packages(
    required: Iterable[tuple[str, str]], available: Callable[[str], bool]
) -> list[str]:
    """Packages to install for the (thing, package) pairs whose thing is not available.

    Keeps the order of first appearance and lists each package once.
    """
    wanted: list[str] = []
    for thing, package in required:
        if not available(thing) and package not in wanted:
            wanted.append(package)
    return wanted


def package_action(missing: Sequence[str], is_root: bool, has_apt: bool) -> str:
    """What to do about missing system packages: 'none', 'install', 'hint' or 'unknown'.

    'hint' means: apt exists but we may not use it, so print the exact command; 'unknown'
    means no apt-get (not Debian-like), so we can only name what is missing.
    """
    if not missing:
        return "none"
    if not has_apt:
        return "unknown"
    return "install" if is_root else "hint"


def apt_install_command(packages: Sequence[str]) -> list[str]:
    return ["apt-get", "install", "-y", "--no-install-recommends", *packages]


def apt_hint(packages: Sequence[str]) -> str:
    return "sudo apt-get update && sudo " + " ".join(apt_install_command(packages))


def venv_apt_packages(version_info: tuple[int, ...]) -> list[str]:
    """Debian packages that provide `ensurepip` for this interpreter."""
    return ["python3-venv", f"python3.{version_info[1]}-venv"]


# --------------------------------------------------------------------------- side effects


def say(message: str) -> None:
    print(f"[bootstrap] {message}", flush=True)


def header(title: str) -> None:
    print(f"\n==> {title}", flush=True)


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def find_ldconfig() -> str | None:
    found = shutil.which("ldconfig")
    if found:
        return found
    for candidate in ("/sbin/ldconfig", "/usr/sbin/ldconfig"):
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def system_sonames() -> set[str] | None:
    ldconfig = find_ldconfig()
    if ldconfig is None:
        return None
    result = subprocess.run([ldconfig, "-p"], capture_output=True, text=True, check=False)
    return parse_ldconfig(result.stdout) if result.returncode == 0 else None


class Apt:
    """apt-get, with `apt-get update` run at most once per bootstrap."""

    def __init__(self) -> None:
        self._updated = False

    @staticmethod
    def present() -> bool:
        return shutil.which("apt-get") is not None

    def install(self, packages: Sequence[str]) -> None:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        if not self._updated:
            say("apt-get update")
            self._run(["apt-get", "update", "-q"], env)
            self._updated = True
        self._run([*apt_install_command(packages), "-q"], env)

    @staticmethod
    def _run(argv: list[str], env: dict) -> None:
        result = subprocess.run(
            argv, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise BootstrapError(
                f"`{' '.join(argv)}` failed (exit {result.returncode}):\n"
                f"{result.stdout[-3000:]}{result.stderr[-3000:]}"
            )


def ensure_packages(
    apt: Apt,
    packages: Sequence[str],
    why: str,
    required: bool = True,
) -> None:
    """Install missing Debian packages as root, or tell the user the command to run."""
    action = package_action(packages, is_root(), apt.present())
    if action == "none":
        return
    listed = " ".join(packages)
    if action == "install":
        say(f"{why}: installing {listed}")
        apt.install(packages)
    elif action == "hint":
        message = (
            f"{why}; these Debian packages are missing: {listed}\n"
            f"Install them with:\n    {apt_hint(packages)}"
        )
        if required:
            raise BootstrapError(message)
        say(message)
    else:
        say(f"{why}; missing (install the equivalents with your package manager): {listed}")


def ensure_system_libraries(apt: Apt, libs: Iterable[tuple[str, str]]) -> None:
    if not sys.platform.startswith("linux"):
        return
    sonames = system_sonames()
    if sonames is None:
        say("ldconfig not found; skipping the check of Qt's system libraries")
        return
    ensure_packages(apt, missing_packages(libs, sonames.__contains__), "Qt needs system libraries")


def ensure_test_tools(apt: Apt) -> None:
    if not sys.platform.startswith("linux"):
        return
    missing = missing_packages(TEST_TOOLS, lambda name: shutil.which(name) is not None)
    ensure_packages(apt, missing, "checks that need a real X display use Xvfb", required=False)
