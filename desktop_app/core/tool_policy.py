"""Who decides whether a tool runs: the user, every time, unless they said "always".

Before a call runs, Parley asks (the UI shows the tool, its server and its arguments):
*Allow once*, *Always allow this tool* (kept per server and tool until revoked in Settings),
or *Deny* (the model is told the user refused). Nothing runs unasked except a tool the user
always allows. The standing choices live behind `DecisionStore`, so the app can keep them
where it keeps its settings and tests can hold them in memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Protocol

from desktop_app.core.tool_calls import ToolSpec


class Decision(StrEnum):
    ALLOW_ONCE = "allow_once"
    ALWAYS = "always"
    DENY = "deny"

    @property
    def runs(self) -> bool:
        return self is not Decision.DENY


DENIED_TEXT = "The user did not allow this tool call, so it was not run."


class DecisionStore(Protocol):
    """The standing "always allow" choices, by `ToolSpec.key` ("server/tool")."""

    def allowed(self) -> set[str]: ...

    def allow(self, key: str) -> None: ...

    def revoke(self, key: str) -> None: ...


class MemoryDecisions:
    """A `DecisionStore` in memory (tests, or a session the user does not want kept)."""

    def __init__(self, keys: Iterable[str] = ()) -> None:
        self._keys = set(keys)

    def allowed(self) -> set[str]:
        return set(self._keys)

    def allow(self, key: str) -> None:
        self._keys.add(key)

    def revoke(self, key: str) -> None:
        self._keys.discard(key)


class ToolPolicy:
    def __init__(self, store: DecisionStore | None = None) -> None:
        self.store: DecisionStore = store if store is not None else MemoryDecisions()

    def standing(self, spec: ToolSpec) -> Decision | None:
        """ALWAYS when the user always allows this tool; None: ask."""
        return Decision.ALWAYS if spec.key in self.store.allowed() else None

    def record(self, spec: ToolSpec, decision: Decision) -> None:
        """Keep what the user chose, where it lasts: only "always" outlives the call."""
        if decision is Decision.ALWAYS:
            self.store.allow(spec.key)

    def revoke(self, key: str) -> None:
        self.store.revoke(key)

    def always_allowed(self) -> list[str]:
        """The standing choices, sorted, for Settings to list and revoke."""
        return sorted(self.store.allowed())
