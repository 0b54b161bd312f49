"""Token counts: tiktoken over the shipped vocabularies, offline, equal to tiktoken's own ids,
with special-token text and lone surrogates counted as ordinary text at every batch size."""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import socket
import tempfile
from pathlib import Path
from typing import Any

import pytest

from desktop_app.core.bpe_vocabularies import (
    SHIPPED,
    VocabularyError,
    load_encoding,
    read_vocabulary,
    recipe,
    vocabulary_file,
)
from desktop_app.core.token_count import TokenCounter, count_examples
from desktop_app.services.dataset_validation import validate_file

# Known ids for each vocabulary (the cases tiktoken's own test suite checks its encodings with;
# a lone surrogate is counted as the U+FFFD tiktoken puts in its place).
KNOWN_IDS = {
    ("cl100k_base", ""): [],
    ("cl100k_base", "hello world"): [15339, 1917],
    ("cl100k_base", " 日本語とEnglish 12345!\n"): [
        76502, 22656, 45918, 252, 19732, 23392, 220, 4513, 1774, 4999,
    ],
    ("cl100k_base", "\x1ca"): [216, 64],
    ("cl100k_base", "a\n\n"): [64, 271],
    ("cl100k_base", "<|endoftext|>"): [27, 91, 8862, 728, 428, 91, 29],
    ("cl100k_base", "a\ud800b"): [64, 5809, 65],
    ("cl100k_base", "!hello1234567"): [0, 15339, 4513, 10961, 22],
    ("o200k_base", ""): [],
    ("o200k_base", "hello world"): [24912, 2375],
    ("o200k_base", " 日本語とEnglish 12345!\n"): [17428, 40909, 5330, 28881, 220, 7633, 2548, 4175],
    ("o200k_base", "\x1ca"): [216, 64],
    ("o200k_base", "a\n\n"): [64, 279],
    ("o200k_base", "<|endoftext|>"): [27, 91, 419, 1440, 919, 91, 29],
    ("o200k_base", "a\ud800b"): [64, 3251, 65],
}  # fmt: skip
SPECIAL_TEXTS = ["<|endoftext|>", "<|endofprompt|>", "<|fim_prefix|>", "<|im_start|>"]

VARIED = [
    "",
    " ",
    "\n\n\n",
    "\r\n\r\n  \t",
    "Hello, world! How's it going? I'll've done it; they're here.",
    "HELLO WORLD, ThIs Is MiXeD cAsE",
    "1234567890 3.14159 -42 1e10 0x1F 2026-12-02",
    "def f(x):\n    return {'a': [1, 2, 3]}  # comment\n",
    "SELECT * FROM t WHERE a = 'b' AND c <> 3;",
    "Привет, как дела? Всё хорошо.",
    "数据集的每一行都是一个例子。",
    "日本語のテキストとカタカナ、ひらがな。",
    "مرحبا بالعالم",
    "नमस्ते दुनिया",
    "👩‍👩‍👧‍👦 family 🇫🇷 flag 👍🏽 thumbs",
    "naïve café résumé — “quotes” … ‘single’",
    "a" * 500,
    " " * 100 + "x",
    "https://example.com/path?q=1&r=two#frag",
    "Mixed <|endoftext|> inside a sentence, and <|endofprompt|> too.",
    *SPECIAL_TEXTS,
    "<|endoftext|><|endoftext|>",
]


def random_texts(count: int, seed: int) -> list[str]:
    """Seeded strings drawn from every script and class of character above."""
    rng = random.Random(seed)
    pool = "".join(VARIED) + "\t\n\r .,;:!?'\"()[]{}<>|/\\_-+=*&^%$#@~`0123456789"
    return ["".join(rng.choice(pool) for _ in range(rng.randint(1, 200))) for _ in range(count)]


@pytest.fixture(scope="module")
def tiktoken_reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """tiktoken's own encodings (`tiktoken.get_encoding`, its own constructor and loader),
    kept offline by placing the shipped vocabularies in its download cache under the names
    it gives them; its loader checks their hashes itself."""
    import tiktoken

    cache = tmp_path_factory.mktemp("tiktoken-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TIKTOKEN_CACHE_DIR", str(cache))
        for name in SHIPPED:
            key = hashlib.sha1(recipe(name).source.encode()).hexdigest()
            (cache / key).write_bytes(gzip.decompress(vocabulary_file(name).read_bytes()))
        encodings = {name: tiktoken.get_encoding(name) for name in SHIPPED}
        return encodings


@pytest.mark.parametrize(("encoding", "text"), list(KNOWN_IDS))
def test_the_published_ids(encoding: str, text: str) -> None:
    assert load_encoding(encoding).encode_ordinary(text) == KNOWN_IDS[encoding, text]
    assert TokenCounter(encoding).count(text) == len(KNOWN_IDS[encoding, text])


