"""Build dist/Parley from a clean copy of the tracked files, and only when something changed.

    .venv/bin/python -m tests.packaging.bundle_builder      (what tests/packaging runs)

A clean tree: the files git tracks under BUILD_INPUTS (with their contents as they are on
disk) are copied to build/clean-tree, and PyInstaller runs there, so a stray local module,
an egg-info or a __pycache__ can never end up in, or hide a gap in, the bundle.

The cache: a stamp (a hash of those files, of every installed distribution's version, and of
the Python and platform) is written to dist/Parley/.build-stamp after a build; while it still
matches, the bundle is reused. PyInstaller's own work folder (build/pyinstaller) and its
binary cache are kept too, so a rebuild after a small change is quicker than the first.
"""

from __future__ import annotations

import hashlib
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib.metadata import distributions
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
# What the bundle is built from (directories end in "/").
BUILD_INPUTS = ("build.spec", "pyproject.toml", "desktop_app/", "resources/")
APP_NAME = "Parley"
STAMP_NAME = ".build-stamp"
BUILD_TIMEOUT_S = 1800


@dataclass(frozen=True)
class BundleLayout:
    root: Path

    @property
    def clean_tree(self) -> Path:
        return self.root / "build" / "clean-tree"

    @property
    def workpath(self) -> Path:
        return self.root / "build" / "pyinstaller"

    @property
    def distpath(self) -> Path:
        return self.root / "dist"

    @property
    def bundle(self) -> Path:
        return self.distpath / APP_NAME

    @property
    def executable(self) -> Path:
        return self.bundle / (f"{APP_NAME}.exe" if sys.platform == "win32" else APP_NAME)

    @property
    def stamp_file(self) -> Path:
        return self.bundle / STAMP_NAME


@dataclass(frozen=True)
class BuildResult:
    executable: Path
    cached: bool
    seconds: float


class BuildError(RuntimeError):
    pass


def is_build_input(path: str) -> bool:
    if "__pycache__" in path.split("/") or path.endswith((".pyc", ".pyo")):
        return False
    return any(
        path == item or (item.endswith("/") and path.startswith(item)) for item in BUILD_INPUTS
    )


def tracked_files(root: Path) -> list[str]:
    """The build inputs git tracks (as relative POSIX paths); without git, every file in them."""
    try:
        listing = subprocess.run(
            ["git", "ls-files", "-z", "--", *BUILD_INPUTS],
            cwd=root, capture_output=True, check=True, stdin=subprocess.DEVNULL,
        ).stdout.decode("utf-8")  # fmt: skip
        names = [name for name in listing.split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        names = [
            path.relative_to(root).as_posix()
            for item in BUILD_INPUTS
            for path in ([root / item] if not item.endswith("/") else (root / item).rglob("*"))
            if path.is_file()
        ]
    # A file deleted but not yet `git rm`-ed is still listed; it is not part of the tree.
    return sorted(name for name in names if is_build_input(name) and (root / name).is_file())


def environment_fingerprint() -> list[str]:
    """What, besides the sources, decides the bundle's contents."""
    installed = sorted(
        f"{dist.metadata['Name']}=={dist.version}".lower()
        for dist in distributions()
        if dist.metadata["Name"]
    )
    return [sys.version, platform.platform(), sys.executable, *installed]


def build_stamp(root: Path, files: Iterable[str], environment: Sequence[str]) -> str:
    digest = hashlib.sha256()
    for name in files:
        digest.update(name.encode("utf-8") + b"\0")
        digest.update(hashlib.sha256((root / name).read_bytes()).digest())
    for line in environment:
        digest.update(line.encode("utf-8") + b"\n")
    return digest.hexdigest()


def stamp_matches(stamp_file: Path, stamp: str) -> bool:
    try:
        return stamp_file.read_text(encoding="utf-8").strip() == stamp
    except OSError:
        return False


def copy_clean_tree(root: Path, files: Iterable[str], target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    for name in files:
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, destination)


def pyinstaller_command(layout: BundleLayout) -> list[str]:
    return [
        sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
        "--workpath", str(layout.workpath), "--distpath", str(layout.distpath),
        str(layout.clean_tree / "build.spec"),
    ]  # fmt: skip


def ensure_bundle(root: Path = REPO_ROOT, log: Path | None = None) -> BuildResult:
    """The bundle's executable, built now unless the stamp says the last build is current."""
    started = time.monotonic()
    layout = BundleLayout(root)
    files = tracked_files(root)
    if "build.spec" not in files:
        raise BuildError(f"build.spec is not tracked by git in {root} (git add it)")
    stamp = build_stamp(root, files, environment_fingerprint())
    if layout.executable.is_file() and stamp_matches(layout.stamp_file, stamp):
        return BuildResult(layout.executable, True, time.monotonic() - started)
    copy_clean_tree(root, files, layout.clean_tree)
    log = log or layout.workpath / "last-build.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as output:
        result = subprocess.run(
            pyinstaller_command(layout),
            cwd=layout.clean_tree, stdout=output, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, timeout=BUILD_TIMEOUT_S, check=False,
        )  # fmt: skip
    if result.returncode != 0 or not layout.executable.is_file():
        tail = log.read_text(encoding="utf-8", errors="replace")[-4000:]
        raise BuildError(f"PyInstaller failed (exit {result.returncode}); log {log}:\n{tail}")
    layout.stamp_file.write_text(stamp + "\n", encoding="utf-8")
    return BuildResult(layout.executable, False, time.monotonic() - started)


def main() -> int:
    try:
        result = ensure_bundle()
    except BuildError as error:
        print(error, file=sys.stderr)
        return 1
    how = "up to date (cached)" if result.cached else "built"
    print(f"{result.executable}: {how} in {result.seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
