"""The bootstrap's decisions, checked without apt, pip, venv or a display."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from desktop_app import bootstrap, bootstrap_system

LDCONFIG_LISTING = """\
4 libs found in cache `/etc/ld.so.cache'
\tlibxkbcommon.so.0 (libc6,x86-64) => /lib/x86_64-linux-gnu/libxkbcommon.so.0
\tlibGL.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libGL.so.1
\tlibGL.so.1 (libc6) => /lib/i386-linux-gnu/libGL.so.1
\tlibglib-2.0.so.0 (libc6,x86-64) => /lib/x86_64-linux-gnu/libglib-2.0.so.0
"""


def test_parse_ldconfig_reads_sonames_and_skips_the_count_line() -> None:
    assert bootstrap_system.parse_ldconfig(LDCONFIG_LISTING) == {
        "libxkbcommon.so.0",
        "libGL.so.1",
        "libglib-2.0.so.0",
    }


def test_missing_packages_from_a_fake_ldconfig_listing() -> None:
    present = bootstrap_system.parse_ldconfig(LDCONFIG_LISTING)
    missing = bootstrap_system.missing_packages(
        bootstrap_system.QT_OFFSCREEN_LIBS, present.__contains__
    )
    assert "libgl1" not in missing
    assert "libxkbcommon0" not in missing
    # libglib-2.0 is there but libgthread-2.0 (same package) is not: the package is needed.
    assert missing.count("libglib2.0-0") == 1
    assert missing[:3] == ["libegl1", "libfontconfig1", "libfreetype6"]


def test_nothing_missing_when_every_library_is_present() -> None:
    everything = "".join(
        f"\t{so} (libc6,x86-64) => /x/{so}\n" for so, _ in bootstrap_system.QT_XCB_LIBS
    )
    present = bootstrap_system.parse_ldconfig(everything)
    assert (
        bootstrap_system.missing_packages(bootstrap_system.QT_XCB_LIBS, present.__contains__) == []
    )


def test_xcb_set_includes_the_libraries_the_xcb_plugin_is_known_to_need() -> None:
    packages = {package for _, package in bootstrap_system.QT_XCB_LIBS}
    assert {
        "libxcb-cursor0",
        "libxkbcommon-x11-0",
        "libxcb-icccm4",
        "libxcb-keysyms1",
        "libegl1",
        "libgl1",
        "libdbus-1-3",
    } <= packages
    assert set(bootstrap_system.QT_OFFSCREEN_LIBS) <= set(bootstrap_system.QT_XCB_LIBS)


def test_missing_test_tools_uses_the_lookup_given() -> None:
    on_path = {"xauth"}
    missing = bootstrap_system.missing_packages(bootstrap_system.TEST_TOOLS, on_path.__contains__)
    assert missing == ["xvfb"]


@pytest.mark.parametrize(
    ("missing", "root", "apt", "action"),
    [
        ([], False, False, "none"),
        (["libgl1"], True, True, "install"),
        (["libgl1"], False, True, "hint"),
        (["libgl1"], True, False, "unknown"),
    ],
)
def test_package_action(missing: list[str], root: bool, apt: bool, action: str) -> None:
    assert bootstrap_system.package_action(missing, root, apt) == action


def test_apt_commands_are_non_interactive_and_lean() -> None:
    assert bootstrap_system.apt_install_command(["libgl1", "xvfb"]) == [
        "apt-get", "install", "-y", "--no-install-recommends", "libgl1", "xvfb",
    ]  # fmt: skip
    hint = bootstrap_system.apt_hint(["python3.11-venv"])
    assert hint.startswith("sudo apt-get update && sudo apt-get install")
    assert hint.endswith("python3.11-venv")


def test_venv_packages_follow_the_running_minor_version() -> None:
    assert bootstrap_system.venv_apt_packages((3, 12, 1)) == ["python3-venv", "python3.12-venv"]


def test_ensurepip_failure_is_recognised() -> None:
    debian_message = (
        "The virtual environment was not created successfully because ensurepip is not\n"
        "available.  On Debian/Ubuntu systems, you need to install the python3-venv package"
    )
    assert bootstrap.venv_failed_for_ensurepip(debian_message)
    assert not bootstrap.venv_failed_for_ensurepip("Error: [Errno 13] Permission denied")


# --------------------------------------------------------------------------- install hash


def _fingerprints(pyproject: bytes, root: Path) -> dict[str, str]:
    return {
        extra: bootstrap.install_fingerprint(pyproject, extra, "3.11.2", str(root))
        for extra in (bootstrap.APP_EXTRA, bootstrap.TEST_EXTRA)
    }


def test_install_runs_the_first_time_and_is_skipped_after(tmp_path: Path) -> None:
    venv = tmp_path / ".venv"
    venv.mkdir()
    prints = _fingerprints(b"[project]\nname='parley'\n", tmp_path)
    assert not bootstrap.install_is_current(venv, "app", prints)
    bootstrap.record_install(venv, "app", prints["app"])
    assert (venv / ".parley-install-app").is_file()
    assert bootstrap.install_is_current(venv, "app", prints)


def test_changed_pyproject_means_install_again(tmp_path: Path) -> None:
    venv = tmp_path / ".venv"
    venv.mkdir()
    before = _fingerprints(b"dependencies = ['a']", tmp_path)
    bootstrap.record_install(venv, "test", before["test"])
    after = _fingerprints(b"dependencies = ['a', 'b']", tmp_path)
    assert not bootstrap.install_is_current(venv, "test", after)


def test_fingerprint_depends_on_python_root_and_extra(tmp_path: Path) -> None:
    base = bootstrap.install_fingerprint(b"x", "app", "3.11.2", "/a")
    assert base == bootstrap.install_fingerprint(b"x", "app", "3.11.2", "/a")
    assert base != bootstrap.install_fingerprint(b"x", "test", "3.11.2", "/a")
    assert base != bootstrap.install_fingerprint(b"x", "app", "3.12.0", "/a")
    assert base != bootstrap.install_fingerprint(b"x", "app", "3.11.2", "/b")
    # Parts are length-prefixed, so moving bytes between parts changes the result.
    assert bootstrap.install_fingerprint(b"xa", "pp", "v", "r") != base


def test_test_install_covers_the_app_but_not_the_reverse(tmp_path: Path) -> None:
    venv = tmp_path / ".venv"
    venv.mkdir()
    prints = _fingerprints(b"same", tmp_path)
    bootstrap.record_install(venv, "test", prints["test"])
    assert bootstrap.install_is_current(venv, "app", prints)

    other = tmp_path / "other"
    other.mkdir()
    bootstrap.record_install(other, "app", prints["app"])
    assert not bootstrap.install_is_current(other, "test", prints)


def test_pip_command_is_editable_quiet_and_names_the_extra() -> None:
    python = Path("/repo/.venv/bin/python")
    app = bootstrap.pip_install_command(python, "app")
    test = bootstrap.pip_install_command(python, "test")
    assert app[:4] == [str(python), "-m", "pip", "install"]
    assert app[-2:] == ["-e", "."]
    assert test[-2:] == ["-e", ".[test]"]
    assert "-qq" in app
    assert "--no-input" in app


# --------------------------------------------------------------------------- display


@pytest.mark.parametrize(
    "env",
    [{"DISPLAY": ":0"}, {"WAYLAND_DISPLAY": "wayland-0"}, {"QT_QPA_PLATFORM": "offscreen"}],
)
def test_no_display_problem_when_something_can_show_a_window(env: dict[str, str]) -> None:
    assert bootstrap.display_problem(env, "linux") is None


def test_no_display_problem_says_how_to_use_xvfb() -> None:
    message = bootstrap.display_problem({"DISPLAY": "", "HOME": "/root"}, "linux")
    assert message is not None
    assert "xvfb-run -a python3 -m desktop_app.bootstrap run" in message
    assert "apt-get install xvfb" in message


@pytest.mark.parametrize("platform", ["darwin", "win32"])
def test_display_is_not_checked_off_linux(platform: str) -> None:
    assert bootstrap.display_problem({}, platform) is None


# --------------------------------------------------------------------------- arguments


def test_run_passes_every_extra_argument_to_the_app() -> None:
    invocation = bootstrap.parse_invocation(["run", "--self-test", "--", "-x"])
    assert invocation == bootstrap.Invocation("run", ("--self-test", "--", "-x"))
    python = Path("/repo/.venv/bin/python")
    assert bootstrap.app_command(python, invocation.extra_args) == [
        str(python), "-m", "desktop_app", "--self-test", "--", "-x",
    ]  # fmt: skip


def test_test_passes_extra_arguments_to_pytest_only() -> None:
    invocation = bootstrap.parse_invocation(["test", "-k", "chat", "-x"])
    steps = bootstrap.check_steps(Path("/repo/.venv"), invocation.extra_args)
    assert [step.name for step in steps] == ["ruff", "lint-imports", "mypy", "pytest"]
    ruff, lint, mypy, pytest_step = steps
    assert ruff.argv[1:] == ["-m", "ruff", "check", "."]
    assert Path(lint.argv[0]).name.startswith("lint-imports")
    assert mypy.argv[1:] == ["-m", "mypy"]
    assert pytest_step.argv[1:] == ["-m", "pytest", "-k", "chat", "-x"]
    assert pytest_step.title() == "python -m pytest -k chat -x"


def test_colour_is_requested_for_a_terminal_unless_the_user_chose() -> None:
    venv = Path("/repo/.venv")
    assert "--color=yes" in bootstrap.check_steps(venv, [], color=True)[3].argv
    chosen = bootstrap.check_steps(venv, ["--color=no"], color=True)[3].argv
    assert chosen.count("--color=no") == 1
    assert "--color=yes" not in chosen


@pytest.mark.parametrize(("argv", "code"), [([], 2), (["--help"], 0), (["build"], 2)])
def test_bad_or_missing_command_is_a_usage_error(argv: list[str], code: int) -> None:
    with pytest.raises(bootstrap.UsageError) as caught:
        bootstrap.parse_invocation(argv)
    assert caught.value.exit_code == code
    assert "bootstrap run" in str(caught.value)


def test_main_reports_usage_errors_without_touching_the_venv(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert bootstrap.main(["frobnicate"]) == 2
    assert "unknown command 'frobnicate'" in capsys.readouterr().err


def test_check_environment_is_headless_and_prefers_the_venv() -> None:
    venv = Path("/repo/.venv")
    env = bootstrap.check_environment({"PATH": "/usr/bin", "PYTHONHOME": "/x"}, venv, "/tmp/rt")
    assert env["QT_QPA_PLATFORM"] == "offscreen"
    assert env["PATH"].split(os.pathsep)[0] == str(bootstrap.venv_bin(venv))
    assert env["XDG_RUNTIME_DIR"] == "/tmp/rt"
    assert "PYTHONHOME" not in env
    kept = bootstrap.check_environment({"XDG_RUNTIME_DIR": "/run/user/1"}, venv, "/tmp/rt")
    assert kept["XDG_RUNTIME_DIR"] == "/run/user/1"


@pytest.mark.parametrize(
    ("name", "code", "expected"),
    [
        ("ruff", 0, "ruff: ok"),
        ("ruff", 1, "ruff: FAILED (exit 1)"),
        ("pytest", 5, "pytest: FAILED (exit 5: no tests were collected)"),
    ],
)
def test_step_results_are_described(name: str, code: int, expected: str) -> None:
    assert bootstrap.describe_result(name, code) == expected


def test_last_line_strips_colour_and_blank_lines() -> None:
    output = "collected 3 items\n\x1b[32m===== 3 passed in 0.12s =====\x1b[0m\n\n"
    assert bootstrap.last_line(output) == "===== 3 passed in 0.12s ====="


def test_venv_paths_per_platform() -> None:
    venv = Path("/r/.venv")
    assert bootstrap.venv_python(venv, windows=False) == venv / "bin" / "python"
    assert bootstrap.venv_python(venv, windows=True) == venv / "Scripts" / "python.exe"
