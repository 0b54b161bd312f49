"""Set up Parley's virtual environment, then launch the app or run every check.

    python3 -m desktop_app.bootstrap run  [app args]     install into .venv and launch Parley
    python3 -m desktop_app.bootstrap test [pytest args]  install into .venv and run every check

Standard library only: this module runs before anything is installed, on a machine that may
have nothing but Python. The decisions (which system packages are missing, whether the install
is current, which commands to run) are small pure functions so that they can be tested without
apt, pip or a display; `main` only strings them together. The system packages (Qt's shared
libraries, the test tools, apt-get) are in `desktop_app.bootstrap_system`, stdlib only too.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from desktop_app.bootstrap_system import (
    QT_XCB_LIBS,
    Apt,
    BootstrapError,
    ensure_packages,
    ensure_system_libraries,
    ensure_test_tools,
    header,
    say,
    venv_apt_packages,
)

USAGE = """\
usage: python3 -m desktop_app.bootstrap run  [app args]
       python3 -m desktop_app.bootstrap test [pytest args]

  run   install Parley into .venv (once) and launch it
  test  install Parley and its test tools into .venv (once), then run
        ruff, lint-imports, mypy and pytest headless
"""

APP_EXTRA = "app"
TEST_EXTRA = "test"
PYTEST_NO_TESTS = 5
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class UsageError(BootstrapError):
    """The command line was not understood (or help was asked for: exit code 0)."""

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code


# --------------------------------------------------------------------------- pure helpers


@dataclass(frozen=True)
class Invocation:
    command: str
    extra_args: tuple[str, ...]


def parse_invocation(argv: Sequence[str]) -> Invocation:
    """Split argv into the sub-command and the arguments passed through untouched."""
    if not argv:
        raise UsageError(USAGE)
    if argv[0] in ("-h", "--help", "help"):
        raise UsageError(USAGE, exit_code=0)
    command, *rest = argv
    if command not in ("run", "test"):
        raise UsageError(f"unknown command {command!r}\n\n{USAGE}")
    return Invocation(command, tuple(rest))


def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


def venv_python(venv: Path, windows: bool = os.name == "nt") -> Path:
    return venv / ("Scripts/python.exe" if windows else "bin/python")


def venv_bin(venv: Path, windows: bool = os.name == "nt") -> Path:
    return venv / ("Scripts" if windows else "bin")


def venv_failed_for_ensurepip(output: str) -> bool:
    """Whether `python -m venv` failed because ensurepip is missing (Debian without -venv)."""
    return "ensurepip" in output


def install_fingerprint(pyproject: bytes, extra: str, python_version: str, root: str) -> str:
    """What an install depends on; a different value means pip has to run again."""
    digest = hashlib.sha256()
    for part in (pyproject, extra.encode(), python_version.encode(), root.encode()):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def marker_path(venv: Path, extra: str) -> Path:
    return venv / f".parley-install-{extra}"


def satisfying_extras(extra: str) -> tuple[str, ...]:
    """Installs that cover `extra`: the test install includes everything the app needs."""
    return (APP_EXTRA, TEST_EXTRA) if extra == APP_EXTRA else (extra,)


def install_is_current(venv: Path, extra: str, fingerprints: Mapping[str, str]) -> bool:
    """True if a marker for `extra` (or a superset) holds the fingerprint it would have now."""
    for candidate in satisfying_extras(extra):
        marker = marker_path(venv, candidate)
        try:
            if marker.read_text(encoding="utf-8").strip() == fingerprints[candidate]:
                return True
        except (OSError, KeyError):
            continue
    return False


def record_install(venv: Path, extra: str, fingerprint: str) -> None:
    marker_path(venv, extra).write_text(fingerprint + "\n", encoding="utf-8")


def pip_install_command(python: Path, extra: str) -> list[str]:
    target = "." if extra == APP_EXTRA else f".[{extra}]"
    return [
        str(python), "-m", "pip", "install",
        # -qq: errors only (plain -q still prints every warning about the pip configuration)
        "-qq", "--disable-pip-version-check", "--no-input", "--progress-bar", "off",
        "-e", target,
    ]  # fmt: skip


def display_problem(env: Mapping[str, str], platform: str) -> str | None:
    """Why the app cannot open a window here, or None if it probably can."""
    if not platform.startswith("linux"):
        return None
    if any(env.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")):
        return None
    return (
        "No display: neither DISPLAY nor WAYLAND_DISPLAY is set, so Parley has nowhere to "
        "open its window.\n"
        "Run it on a virtual X display instead:\n"
        "    xvfb-run -a python3 -m desktop_app.bootstrap run\n"
        "(xvfb-run comes with Debian's xvfb package: apt-get install xvfb)."
    )


def app_command(python: Path, extra_args: Sequence[str]) -> list[str]:
    return [str(python), "-m", "desktop_app", *extra_args]


@dataclass(frozen=True)
class Step:
    name: str
    argv: list[str]

    def title(self) -> str:
        """The command as a reader would type it (program name without the venv path)."""
        return " ".join([Path(self.argv[0]).name, *self.argv[1:]])


def check_steps(venv: Path, pytest_args: Sequence[str], color: bool = False) -> list[Step]:
    """The checks `test` runs, in order; every one runs even after a failure."""
    python = str(venv_python(venv))
    lint_imports = str(venv_bin(venv) / ("lint-imports.exe" if os.name == "nt" else "lint-imports"))
    pytest = [python, "-m", "pytest"]
    if color and not any(arg.startswith("--color") for arg in pytest_args):
        pytest.append("--color=yes")
    return [
        Step("ruff", [python, "-m", "ruff", "check", "."]),
        Step("lint-imports", [lint_imports]),
        Step("mypy", [python, "-m", "mypy"]),
        Step("pytest", [*pytest, *pytest_args]),
    ]


def check_environment(
    base: Mapping[str, str], venv: Path, runtime_dir: str | None
) -> dict[str, str]:
    """Environment for the checks: headless Qt, the venv's scripts first on PATH."""
    env = dict(base)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = os.pathsep.join(filter(None, [str(venv_bin(venv)), base.get("PATH", "")]))
    env.pop("PYTHONHOME", None)
    if runtime_dir and not base.get("XDG_RUNTIME_DIR"):
        # Qt warns (and strict tests fail) when it needs a runtime dir and none is set.
        env["XDG_RUNTIME_DIR"] = runtime_dir
    return env


