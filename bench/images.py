"""Images benchmark: preparing a 24 MP photo, and describing a batch against the test server.

    .venv/bin/python bench/images.py [--runs 5] [--batch 40] [--chunk-delay 0.0]

1. Preparation: a 6000×4000 JPEG (made here, photo-like: gradients and shapes) goes through
   `prepare_image` for each detail level, and through `inspect_image` (the thumbnail pass
   done when an image is added). Median and range over --runs.
2. Batch: --batch 640×480 JPEGs are described through `ImageDescriber.describe_all` (four at
   a time, as the Images tab does) against the OpenAI-compatible test server on 127.0.0.1,
   storing each in a throw-away database, and once more one at a time for comparison.
   The test server answers at once (or with --chunk-delay between streamed words), so this
   measures Parley's own overhead: preparation, storage and streaming, not a model.

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))  # for tests.openai_server

from desktop_app.core.images import inspect_image, prepare_image  # noqa: E402


def make_photo(path: Path, size: tuple[int, int], seed: int = 0) -> Path:
    """A photo-like JPEG: gradients, shapes and sensor-like noise, so it weighs (and decodes)
    about like a camera's picture of the same size."""
    from PIL import Image, ImageChops, ImageDraw

    width, height = size
    noise = Image.effect_noise(size, 24)
    red = ImageChops.add(Image.linear_gradient("L").resize(size), noise, 1.0, -128)
    green = ImageChops.add(Image.radial_gradient("L").resize(size), noise, 1.0, -128)
    blue = Image.linear_gradient("L").rotate(90 + seed * 7).resize(size)
    image = Image.merge("RGB", (red, green, blue))
    draw = ImageDraw.Draw(image)
    for n in range(12):
        x, y = (width * ((n * 37 + seed * 11) % 100)) // 100, (height * ((n * 53) % 100)) // 100
        draw.ellipse(
            (x, y, x + width // 8, y + height // 8), fill=(n * 20, 255 - n * 15, seed % 256)
        )
    image.save(path, "JPEG", quality=90)
    return path


def timed(call: Callable[[], object], runs: int) -> list[float]:
    call()  # warm-up: imports, caches
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def bench_prepare(folder: Path, runs: int) -> None:
    photo = make_photo(folder / "24mp.jpg", (6000, 4000))
    size_mb = photo.stat().st_size / 1024 / 1024
    print(f"\nPreparing a 6000×4000 JPEG ({size_mb:.1f} MB), {runs} runs each after a warm-up")
    print(f"{'':28}{'median ms':>10}{'min':>8}{'max':>8}   result")
    for detail in ("low", "high", "auto"):
        prepared = prepare_image(photo, detail)
        times = timed(lambda d=detail: prepare_image(photo, d), runs)
        result = (
            f"{prepared.width}×{prepared.height} {prepared.mime}, {len(prepared.data) // 1024} KB"
        )
        print(f"{'prepare_image ' + detail:28}{statistics.median(times):>10.0f}"
              f"{min(times):>8.0f}{max(times):>8.0f}   {result}")  # fmt: skip
    times = timed(lambda: inspect_image(photo), runs)
    print(f"{'inspect_image (thumbnail)':28}{statistics.median(times):>10.0f}"
          f"{min(times):>8.0f}{max(times):>8.0f}")  # fmt: skip
    times = timed(lambda: full_decode(photo), runs)
    print(f"{'for scale: full decode':28}{statistics.median(times):>10.0f}"
          f"{min(times):>8.0f}{max(times):>8.0f}   Image.open + load, no draft mode")  # fmt: skip


def full_decode(path: Path) -> None:
    from PIL import Image

    with Image.open(path) as image:
        image.load()


async def describe_batch(
    folder: Path, images: list[Path], concurrency: int, chunk_delay: float
) -> tuple[float, int, int]:
    from desktop_app.core.sentiment import SentimentAnalyzer
    from desktop_app.services.chat_session import ChatSession
    from desktop_app.services.gateway import Gateway, ProviderConfig
    from desktop_app.services.image_describer import ImageDescriber, ImageItem, ItemState
    from desktop_app.services.store import Store
    from tests.openai_server import OpenAIServer

    class Quiet:
        def item_changed(self, item: ImageItem) -> None:
            pass

        def item_text(self, item: ImageItem, text: str) -> None:
            pass

    home = Path(tempfile.mkdtemp(dir=folder))
    store = await asyncio.to_thread(Store.open, home / "parley.db", home / "attachments")
    with OpenAIServer() as server:
        server.chunk_delay = chunk_delay
        config = ProviderConfig("custom", server.url, "bench", timeout=30, max_retries=0)
        chat = ChatSession(store, Gateway(config), SentimentAnalyzer())
        describer = ImageDescriber(chat, concurrency)
        items = [ImageItem(p.name, p) for p in images]
        await chat.gateway.client()  # the SDK import is start-up cost, not batch cost
        started = time.perf_counter()
        await describer.describe_all(items, "Describe this image.", "gpt-4o", "auto", Quiet())
        elapsed = time.perf_counter() - started
        await chat.gateway.aclose()
    store.close()
    done = sum(item.state is ItemState.DONE for item in items)
    words = sum(len(item.description.split()) for item in items)
    return elapsed, done, words


def bench_batch(folder: Path, count: int, chunk_delay: float) -> None:
    images = [make_photo(folder / f"photo{n:03}.jpg", (640, 480), n) for n in range(count)]
    print(f"\nDescribing {count} 640×480 JPEGs against the test server", end="")
    print(f" (chunk delay {chunk_delay:g} s)")
    print(f"{'':22}{'seconds':>9}{'images/s':>10}{'done':>7}")
    for concurrency in (4, 1):
        elapsed, done, _words = asyncio.run(
            describe_batch(folder, images, concurrency, chunk_delay)
        )
        label = f"{concurrency} at a time"
        print(f"{label:22}{elapsed:>9.2f}{done / elapsed:>10.1f}{done:>7}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per preparation (default 5)")
    parser.add_argument("--batch", type=int, default=40, help="images in the batch (default 40)")
    parser.add_argument(
        "--chunk-delay", type=float, default=0.0, help="test server's delay between words"
    )
    args = parser.parse_args(argv)
    import PIL

    print(
        f"Python {platform.python_version()}, Pillow {PIL.__version__} on {platform.system()} "
        f"{platform.machine()}, {os.cpu_count()} CPUs"
    )
    with tempfile.TemporaryDirectory(prefix="parley-bench-images-") as folder:
        bench_prepare(Path(folder), args.runs)
        bench_batch(Path(folder), args.batch, args.chunk_delay)
    return 0


if __name__ == "__main__":
    sys.exit(main())
