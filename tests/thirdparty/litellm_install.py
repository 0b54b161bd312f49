"""The LiteLLM proxy in a virtual environment of its own, made by the tests and kept.

LiteLLM (with its proxy extra, about 500 MB) is a test tool for one folder of tests, so it lives
apart from Parley's `.venv` and never reaches the PyInstaller bundle: `build/thirdparty/
litellm-<version>` (git-ignored, like the bundle's build folder). The venv is made with
`python -m venv` and filled by pip from the package registries at the pinned version; a stamp
(the requirement, the Python and the platform) says it is complete, so later runs reuse it.
Without a registry the install fails, and the tests that need it fail with that reason.
"""

from __future__ import annotations

import hashlib
import platform
import shutil
import subprocess
import sys
from pathlib import Path

VERSION = "1.80.0"
# 1.107.0 was a compromised release (issue 14): never install it, whatever the pin says.
REFUSED_VERSIONS = frozenset({"1.107.0"})
REQUIREMENT = f"litellm[proxy]=={VERSION}"
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_ROOT = REPO_ROOT / "build" / "thirdparty"
STAMP_NAME = ".parley-stamp"
INSTALL_TIMEOUT_S = 1200


class LiteLLMUnavailable(Exception):
    """The proxy could not be installed or started; the message says why and what to do."""


def venv_dir(root: Path = DEFAULT_ROOT) -> Path:
    return root / f"litellm-{VERSION}"


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def stamp_text() -> str:
    """What the venv was made from: another pin or another Python needs a new one."""
    parts = (REQUIREMENT, sys.version, platform.platform(), sys.base_prefix)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def is_current(venv: Path) -> bool:
    stamp = venv / STAMP_NAME
    return stamp.is_file() and stamp.read_text().strip() == stamp_text()


def _run(command: list[str], what: str) -> None:
    try:
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT_S,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LiteLLMUnavailable(f"Could not {what}: {exc}") from exc
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise LiteLLMUnavailable(
            f"Could not {what} (exit code {done.returncode}). The LiteLLM tests need the "
            f"package registry (PyPI or its mirror) once; later runs reuse the venv.\n{tail}"
        )


def ensure_litellm(root: Path = DEFAULT_ROOT) -> Path:
    """The venv's Python with the pinned LiteLLM proxy in it, installed when missing."""
    if VERSION in REFUSED_VERSIONS:
        raise LiteLLMUnavailable(f"LiteLLM {VERSION} is a compromised release; pin another.")
    venv = venv_dir(root)
    if is_current(venv):
        return venv_python(venv)
    if venv.exists():
        shutil.rmtree(venv)  # half-made or made for another Python: start again
    venv.parent.mkdir(parents=True, exist_ok=True)
    _run([sys.executable, "-m", "venv", str(venv)], f"create a virtual environment in {venv}")
    python = venv_python(venv)
    _run(
        [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", REQUIREMENT],
        f"install {REQUIREMENT} into {venv}",
    )
    (venv / STAMP_NAME).write_text(stamp_text() + "\n")
    return python
