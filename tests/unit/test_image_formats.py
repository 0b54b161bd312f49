"""Only the formats Parley accepts are ever opened: PostScript, PDF and the rest of Pillow's
plugins never see a file the user dropped, pasted or picked."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from desktop_app.core.image_formats import OPEN_FORMATS, image_extensions
from desktop_app.core.images import ImageError, inspect_image, prepare_image
from desktop_app.services.image_sources import expand_paths
from tests.support.hostile import postscript, spy_on_eps


@pytest.fixture
def eps_spy(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return spy_on_eps(monkeypatch)


@pytest.mark.parametrize("name", ["drawing.eps", "page.ps", "renamed.png", "renamed.jpg"])
@pytest.mark.parametrize("step", [prepare_image, inspect_image], ids=["prepare", "inspect"])
def test_postscript_never_reaches_an_interpreter(
    tmp_path: Path,
    eps_spy: list[str],
    name: str,
    step,  # type: ignore[no-untyped-def]
) -> None:
    ran = tmp_path / "ran.txt"
    hostile = tmp_path / name
    hostile.write_bytes(postscript(ran, eps=not name.endswith(".ps")))
    for source in (hostile, hostile.read_bytes()):
        with pytest.raises(ImageError, match="not a supported image: it is PostScript"):
            step(source)
    assert eps_spy == [] and not ran.exists()


def test_other_pillow_formats_are_not_opened(tmp_path: Path) -> None:
    for fmt in ("PCX", "TGA", "ICO", "PPM"):
        buffer = io.BytesIO()
        Image.new("RGB", (16, 16), "red").save(buffer, fmt)
        with pytest.raises(ImageError, match="not in any image format Parley can read"):
            prepare_image(buffer.getvalue())


def test_accepted_formats_still_open(tmp_path: Path) -> None:
    for fmt in OPEN_FORMATS:
        buffer = io.BytesIO()
        Image.new("RGB", (16, 16), "red").save(buffer, fmt)
        assert prepare_image(buffer.getvalue()).source_format == fmt


def test_a_folder_skips_what_is_no_accepted_image_and_counts_it(
    tmp_path: Path, eps_spy: list[str]
) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    Image.new("RGB", (8, 8), "blue").save(folder / "a.png")
    (folder / "b.eps").write_bytes(postscript(tmp_path / "ran.txt"))
    (folder / "c.pdf").write_bytes(b"%PDF-1.7\n")
    (folder / "d.ps").write_bytes(postscript(tmp_path / "ran.txt", eps=False))
    found = expand_paths([folder])
    assert [p.name for p in found.files] == ["a.png"]
    assert found.unsupported == 3
    assert not {".eps", ".ps", ".pdf", ".wmf", ".ico"} & image_extensions()
    assert eps_spy == []
