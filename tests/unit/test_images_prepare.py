"""Image preparation: every awkward input gets a usable image or a sentence saying why not."""

from __future__ import annotations

import io
import struct
import time
import warnings
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from desktop_app.core.image_formats import image_extensions
from desktop_app.core.images import (
    LIMITS,
    MB,
    ImageError,
    ImageLimits,
    fit_size,
    inspect_image,
    prepare_image,
)


def reopen(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims a size without holding the pixels: a decompression bomb's shape."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


def save(image: Image.Image, path: Path, **options) -> Path:  # type: ignore[no-untyped-def]
    image.save(path, **options)
    return path


# --- inputs that are not images --------------------------------------------------------------


def test_zero_byte_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(ImageError, match=r"empty \(0 bytes\)"):
        prepare_image(empty)
    with pytest.raises(ImageError, match="empty"):
        prepare_image(b"")


def test_truncated_file(tmp_path: Path) -> None:
    whole = io.BytesIO()
    Image.effect_noise((400, 300), 60).convert("RGB").save(whole, "JPEG")
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(whole.getvalue()[: len(whole.getvalue()) // 2])
    with pytest.raises(ImageError, match="damaged or incomplete"):
        prepare_image(cut)


def test_truncated_png(tmp_path: Path) -> None:
    whole = io.BytesIO()
    Image.effect_noise((300, 300), 60).save(whole, "PNG")
    cut = tmp_path / "cut.png"
    cut.write_bytes(whole.getvalue()[:2000])
    with pytest.raises(ImageError, match="damaged"):
        prepare_image(cut)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"Shopping list:\n- eggs\n- milk\n", "contains text"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF document"),
        (b"<!DOCTYPE html><html><body>404</body></html>", "web page"),
        (bytes(range(256)) * 4, "not in any image format"),
    ],
    ids=["text", "pdf", "html", "binary"],
)
def test_renamed_non_image(tmp_path: Path, content: bytes, says: str) -> None:
    fake = tmp_path / "holiday.png"
    fake.write_bytes(content)
    with pytest.raises(ImageError, match=f"not an image: .*{says}"):
        prepare_image(fake)


def test_folder_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ImageError, match="folder"):
        prepare_image(tmp_path)
    with pytest.raises(ImageError, match="no longer exists"):
        prepare_image(tmp_path / "gone.png")


def test_decompression_bomb_is_refused_before_decoding(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_header_only(30_000, 30_000))  # 900 MP: Pillow itself refuses
    started = time.perf_counter()
    with pytest.raises(ImageError, match=r"too large to open safely.*megapixels"):
        prepare_image(bomb)
    assert time.perf_counter() - started < 1


def test_image_over_our_pixel_limit_names_its_size(tmp_path: Path) -> None:
    big = tmp_path / "big.png"
    big.write_bytes(png_header_only(10_000, 10_000))  # 100 MP: Pillow only warns
    with pytest.raises(ImageError, match="too large to open safely"):
        prepare_image(big)  # warnings are errors here, so Pillow's warning is what stops it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # as in the app
        with pytest.raises(ImageError, match=r"10000×10000 \(100 megapixels\)"):
            prepare_image(big)


# --- images that need work -------------------------------------------------------------------


def test_cmyk_becomes_rgb(tmp_path: Path) -> None:
    path = save(Image.new("CMYK", (300, 200), (0, 255, 255, 0)), tmp_path / "print.jpg")
    prepared = prepare_image(path)
    out = reopen(prepared.data)
    assert out.mode == "RGB" and prepared.mime == "image/jpeg"
    red, green, blue = out.getpixel((150, 100))
    assert red > 200 and green < 60 and blue < 60
    assert "converted from CMYK" in prepared.notes


def test_palette_with_and_without_transparency(tmp_path: Path) -> None:
    plain = Image.new("P", (64, 64), 3)
    plain.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255] * 64)
    out = reopen(prepare_image(save(plain, tmp_path / "plain.gif")).data)
    assert out.mode == "RGB" and out.getpixel((1, 1)) == (0, 0, 255)

    see_through = plain.copy()
    ImageDraw.Draw(see_through).rectangle((0, 0, 31, 63), fill=1)
    path = save(see_through, tmp_path / "clear.png", transparency=1)
    prepared = prepare_image(path)
    out = reopen(prepared.data)
    assert prepared.mime == "image/png" and out.mode == "RGBA"
    assert out.getpixel((5, 5))[3] == 0 and out.getpixel((50, 5)) == (0, 0, 255, 255)


def test_sixteen_bit_greyscale_is_scaled_to_eight(tmp_path: Path) -> None:
    path = save(Image.new("I;16", (100, 80), 40_000), tmp_path / "scan.png")
    prepared = prepare_image(path)
    out = reopen(prepared.data)
    assert out.mode == "L" and out.getpixel((5, 5)) == 156  # 40000 / 256
    assert any("more than 8 bits" in note for note in prepared.notes)


def test_sixteen_bit_rgb_png(tmp_path: Path) -> None:
    rgb16 = tmp_path / "deep.png"
    raw = struct.pack(">HHH", 65535, 0, 32768) * (20 * 10)
    Image.frombytes("RGB", (20, 10), raw, "raw", "RGB;16B").save(rgb16)
    out = reopen(prepare_image(rgb16).data)
    assert out.mode == "RGB" and out.getpixel((0, 0)) == (255, 0, 128)


def test_alpha_kept_only_when_used(tmp_path: Path) -> None:
    opaque = save(Image.new("RGBA", (50, 50), (10, 20, 30, 255)), tmp_path / "opaque.png")
    assert reopen(prepare_image(opaque).data).mode == "RGB"
    half = Image.new("RGBA", (50, 50), (10, 20, 30, 255))
    ImageDraw.Draw(half).rectangle((0, 0, 24, 49), fill=(0, 0, 0, 0))
    prepared = prepare_image(save(half, tmp_path / "half.png"))
    assert prepared.mime == "image/png" and reopen(prepared.data).mode == "RGBA"


