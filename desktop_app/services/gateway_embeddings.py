"""`/v1/embeddings` through the gateway's client: vectors for a batch of texts.

The SDK asks for base64 unless told otherwise and decodes it to floats itself; a server that
ignores `encoding_format` and sends floats is read the same way. A server without the route
(a chat-only one) is a NOT_SUPPORTED error that says so, not a bare 404.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from desktop_app.services.gateway_errors import ErrorKind, GatewayError

if TYPE_CHECKING:
    from desktop_app.services.gateway import Gateway


@dataclass(frozen=True)
class EmbeddingBatch:
    """The vectors of one batch, in the order of its texts, and what the server counted."""

    vectors: list[list[float]]
    model: str
    prompt_tokens: int = 0
    seconds: float = 0.0  # how long the call took (benchmarks report the server's time apart)


def no_embeddings_text(label: str) -> str:
    return (
        f"{label} offers no embeddings (/v1/embeddings), so it cannot index a knowledge base. "
        "Choose an embedding model from a provider that has them."
    )


async def create_embeddings(gateway: Gateway, model: str, texts: Sequence[str]) -> EmbeddingBatch:
    """Embed `texts` (one request; the caller batches). Raises GatewayError."""
    from desktop_app.services.gateway import is_route_missing

    if not texts:
        return EmbeddingBatch([], model)
    client = await gateway.client()
    since = time.monotonic()
    try:
        answer = await client.embeddings.create(model=model, input=list(texts))
    except Exception as exc:
        error = gateway._error(exc, since=since)
        if is_route_missing(exc):
            message = no_embeddings_text(gateway.config.label)
            raise GatewayError(ErrorKind.NOT_SUPPORTED, message, 404, error.said) from exc
        raise error from exc
    seconds = time.monotonic() - since
    return EmbeddingBatch(_vectors(answer, len(texts)), model, _tokens(answer), seconds)


def _vectors(answer: Any, count: int) -> list[list[float]]:
    data = sorted(getattr(answer, "data", None) or [], key=lambda d: getattr(d, "index", 0))
    vectors = [list(getattr(item, "embedding", None) or []) for item in data]
    if len(vectors) != count or any(not v for v in vectors):
        raise GatewayError(
            ErrorKind.SERVER,
            f"The server sent {len(vectors)} embeddings for {count} texts; the answer is unusable.",
        )
    return [[float(x) for x in v] for v in vectors]


def _tokens(answer: Any) -> int:
    usage = getattr(answer, "usage", None)
    tokens = getattr(usage, "prompt_tokens", 0) if usage is not None else 0
    return tokens if isinstance(tokens, int) else 0
