"""``/v1/embeddings``: deterministic vectors derived from the text, so similar texts are near.

Each lower-cased word and each pair of neighbouring words is hashed (BLAKE2b, stable across
runs and processes, unlike ``hash``) to one of ``dimensions`` slots with a sign; the counts are
L2-normalised. Texts that share words share slots, so a test can assert which passage is
nearest to a question without a model. ``encoding_format`` ``float`` gives lists of numbers,
``base64`` the little-endian float32 bytes (what the SDK asks for unless told otherwise, and
decodes itself). ``server.embedding_delay`` makes each call take that long;
``"embeddings"`` in ``server.unsupported`` makes the route answer 404 as if it never existed.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import math
import re
import struct
import time
from typing import Any

from .errors import error_response
from .features import not_offered
from .models import model_not_found
from .routing import JSONResponse, Request, Router

DEFAULT_DIMENSIONS = 256
MAX_INPUTS = 2048  # the API's own limit on one request's inputs
_WORD = re.compile(r"\w+", re.UNICODE)


def words_of(text: str) -> list[str]:
    return [word.lower() for word in _WORD.findall(text)]


def _slot(feature: str, dimensions: int) -> tuple[int, float]:
    digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
    number = int.from_bytes(digest, "little")
    return number % dimensions, 1.0 if (number >> 63) & 1 else -1.0


def embed(text: str, dimensions: int = DEFAULT_DIMENSIONS) -> list[float]:
    """The vector of one text: hashed unigrams (weight 1) and bigrams (weight 0.5), unit length.
    A text without words gets the first axis, so every vector has length 1."""
    words = words_of(text)
    vector = [0.0] * dimensions
    features = [(w, 1.0) for w in words]
    features += [(f"{a} {b}", 0.5) for a, b in itertools.pairwise(words)]
    for feature, weight in features:
        index, sign = _slot(feature, dimensions)
        vector[index] += sign * weight
    norm = math.sqrt(sum(v * v for v in vector))
    if norm == 0:
        vector[0] = 1.0
        return vector
    return [v / norm for v in vector]


def _texts(value: Any) -> list[str] | None:
    """The inputs as texts: a string, a list of strings, token ids or lists of token ids (a
    token id stands for one word)."""
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list) or not value:
        return None
    if all(isinstance(item, str) for item in value):
        return list(value)
    if all(isinstance(item, int) for item in value):
        return [" ".join(f"t{item}" for item in value)]
    if all(isinstance(item, list) and all(isinstance(t, int) for t in item) for item in value):
        return [" ".join(f"t{t}" for t in item) for item in value]
    return None


def _encoded(vector: list[float], encoding: str) -> list[float] | str:
    if encoding == "base64":
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")
    return vector


def create_embeddings(request: Request) -> JSONResponse:
    missing = not_offered(request, "embeddings")
    if missing is not None:
        return missing
    body = request.body if isinstance(request.body, dict) else {}
    model = body.get("model")
    if not isinstance(model, str) or not model:
        return error_response(400, "you must provide a model parameter", param="model")
    if request.server.find_model(model) is None:
        return model_not_found(model)
    texts = _texts(body.get("input"))
    if texts is None or any(not text for text in texts):
        return error_response(400, "'$.input' is invalid. Please check the API reference.")
    if len(texts) > MAX_INPUTS:
        return error_response(
            400, f"'$.input' must have at most {MAX_INPUTS} items.", param="input"
        )
    encoding = body.get("encoding_format", "float")
    if encoding not in ("float", "base64"):
        return error_response(
            400, "encoding_format must be 'float' or 'base64'", param="encoding_format"
        )
    dimensions = body.get("dimensions", DEFAULT_DIMENSIONS)
    if not isinstance(dimensions, int) or not 1 <= dimensions <= 4096:
        return error_response(400, "dimensions must be between 1 and 4096", param="dimensions")
    with request.server.lock:
        delay = request.server.embedding_delay
    if delay > 0:
        time.sleep(delay)
    data = [
        {"object": "embedding", "index": i, "embedding": _encoded(embed(t, dimensions), encoding)}
        for i, t in enumerate(texts)
    ]
    tokens = sum(max(1, len(words_of(text))) for text in texts)
    usage = {"prompt_tokens": tokens, "total_tokens": tokens}
    return JSONResponse({"object": "list", "data": data, "model": model, "usage": usage})


def register(router: Router) -> None:
    router.add("POST", "/v1/embeddings", create_embeddings)
