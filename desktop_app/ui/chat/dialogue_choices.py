"""What a conversation has on (MCP servers, knowledge bases), kept per conversation in the
app's database under a flag named after it; a conversation that kept nothing has its
assistant's. A choice made before the conversation exists waits (`unsaved`) and is kept with
the conversation's first message."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class DialogueChoice:
    def __init__(self, store: Callable[[], Any], flag: str, default: Callable[[], tuple[str, ...]]):
        self._store, self._flag, self._default = store, flag, default  # flag: "x:{}"
        self.unsaved: tuple[str, ...] | None = None  # None: nothing chosen yet

    def get(self, dialogue_id: int | None) -> tuple[str, ...]:
        if dialogue_id is None:
            return self.unsaved if self.unsaved is not None else self._default()
        raw = self._store().get_flag(self._flag.format(dialogue_id))
        if raw is None:
            return self._default()
        try:
            names = json.loads(raw)
        except ValueError:
            return ()
        return tuple(n for n in names if isinstance(n, str)) if isinstance(names, list) else ()

    def choose(self, dialogue_id: int | None, names: tuple[str, ...]) -> None:
        if dialogue_id is None:
            self.unsaved = names
        else:
            self._keep(dialogue_id, names)

    def keep_unsaved(self, dialogue_id: int) -> None:
        """The conversation exists now: what was chosen before it goes with it."""
        if self.unsaved is not None:  # "all off" is a choice too, kept as such
            self._keep(dialogue_id, self.unsaved)
            self.unsaved = None

    def _keep(self, dialogue_id: int, names: tuple[str, ...]) -> None:
        try:
            self._store().set_flag(self._flag.format(dialogue_id), json.dumps(list(names)))
        except Exception:  # the choice holds for this session; a full disk is said elsewhere
            log.warning("keeping %s of conversation %s failed", self._flag, dialogue_id)