def describe_result(name: str, code: int) -> str:
    if code == 0:
        return f"{name}: ok"
    if name == "pytest" and code == PYTEST_NO_TESTS:
        return f"{name}: FAILED (exit {code}: no tests were collected)"
    return f"{name}: FAILED (exit {code})"


def last_line(text: str) -> str:
    """The last non-blank line, without colour codes (pytest's closing line)."""
    for line in reversed(text.splitlines()):
        plain = _ANSI.sub("", line).strip()
        if plain:
            return plain
    return ""


# --------------------------------------------------------------------------- side effects


def _create_venv(venv: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "venv", str(venv)],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


def _venv_works(venv: Path, python: Path) -> bool:
    """A venv is usable if it has a python and pip (a finished install proves the latter)."""
    if not python.exists():
        return False
    if any(marker_path(venv, extra).exists() for extra in (APP_EXTRA, TEST_EXTRA)):
        return True
    probe = subprocess.run(
        [str(python), "-m", "pip", "--version"],
        capture_output=True, stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip
    return probe.returncode == 0


def ensure_venv(venv: Path, apt: Apt) -> Path:
    """Return the venv's python, creating the venv (and Debian's venv support) if needed."""
    python = venv_python(venv)
    if _venv_works(venv, python):
        return python
    if venv.exists() or venv.is_symlink():
        say(f"{venv} is incomplete; recreating it")
        _remove(venv)
    say(f"creating {venv} with {sys.executable} (Python {sys.version.split()[0]})")
    result = _create_venv(venv)
    if result.returncode != 0 and venv_failed_for_ensurepip(result.stdout + result.stderr):
        _remove(venv)
        ensure_packages(
            apt,
            venv_apt_packages((sys.version_info.major, sys.version_info.minor)),
            "Python's venv needs ensurepip",
        )
        result = _create_venv(venv)
    if result.returncode != 0:
        _remove(venv)
        raise BootstrapError(
            f"could not create {venv} (exit {result.returncode}):\n{result.stdout}{result.stderr}"
        )
    return python


def ensure_installed(root: Path, venv: Path, python: Path, extra: str) -> None:
    pyproject = (root / "pyproject.toml").read_bytes()
    fingerprints = {
        name: install_fingerprint(pyproject, name, sys.version, str(root))
        for name in (APP_EXTRA, TEST_EXTRA)
    }
    if install_is_current(venv, extra, fingerprints):
        say(f"{venv.name} is up to date (pyproject.toml unchanged); skipping pip")
        return
    what = "Parley" if extra == APP_EXTRA else f"Parley with its {extra} tools"
    say(f"installing {what} into {venv.name} (pip install -e; the first time takes a while)")
    started = time.monotonic()
    result = subprocess.run(pip_install_command(python, extra), cwd=root, check=False)
    if result.returncode != 0:
        raise BootstrapError(f"pip install failed (exit {result.returncode}); see above")
    record_install(venv, extra, fingerprints[extra])
    say(f"installed in {time.monotonic() - started:.0f} s")


def _run_streaming(argv: list[str], env: dict, cwd: Path) -> tuple[int, str]:
    """Run a command, echoing its output live, and return its exit code and last line."""
    with subprocess.Popen(
        argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    ) as process:  # fmt: skip
        tail = b""
        stdout = process.stdout
        assert stdout is not None
        for chunk in iter(stdout.readline, b""):
            sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()
            if chunk.strip():
                tail = chunk
        code = process.wait()
    return code, last_line(tail.decode("utf-8", "replace"))


def run_checks(root: Path, venv: Path, pytest_args: Sequence[str], since: float) -> int:
    """Run every check, print a summary, and end on pytest's own closing line."""
    started = time.monotonic()
    results: list[tuple[str, int, float]] = []
    closing = ""
    with tempfile.TemporaryDirectory(prefix="parley-runtime-") as runtime_dir:
        os.chmod(runtime_dir, 0o700)
        env = check_environment(os.environ, venv, runtime_dir)
        for step in check_steps(venv, pytest_args, color=sys.stdout.isatty()):
            header(f"{step.name}: {step.title()}")
            step_started = time.monotonic()
            try:
                if step.name == "pytest":
                    code, closing = _run_streaming(step.argv, env, root)
                else:
                    code = subprocess.run(
                        step.argv, cwd=root, env=env, stdin=subprocess.DEVNULL, check=False
                    ).returncode
            except OSError as error:
                print(f"could not start {step.argv[0]}: {error}", flush=True)
                code = 127
            results.append((step.name, code, time.monotonic() - step_started))
    finished = time.monotonic()
    header("summary")
    for name, code, seconds in results:
        print(f"  {describe_result(name, code)}  [{seconds:.1f} s]")
    failed = [name for name, code, _ in results if code != 0]
    verdict = "all checks passed" if not failed else "FAILED: " + ", ".join(failed)
    print(
        f"{verdict} (checks {finished - started:.1f} s, "
        f"{finished - since:.1f} s in total with setup)"
    )
    if closing:
        print(closing)
    sys.stdout.flush()
    return 1 if failed else 0


def _exec(argv: list[str]) -> int:
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "nt":
        return subprocess.call(argv)
    os.execv(argv[0], argv)
    raise AssertionError("unreachable")  # pragma: no cover


def main(argv: Sequence[str] | None = None) -> int:
    since = time.monotonic()
    try:
        invocation = parse_invocation(sys.argv[1:] if argv is None else list(argv))
        root = repo_root()
        venv = root / ".venv"
        apt = Apt()
        python = ensure_venv(venv, apt)
        if invocation.command == "run":
            ensure_installed(root, venv, python, APP_EXTRA)
            ensure_system_libraries(apt, QT_XCB_LIBS)
            problem = display_problem(os.environ, sys.platform)
            if problem:
                raise BootstrapError(problem)
            return _exec(app_command(python, invocation.extra_args))
        ensure_installed(root, venv, python, TEST_EXTRA)
        # The xcb set too: Xvfb is only useful if Qt can then open a window on it.
        ensure_system_libraries(apt, QT_XCB_LIBS)
        ensure_test_tools(apt)
        return run_checks(root, venv, invocation.extra_args, since)
    except BootstrapError as error:
        stream = sys.stdout if error.exit_code == 0 else sys.stderr
        print(str(error).rstrip(), file=stream, flush=True)
        return error.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