@pytest.mark.parametrize("encoding", SHIPPED)
def test_ids_equal_tiktokens_own_encoding(encoding: str, tiktoken_reference: Any) -> None:
    reference = tiktoken_reference[encoding]
    ours = load_encoding(encoding)
    texts = VARIED + random_texts(300, seed=len(encoding))
    for text in texts:
        assert ours.encode_ordinary(text) == reference.encode(text, disallowed_special=())
    counter = TokenCounter(encoding)
    assert counter.exact
    expected = [len(reference.encode(t, disallowed_special=())) for t in texts]
    assert counter.count_many(texts) == expected
    assert [counter.count(t) for t in texts] == expected


def test_the_definition_is_tiktokens() -> None:
    cl100k, o200k = recipe("cl100k_base"), recipe("o200k_base")
    assert cl100k.special_tokens["<|endoftext|>"] == 100257
    assert o200k.special_tokens["<|endoftext|>"] == 199999
    assert cl100k.expected_hash.startswith("223921b76ee9")
    assert o200k.expected_hash.startswith("446a9538cb6c")
    assert load_encoding("o200k_base").n_vocab == 200019
    assert load_encoding("cl100k_base").n_vocab == 100277


@pytest.mark.parametrize("size", [1, 10, 12, 1000])
def test_special_token_text_and_lone_surrogates_count_as_text(size: int) -> None:
    counter = TokenCounter("cl100k_base")
    texts = (SPECIAL_TEXTS * size)[:size]
    assert counter.count_many(texts) == [
        len(load_encoding("cl100k_base").encode_ordinary(t)) for t in texts
    ]
    assert counter.count_many(["<|endoftext|>"] * size) == [7] * size
    lone = json.loads('"before \\ud800 after"')  # JSON lets a file hold one
    replaced = "before \ufffd after"
    assert counter.count_many([lone] * size) == [counter.count(replaced)] * size


def example(text: str) -> dict[str, Any]:
    return {
        "messages": [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": text},
            {"role": "assistant", "content": f"You said: {text}"},
        ]
    }


@pytest.mark.parametrize("size", [1, 10, 12, 1000])
@pytest.mark.parametrize("content", ["Say <|endoftext|> now", "a lone \\ud83d surrogate"])
def test_validate_counts_files_of_every_size(tmp_path: Path, size: int, content: str) -> None:
    """The file a user validates: `size` examples, each holding the awkward text."""
    path = tmp_path / "data.jsonl"
    line = json.dumps(example("plain words"))
    awkward = line.replace("plain words", content)  # written raw, so `\\ud83d` stays an escape
    path.write_text("\n".join([awkward] + [line] * (size - 1)) + "\n", encoding="utf-8")
    report = validate_file(path, "gpt-4o-mini", None, lambda *a: None, lambda: False)
    assert report.examples == size and len(report.tokens) == size
    counter = TokenCounter("o200k_base")
    assert report.tokens[0] == count_examples(counter, [json.loads(awkward)])[0]
    assert report.tokens[0] > report.tokens[-1] or size == 1
    assert "exact o200k_base counts (tiktoken" in report.counting


def test_loading_is_offline_and_leaves_no_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "vocabularies"
    folder.mkdir()
    for name in SHIPPED:
        (folder / vocabulary_file(name).name).write_bytes(vocabulary_file(name).read_bytes())
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR", raising=False)

    def no_network(*args: object) -> None:
        raise AssertionError("token counting reached for the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    counter = TokenCounter("cl100k_base", folder)
    assert counter.exact and counter.count("hello world") == 2
    assert list(temp.iterdir()) == []


def test_a_damaged_vocabulary_falls_back_to_the_approximation(tmp_path: Path) -> None:
    good = gzip.decompress(vocabulary_file("cl100k_base").read_bytes())
    (tmp_path / "cl100k_base.tiktoken.gz").write_bytes(
        gzip.compress(good.replace(b" 100\n", b" 101\n", 1))
    )
    with pytest.raises(VocabularyError, match="not the one tiktoken expects"):
        read_vocabulary(tmp_path / "cl100k_base.tiktoken.gz", recipe("cl100k_base").expected_hash)
    counter = TokenCounter("cl100k_base", tmp_path)
    assert not counter.exact
    assert counter.source.startswith("approximate counts (tiktoken's cl100k_base could not")
    assert counter.count("hello world") == 2
    assert counter.count_many(["<|endoftext|>"]) == [4]
    missing = TokenCounter("o200k_base", tmp_path)
    assert not missing.exact and "cannot be read" in missing.source