def test_exif_orientation_is_applied_and_metadata_dropped(tmp_path: Path) -> None:
    image = Image.new("RGB", (60, 40), (255, 0, 0))
    ImageDraw.Draw(image).rectangle((0, 0, 29, 39), fill=(0, 0, 255))  # left half blue
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    exif[0x010F] = "Parley Camera"  # Make
    path = save(image, tmp_path / "phone.jpg", exif=exif, quality=95)
    prepared = prepare_image(path)
    out = reopen(prepared.data)
    assert out.size == (40, 60) and (prepared.source_width, prepared.source_height) == (40, 60)
    top, bottom = out.getpixel((20, 5)), out.getpixel((20, 55))
    assert top[2] > 200 and top[0] < 60, "the left (blue) half should now be on top"
    assert bottom[0] > 200 and bottom[2] < 60
    assert not out.getexif() and "exif" not in out.info
    assert "rotated as its EXIF orientation says" in prepared.notes


def test_png_text_and_icc_are_dropped(tmp_path: Path) -> None:
    from PIL import ImageCms, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret location")
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    path = save(
        Image.new("RGB", (30, 30), "green"), tmp_path / "x.png", pnginfo=info, icc_profile=srgb
    )
    out = reopen(prepare_image(path).data)
    assert "Comment" not in out.info and "icc_profile" not in out.info


def test_sixty_megapixel_photo_is_downscaled_quickly(tmp_path: Path) -> None:
    photo = Image.new("RGB", (9000, 6700), (200, 30, 30))
    ImageDraw.Draw(photo).rectangle((0, 0, 4499, 6699), fill=(30, 30, 200))
    path = save(photo, tmp_path / "60mp.jpg", quality=80)
    started = time.perf_counter()
    prepared = prepare_image(path, "high")
    elapsed = time.perf_counter() - started
    assert (prepared.width, prepared.height) == (1031, 768)  # short side 768, as the API does
    assert (prepared.source_width, prepared.source_height) == (9000, 6700)
    assert "downscaled from 9000×6700" in prepared.notes
    assert elapsed < 3, f"took {elapsed:.1f} s"
    low = prepare_image(path, "low")
    assert max(low.width, low.height) == 512


def test_fifty_megabyte_png(tmp_path: Path) -> None:
    path = save(
        Image.new("RGB", (4200, 4200), (0, 128, 255)), tmp_path / "huge.png", compress_level=0
    )
    assert path.stat().st_size > 50 * MB
    prepared = prepare_image(path)
    assert (prepared.width, prepared.height) == (768, 768)
    assert prepared.mime == "image/png" and len(prepared.data) < MB


def test_payload_is_reencoded_to_fit_the_byte_limit(tmp_path: Path) -> None:
    noise = Image.merge("RGB", [Image.effect_noise((700, 500), 90) for _ in range(3)])
    path = save(noise, tmp_path / "noise.png")
    limits = ImageLimits(2048, 768, max_bytes=60_000)
    prepared = prepare_image(path, limits=limits)
    assert len(prepared.data) <= 60_000
    assert prepared.mime == "image/jpeg"  # PNG of noise could never fit
    with pytest.raises(ImageError, match="cannot be made smaller"):
        prepare_image(path, limits=ImageLimits(2048, 768, max_bytes=100))


def test_animated_gif_uses_the_first_frame(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (40, 30), colour) for colour in ("red", "lime", "blue")]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=100)
    prepared = prepare_image(path)
    out = reopen(prepared.data)
    assert prepared.mime == "image/png" and out.convert("RGB").getpixel((3, 3)) == (255, 0, 0)
    assert any("first frame" in note for note in prepared.notes)


def test_formats_the_api_does_not_take_are_converted(tmp_path: Path) -> None:
    bmp = prepare_image(save(Image.new("RGB", (20, 20), "red"), tmp_path / "a.bmp"))
    assert (bmp.mime, bmp.source_format) == ("image/png", "BMP")
    tiff = prepare_image(save(Image.new("RGB", (20, 20), "red"), tmp_path / "a.tiff"))
    assert tiff.mime == "image/png"
    webp = prepare_image(save(Image.new("RGB", (20, 20), "red"), tmp_path / "a.webp"))
    assert webp.mime == "image/jpeg"


def test_bytes_source_and_inspect(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), "red").save(buffer, "PNG")
    prepared = prepare_image(buffer.getvalue(), "low")
    assert (prepared.width, prepared.height) == (512, 384)
    facts = inspect_image(buffer.getvalue())
    assert (facts.width, facts.height, facts.format) == (640, 480, "PNG")
    assert facts.thumbnail_size == (128, 96) and reopen(facts.thumbnail).size == (128, 96)
    with pytest.raises(ImageError, match="not an image"):
        inspect_image(b"hello")


@pytest.mark.parametrize(
    ("size", "detail", "expected"),
    [
        ((100, 50), "high", (100, 50)),
        ((4000, 500), "high", (2048, 256)),
        ((1000, 1000), "high", (768, 768)),
        ((3000, 2000), "auto", (1152, 768)),
        ((3000, 2000), "low", (512, 341)),
        ((1, 20_000), "high", (1, 2048)),
    ],
)
def test_fit_size(size: tuple[int, int], detail: str, expected: tuple[int, int]) -> None:
    assert fit_size(*size, LIMITS[detail]) == expected


def test_image_extensions_cover_the_common_ones() -> None:
    assert {".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif"} <= image_extensions()
