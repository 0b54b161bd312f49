"""resource_path from source and frozen, and the committed icon files."""

from __future__ import annotations

import importlib.util
import struct
import sys
from pathlib import Path

import pytest

from desktop_app.services import resources
from desktop_app.services.resources import ICON_SIZES, icon_files, resource_path, resources_dir

REPO_ROOT = Path(__file__).resolve().parents[2]


def png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", path
    return struct.unpack(">II", header[16:24])


def test_from_source_resources_are_the_repository_folder() -> None:
    assert resources_dir() == REPO_ROOT / "resources"
    assert resource_path("linux/parley.desktop").is_file()


def test_frozen_resources_are_next_to_the_unpacked_modules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "resources" / "icons").mkdir(parents=True)
    (tmp_path / "resources" / "icons" / "x.png").write_bytes(b"x")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.is_frozen()
    assert resource_path("icons/x.png") == tmp_path / "resources" / "icons" / "x.png"


def test_a_missing_resource_names_itself() -> None:
    with pytest.raises(FileNotFoundError, match=r"nothing\.png"):
        resource_path("icons/nothing.png")


def test_every_icon_size_is_committed_at_its_size() -> None:
    files = icon_files()
    assert [png_size(path) for path in files] == [(size, size) for size in ICON_SIZES]


def load_render_icons():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "render_icons", REPO_ROOT / "resources" / "render_icons.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_ico_file_lists_each_png_with_its_size_and_offset() -> None:
    data = (REPO_ROOT / "resources" / "icons" / "parley.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1)
    sizes = []
    for index in range(count):
        entry = data[6 + 16 * index : 22 + 16 * index]
        width, _height, _c, _r, _planes, _bpp, length, offset = struct.unpack("<BBBBHHII", entry)
        assert data[offset : offset + 8] == b"\x89PNG\r\n\x1a\n"
        assert offset + length <= len(data)
        sizes.append(width or 256)
    assert sizes == list(load_render_icons().ICO_SIZES)


def test_the_icns_file_is_a_sequence_of_png_elements() -> None:
    data = (REPO_ROOT / "resources" / "icons" / "parley.icns").read_bytes()
    assert data[:4] == b"icns" and struct.unpack(">I", data[4:8])[0] == len(data)
    position, kinds = 8, []
    while position < len(data):
        kind, length = (
            data[position : position + 4],
            struct.unpack(">I", data[position + 4 : position + 8])[0],
        )
        assert data[position + 8 : position + 16] == b"\x89PNG\r\n\x1a\n"
        kinds.append(kind)
        position += length
    assert position == len(data)
    assert kinds == list(load_render_icons().ICNS_TYPES.values())


def test_the_screenshot_script_refuses_a_display_without_real_fonts(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = importlib.util.spec_from_file_location(
        "screenshots", REPO_ROOT / "resources" / "screenshots.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "screenshots", module)  # its dataclasses look it up
    spec.loader.exec_module(module)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert module.main([]) == 2
    assert "xvfb-run" in capsys.readouterr().out
    assert module.parse_args(["--size", "800x600"]).size == "800x600"
