"""The packaged app: build dist/Parley from a clean tree (cached) and run it headless.

`Parley --self-test` imports every lazily used library, loads the resources, opens a store,
builds every tab and streams a reply from the test server, so a module or data file missing
from the bundle fails here rather than on a user's machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path

import pytest

from tests.openai_server import OpenAIServer
from tests.packaging.bundle_builder import BuildResult, ensure_bundle

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        find_spec("PyInstaller") is None,
        reason="PyInstaller is not installed (it comes with `pip install -e '.[test]'`)",
    ),
    pytest.mark.skipif(
        sys.platform.startswith("linux") and shutil.which("objdump") is None,
        reason="PyInstaller needs objdump on Linux (apt-get install binutils)",
    ),
    # The first build takes a minute or two on two cores; later runs reuse it.
    pytest.mark.timeout(1800),
]
RUN_TIMEOUT_S = 120
# About 160 MB before Training; pandas and numpy add 60 MB that cannot be trimmed: numpy's
# core links OpenBLAS (25 MB, DYNAMIC_ARCH kernels), and `import pandas` loads all of its
# compiled modules (18 MB). Their tests and optional extras are left out (build.spec).
# Knowledge's readers add about 8 MB (lxml.etree for Word files, pypdf, python-docx) and the
# MCP client a little (pure Python); sqlite-vec's extension 1 MB.
SIZE_LIMIT_MB = 245


@pytest.fixture(scope="module")
def bundle() -> Iterator[BuildResult]:
    result = ensure_bundle()
    how = "reused (stamp matches)" if result.cached else "built"
    print(f"\nbundle {how} in {result.seconds:.1f} s: {result.executable}")
    yield result


def run_bundle(executable: Path, args: list[str], home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PARLEY_HOME": str(home)}
    env.pop("OPENAI_API_KEY", None)
    return subprocess.run(
        [str(executable), *args],
        env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=RUN_TIMEOUT_S, check=False,
    )  # fmt: skip


def test_self_test_of_the_bundle_reaches_the_test_server(
    bundle: BuildResult, tmp_path: Path
) -> None:
    with OpenAIServer() as server:
        url = server.url
        result = run_bundle(bundle.executable, ["--self-test", "--base-url", url], tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    lines = result.stdout.splitlines()
    checks = ("version", "lazy imports", "keyring backends", "resources", "crash report", "store")
    for check in (*checks, "training datasets", "main window and tabs", "charts"):
        assert any(line.startswith(f"ok   {check}:") for line in lines), output
    assert any(line.startswith("ok   version:") and "(bundle)" in line for line in lines), output
    assert any(line.startswith("ok   server:") and url in line for line in lines), output
    assert not any(line.startswith("FAIL") for line in lines), output
    assert "self-test passed" in result.stdout
    assert (tmp_path / "data" / "parley.db").is_file()


def test_the_bundle_starts_the_app_and_logs_to_the_log_folder(
    bundle: BuildResult, tmp_path: Path
) -> None:
    result = run_bundle(bundle.executable, ["--exit-after-first-frame"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "FIRST_FRAME" in result.stdout and "IDLE_RSS_KB" in result.stdout
    log = (tmp_path / "log" / "parley.log").read_text(encoding="utf-8")
    assert "starting; Qt loaded" in log
    assert not list((tmp_path / "log").glob("crash-*.txt"))


def test_the_bundle_holds_what_parley_needs_and_nothing_it_does_not(
    bundle: BuildResult,
) -> None:
    from PyInstaller.archive.readers import pkg_archive_contents

    folder = bundle.executable.parent
    modules = set(pkg_archive_contents(str(bundle.executable)))
    assert {"desktop_app.app", "desktop_app.self_test", "qasync", "openai"} <= modules
    unwanted = ("tests", "pytest", "_pytest", "pytestqt", "PyInstaller", "mypy", "tkinter", "rich")
    assert not [name for name in modules if name.split(".")[0] in unwanted]
    assert not {"desktop_app.bootstrap", "desktop_app.bootstrap_system"} & modules
    assert {"tiktoken", "tiktoken_ext.openai_public", "pyqtgraph"} <= modules
    assert {"mcp.client.stdio", "mcp.client.streamable_http", "pypdf", "docx"} <= modules
    assert not [name for name in modules if name.startswith(("lxml.objectify", "lxml.html"))]
    pyqtgraph_unused = ("opengl", "examples", "jupyter", "flowchart", "console", "exporters")
    parts = [name.split(".") for name in modules if name.startswith("pyqtgraph.")]
    assert not [name for name in parts if name[1] in pyqtgraph_unused]
    files = [path.relative_to(folder).as_posix() for path in folder.rglob("*")]
    for unused in ("QtWebEngine", "QtQml", "QtQuick", "QtNetwork", "QtSvg.", "/translations/"):
        assert not [name for name in files if unused in name], unused
    internal = "_internal/" if (folder / "_internal").is_dir() else ""
    assert f"{internal}resources/icons/parley-256.png" in files
    assert f"{internal}resources/linux/parley.desktop" in files
    assert [name for name in files if name.startswith(f"{internal}sqlite_vec/vec0")]
    for vocabulary in ("o200k_base", "cl100k_base"):  # token counts offline
        assert f"{internal}desktop_app/core/vocabularies/{vocabulary}.tiktoken.gz" in files
    assert not [name for name in files if "QtOpenGL." in name]  # 9 MB pyqtgraph does not need
    shipped = [name for name in files if name.startswith(f"{internal}resources/")]
    assert not [name for name in shipped if name.endswith((".py", ".pyc"))]
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
    assert size < SIZE_LIMIT_MB * 2**20, f"{size / 2**20:.0f} MB"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="desktop entries are Linux's")
def test_the_bundle_installs_its_desktop_entry_pointing_at_itself(
    bundle: BuildResult, tmp_path: Path
) -> None:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "share")}
    for flag in ("--install-desktop-entry", "--uninstall-desktop-entry"):
        result = subprocess.run(
            [str(bundle.executable), flag],
            env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=RUN_TIMEOUT_S, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        if flag == "--install-desktop-entry":
            entry = (tmp_path / "share" / "applications" / "parley.desktop").read_text()
            assert f"Exec={bundle.executable}\n" in entry
            assert (tmp_path / "share/icons/hicolor/48x48/apps/parley.png").is_file()
    assert not list((tmp_path / "share").rglob("parley*"))
