"""The user's standing "always allow" choices for tools, kept in the app's database (a flag:
a JSON list of "server/tool" keys), so they outlast a restart until revoked in Settings."""

from __future__ import annotations

import json
from typing import Protocol

FLAG = "tools_always_allowed"


class Flags(Protocol):
    def get_flag(self, name: str) -> str | None: ...

    def set_flag(self, name: str, value: str | None) -> None: ...


class StoredDecisions:
    """A `tool_policy.DecisionStore` over the store's flags. A damaged value reads as no
    standing choice at all: then Parley asks, which is the safe side."""

    def __init__(self, flags: Flags) -> None:
        self.flags = flags

    def allowed(self) -> set[str]:
        try:
            keys = json.loads(self.flags.get_flag(FLAG) or "[]")
        except ValueError:
            return set()
        return {k for k in keys if isinstance(k, str)} if isinstance(keys, list) else set()

    def _keep(self, keys: set[str]) -> None:
        self.flags.set_flag(FLAG, json.dumps(sorted(keys)) if keys else None)

    def allow(self, key: str) -> None:
        self._keep(self.allowed() | {key})

    def revoke(self, key: str) -> None:
        self._keep(self.allowed() - {key})
