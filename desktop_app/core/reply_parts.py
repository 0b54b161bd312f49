"""A streamed reply as it arrives: its answer text, its reasoning, and when each began.

Reasoning comes in its own events (a field of the delta, Responses summaries) or inside the
text as a leading `<think>` block, which is moved over to the reasoning here. The clock is an
input (a monotonic one in the app, a scripted one in tests) and is read only at the moments
that matter: the request going out, the first reasoning token, the first answer token, and
the end — so a test that scripts those four readings knows every figure exactly.
"""

from __future__ import annotations

from collections.abc import Callable

from desktop_app.core.think_tags import Piece, ThinkSplitter

Clock = Callable[[], float]


class ReplyParts:
    """Create it just before the request goes out; feed it deltas; `close()` at the end."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.sent = clock()
        self.text: list[str] = []
        self.thoughts: list[str] = []
        self.first_reasoning: float | None = None
        self.first_answer: float | None = None
        self.ended: float | None = None
        self._splitter = ThinkSplitter()

    @property
    def count(self) -> int:
        """How many pieces arrived so far (a checkpoint is due when it changed)."""
        return len(self.text) + len(self.thoughts)

    @property
    def content(self) -> str:
        return "".join(self.text)

    @property
    def reasoning(self) -> str:
        return "".join(self.thoughts)

    @property
    def arrived(self) -> bool:
        return bool(self.text or self.thoughts)

    def add_reasoning(self, delta: str) -> list[Piece]:
        """A reasoning delta from the server's own field or event."""
        return self._take([Piece("reasoning", delta)] if delta else [])

    def add_text(self, delta: str) -> list[Piece]:
        """A text delta; what it means (reasoning inside `<think>`, or answer) comes back."""
        return self._take(self._splitter.feed(delta))

    def close(self) -> list[Piece]:
        """The stream ended (finished, stopped or failed): what was held back, and the time."""
        pieces = self._take(self._splitter.finish())
        if self.ended is None:
            self.ended = self._clock()
        return pieces

    def _take(self, pieces: list[Piece]) -> list[Piece]:
        for piece in pieces:
            if piece.kind == "reasoning":
                if self.first_reasoning is None:
                    self.first_reasoning = self._clock()
                self.thoughts.append(piece.text)
            else:
                if self.first_answer is None:
                    self.first_answer = self._clock()
                self.text.append(piece.text)
        return pieces

    # --- figures -------------------------------------------------------------------------

    @property
    def first_token(self) -> float | None:
        stamps = [t for t in (self.first_reasoning, self.first_answer) if t is not None]
        return min(stamps) if stamps else None

    @property
    def first_token_seconds(self) -> float | None:
        """From the request going out to the first token of reasoning or text."""
        first = self.first_token
        return None if first is None else first - self.sent

    @property
    def reasoning_seconds(self) -> float | None:
        """From the first reasoning token to the first answer token (or the end, when no
        answer came: the reply was stopped while the model thought)."""
        if self.first_reasoning is None:
            return None
        until = self.first_answer if self.first_answer is not None else self.ended
        return None if until is None else until - self.first_reasoning

    def tokens_per_second(self, output_tokens: int | None) -> float | None:
        """Output tokens over the time from the first token to the end."""
        first = self.first_token
        if first is None or self.ended is None or not output_tokens:
            return None
        elapsed = self.ended - first
        return output_tokens / elapsed if elapsed > 0 else None
