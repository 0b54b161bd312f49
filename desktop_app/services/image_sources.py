"""Where images come from besides a single file: folders and links. Blocking; run in a thread.

Links are fetched with urllib (no extra dependency) with a size cap and a timeout, so a huge
or stalled download cannot tie up a worker or fill memory.
"""

from __future__ import annotations

import os
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from desktop_app.core.image_formats import image_extensions
from desktop_app.services.failure_text import failure_message

MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
DOWNLOAD_TIMEOUT = 15.0
MAX_FOLDER_FILES = 1000
_USER_AGENT = "Parley (image download)"


class DownloadError(RuntimeError):
    """A link that gave no image; the message says why, for the user."""


@dataclass(frozen=True)
class Expanded:
    files: list[Path]
    skipped: int  # images left out because there were more than the limit
    unsupported: int = 0  # files inside folders that are no image Parley opens (.eps, .pdf…)


def expand_paths(paths: list[Path], limit: int = MAX_FOLDER_FILES) -> Expanded:
    """Files as given; folders replaced by the images inside them (recursively, sorted).

    A file given by name is kept whatever its extension (preparation will say if it is no
    image); inside folders only names with the extension of a format Parley opens are picked
    up, and the others are counted.
    """
    extensions = image_extensions()
    files: list[Path] = []
    skipped = unsupported = 0
    for path in paths:
        if not path.is_dir():
            found = [path]
        else:
            found = []
            for folder, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                visible = [name for name in sorted(names) if not name.startswith(".")]
                kept = [n for n in visible if Path(n).suffix.lower() in extensions]
                unsupported += len(visible) - len(kept)
                found.extend(Path(folder, name) for name in kept)
        room = max(0, limit - len(files))
        files.extend(found[:room])
        skipped += max(0, len(found) - room)
    return Expanded(files, skipped, unsupported)


def name_from_url(url: str) -> str:
    parts = urlsplit(url)
    name = unquote(parts.path.rstrip("/").rsplit("/", 1)[-1])
    name = re.sub(r"[\x00-\x1f/\\]", "_", name)[:120]
    return name or parts.hostname or "image"


def download_image(
    url: str, max_bytes: int = MAX_DOWNLOAD_BYTES, timeout: float = DOWNLOAD_TIMEOUT
) -> tuple[bytes, str]:
    """The bytes at `url` and a file name for them; raises DownloadError with the reason."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise DownloadError("Only http and https links can be downloaded.")
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            kind = response.headers.get_content_type()
            if kind in ("text/html", "application/xhtml+xml"):
                raise DownloadError(
                    "The link leads to a web page, not an image. Drag the image itself, or "
                    "copy it and paste with Ctrl+V."
                )
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise DownloadError(_too_big(int(length), max_bytes))
            data = _read_capped(response, max_bytes, timeout)
    except DownloadError:
        raise
    except urllib.error.HTTPError as exc:
        raise DownloadError(f"The server answered {exc.code} ({exc.reason}).") from None
    except TimeoutError:
        raise DownloadError(f"The download took longer than {timeout:g} seconds.") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise DownloadError(f"The download took longer than {timeout:g} seconds.") from None
        raise DownloadError(f"The image could not be downloaded: {reason}.") from None
    except (OSError, ValueError) as exc:
        raise DownloadError(failure_message("Downloading the image", exc)) from None
    if len(data) > max_bytes:
        raise DownloadError(_too_big(None, max_bytes))
    return data, name_from_url(url)


def _read_capped(response: Any, max_bytes: int, timeout: float) -> bytes:
    """Read at most `max_bytes` + 1 bytes, giving up after `timeout` seconds in all (the
    socket timeout alone restarts with every packet, so a trickle could last for ever)."""
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    size = 0
    while size <= max_bytes:
        chunk = response.read(min(64 * 1024, max_bytes + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if time.monotonic() > deadline:
            raise TimeoutError
    return b"".join(chunks)


def _too_big(size: int | None, limit: int) -> str:
    said = f" ({size / 1024 / 1024:.0f} MB)" if size else ""
    return f"The image is larger than {limit / 1024 / 1024:.0f} MB{said}; not downloaded."
