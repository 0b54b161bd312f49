"""The LiteLLM proxy's own venv for tests/thirdparty: reused while its stamp matches, rebuilt
when not, and a failed install is an error that says why (never a silent skip)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.thirdparty import litellm_install
from tests.thirdparty.litellm_install import (
    REFUSED_VERSIONS,
    VERSION,
    LiteLLMUnavailable,
    ensure_litellm,
    stamp_text,
    venv_dir,
    venv_python,
)


def test_the_pin_is_not_the_compromised_release() -> None:
    assert VERSION not in REFUSED_VERSIONS and "1.107.0" in REFUSED_VERSIONS


def test_a_venv_with_a_matching_stamp_is_reused_without_running_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    venv = venv_dir(tmp_path)
    venv.mkdir(parents=True)
    (venv / litellm_install.STAMP_NAME).write_text(stamp_text() + "\n")
    monkeypatch.setattr(litellm_install, "_run", lambda *a: pytest.fail("ran a command"))
    assert ensure_litellm(tmp_path) == venv_python(venv)


def test_a_stale_venv_is_made_again_and_stamped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    venv = venv_dir(tmp_path)
    venv.mkdir(parents=True)
    (venv / "leftover").write_text("from an older Python")
    (venv / litellm_install.STAMP_NAME).write_text("another stamp\n")
    ran: list[list[str]] = []

    def run(command: list[str], what: str) -> None:
        ran.append(command)
        venv.mkdir(parents=True, exist_ok=True)  # what `python -m venv` would do

    monkeypatch.setattr(litellm_install, "_run", run)
    ensure_litellm(tmp_path)
    assert ran[0][1:3] == ["-m", "venv"] and ran[1][-1] == f"litellm[proxy]=={VERSION}"
    assert not (venv / "leftover").exists()
    assert litellm_install.is_current(venv)


def test_a_failed_install_says_what_failed_and_what_it_needs() -> None:
    failing = [sys.executable, "-c", "import sys; print('No matching distribution'); sys.exit(3)"]
    with pytest.raises(LiteLLMUnavailable) as raised:
        litellm_install._run(failing, "install litellm[proxy]")
    said = str(raised.value)
    assert "Could not install litellm[proxy] (exit code 3)" in said
    assert "package registry" in said and "No matching distribution" in said
