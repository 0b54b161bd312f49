"""OpenAI's BPE vocabularies, loaded into `tiktoken` from the files Parley ships, offline.

`tiktoken.get_encoding` downloads a vocabulary on first use, which a desktop app (and CI) must
not depend on. Parley ships `o200k_base` and `cl100k_base` next to this module
(`vocabularies/<name>.tiktoken.gz`: the gzip files of `bpe-openai` 0.1.4's wheel on PyPI, kept
as they are: `pip download bpe-openai==0.1.4 --no-deps`, then `bpe_openai/data/` in the wheel)
and builds the `tiktoken.Encoding` itself. Everything that defines an encoding —
its split pattern, its special tokens and the sha256 its vocabulary must have — is read from
`tiktoken_ext.openai_public`, the module tiktoken itself builds encodings from, so a newer
tiktoken's definition is the one used and nothing of it is copied here.

The vocabulary file is read and checked here rather than through
`tiktoken.load.load_tiktoken_bpe`: that function copies every file it reads, local ones too,
into a cache folder in the temporary directory keyed by the file's path (5 MB more for each
place a bundle is unpacked to), and turning the cache off also turns off its hash check.
The file's format (one `base64(token) rank` line per token) is tiktoken's own.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

SHIPPED = ("o200k_base", "cl100k_base")
_RECIPE_LOCK = threading.Lock()


class VocabularyError(ValueError):
    """A shipped vocabulary is missing, damaged or not the one tiktoken expects."""


@dataclass(frozen=True)
class Recipe:
    """What tiktoken says an encoding is, less its vocabulary."""

    name: str
    pat_str: str
    special_tokens: dict[str, int]
    expected_hash: str
    source: str  # where tiktoken would download the vocabulary from


def vocabulary_folder() -> Path:
    """The folder of the shipped vocabularies (inside the bundle too: build.spec copies it)."""
    return Path(__file__).resolve().parent / "vocabularies"


def vocabulary_file(name: str, folder: Path | None = None) -> Path:
    return (folder or vocabulary_folder()) / f"{name}.tiktoken.gz"


def recipe(name: str) -> Recipe:
    """tiktoken's definition of `name`, taken from its constructor without letting it
    download: the constructor's call to `load_tiktoken_bpe` is answered with an empty
    vocabulary, and the address and hash it asked for are kept."""
    from tiktoken_ext import openai_public

    constructor = openai_public.ENCODING_CONSTRUCTORS[name]
    asked: list[tuple[str, str]] = []

    def capture(source: str, expected_hash: str | None = None) -> dict[bytes, int]:
        asked.append((source, expected_hash or ""))
        return {}

    with _RECIPE_LOCK:
        original = openai_public.load_tiktoken_bpe
        openai_public.load_tiktoken_bpe = capture
        try:
            definition: dict[str, Any] = constructor()
        finally:
            openai_public.load_tiktoken_bpe = original
    if len(asked) != 1 or not asked[0][1]:
        raise VocabularyError(f"tiktoken's {name} does not name one vocabulary with its hash")
    source, expected_hash = asked[0]
    return Recipe(
        name=definition["name"],
        pat_str=definition["pat_str"],
        special_tokens=dict(definition["special_tokens"]),
        expected_hash=expected_hash,
        source=source,
    )


def read_vocabulary(path: Path, expected_hash: str) -> dict[bytes, int]:
    """The token → rank table of a shipped file, refused unless its (uncompressed) contents
    have the sha256 tiktoken pins."""
    try:
        contents = gzip.decompress(path.read_bytes())
    except (OSError, EOFError) as exc:
        raise VocabularyError(f"the vocabulary {path.name} cannot be read ({exc})") from exc
    actual = hashlib.sha256(contents).hexdigest()
    if actual != expected_hash:
        raise VocabularyError(
            f"the vocabulary {path.name} is not the one tiktoken expects "
            f"(sha256 {actual[:12]}…, expected {expected_hash[:12]}…)"
        )
    ranks: dict[bytes, int] = {}
    for line in contents.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


@lru_cache(maxsize=4)
def load_encoding(name: str, folder: Path | None = None) -> Any:
    """A `tiktoken.Encoding` for a shipped vocabulary, built once per process (about 0.3 s
    for o200k_base). Raises ImportError without tiktoken, VocabularyError for a bad file."""
    import tiktoken

    if name not in SHIPPED:
        raise VocabularyError(f"Parley does not ship the {name} vocabulary")
    definition = recipe(name)
    ranks = read_vocabulary(vocabulary_file(name, folder), definition.expected_hash)
    return tiktoken.Encoding(
        definition.name,
        pat_str=definition.pat_str,
        mergeable_ranks=ranks,
        special_tokens=definition.special_tokens,
    )
