"""Dialogues as trees in the database: the branch shown, switching versions, delete and Undo.

A mixin of `Store` (one connection, one lock). The shape of a dialogue is read as (id, parent)
pairs from a covering index and worked out by `core.message_tree`; only the messages of the
branch asked for are then read whole. Deleted messages (`deleted_at`) are left out of every
tree: they stay in the database until the dialogue is purged, so Undo can bring them back.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

from desktop_app.core.dialogue import Message
from desktop_app.core.message_tree import MessageTree, place_in_tree

CURRENT: Final = "current"  # `add_message`'s default parent: the dialogue's current leaf
Parent = int | None | Literal["current"]
CHUNK = 500  # ids per statement, well under SQLite's limit on bound parameters

# One row per message on each dialogue's current branch — (dialogue_id, next, sentiment,
# depth), `next` being the parent still to visit — for the dialogues whose ids are bound in
# place of {dialogues} (`marks(ids)`): a walk up from each leaf, one primary-key look-up a
# message. The depth bound stops a corrupt cycle from looping forever.
BRANCH_CTE = (
    "WITH RECURSIVE branch(dialogue_id, next, sentiment, depth) AS ("
    "SELECT d.id, m.parent_id, m.sentiment_label, 1 FROM dialogues d "
    "JOIN messages m ON m.id = d.current_leaf_id WHERE d.id IN ({dialogues}) "
    "UNION ALL SELECT b.dialogue_id, m.parent_id, m.sentiment_label, b.depth + 1 "
    "FROM branch b JOIN messages m ON m.id = b.next WHERE b.depth < 1000000) "
)


def chunks(ids: Sequence[int], size: int = CHUNK) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def marks(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))


@dataclass(frozen=True)
class DeletedMessages:
    """What `delete_message` hid, for Undo: the messages and the leaf shown before and after."""

    dialogue_id: int
    ids: tuple[int, ...]
    leaf_before: int | None
    leaf_after: int | None


def link_in_order(conn: sqlite3.Connection, dialogue_ids: Sequence[int]) -> None:
    """Chain the messages of dialogues written in bulk (an import) in id order, one branch,
    and show its last message. Only for dialogues that have no tree yet."""
    for chunk in chunks(tuple(dialogue_ids)):
        conn.execute(
            "UPDATE messages SET parent_id = (SELECT MAX(p.id) FROM messages p "
            "WHERE p.dialogue_id = messages.dialogue_id AND p.id < messages.id) "
            f"WHERE dialogue_id IN ({marks(chunk)})",
            chunk,
        )
        conn.execute(
            "UPDATE dialogues SET current_leaf_id = (SELECT MAX(m.id) FROM messages m "
            f"WHERE m.dialogue_id = dialogues.id) WHERE id IN ({marks(chunk)})",
            chunk,
        )


def _tree(conn: sqlite3.Connection, dialogue_id: int) -> MessageTree:
    rows = conn.execute(
        "SELECT id, parent_id FROM messages WHERE dialogue_id = ? AND deleted_at IS NULL",
        (dialogue_id,),
    )
    return MessageTree((r[0], r[1]) for r in rows)


def _leaf(conn: sqlite3.Connection, dialogue_id: int, tree: MessageTree) -> int | None:
    """The leaf shown: the one the dialogue remembers, or (none remembered, or no longer
    live) the end of its newest branch."""
    row = conn.execute(
        "SELECT current_leaf_id FROM dialogues WHERE id = ?", (dialogue_id,)
    ).fetchone()
    leaf = row[0] if row is not None else None
    return leaf if leaf in tree else tree.latest_leaf()


class BranchRecords:
    if TYPE_CHECKING:  # provided by Store
        _conn: sqlite3.Connection
        _lock: Any

        def _transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...

        def _query(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]: ...

        def _load(self, ids: Sequence[int]) -> list[Message]: ...

    def _read_tree(self, dialogue_id: int) -> tuple[MessageTree, int | None]:
        with self._lock:
            tree = _tree(self._conn, dialogue_id)
            return tree, _leaf(self._conn, dialogue_id, tree)

    def _branch(self, tree: MessageTree, ids: Sequence[int]) -> list[Message]:
        messages = self._load(ids)
        place_in_tree(messages, tree)
        return messages

    def _dialogue_of(self, message_id: int) -> int | None:
        rows = self._query(
            "SELECT dialogue_id FROM messages WHERE id = ? AND deleted_at IS NULL", (message_id,)
        )
        return rows[0][0] if rows else None

    # --- reading a branch ------------------------------------------------------------------

    def messages(self, dialogue_id: int) -> list[Message]:
        """The dialogue's current branch, first message first: what the Chat tab shows, what
        requests, exports and the reader take."""
        tree, leaf = self._read_tree(dialogue_id)
        return self._branch(tree, tree.branch(leaf))

    def all_messages(self, dialogue_id: int) -> list[Message]:
        """Every live message of every branch, in the order written, each with its parent."""
        tree, _ = self._read_tree(dialogue_id)
        return self._branch(tree, tree.ids())

    def branch_through(self, message_id: int) -> list[Message]:
        """The branch that holds a message (down to it, then its newest continuation), without
        changing what the dialogue shows: a search hit opened in History. Empty if deleted."""
        dialogue_id = self._dialogue_of(message_id)
        if dialogue_id is None:
            return []
        tree, _ = self._read_tree(dialogue_id)
        return self._branch(tree, tree.branch_through(message_id))

    def path_to(self, message_id: int) -> list[Message]:
        """The messages from the first down to `message_id`: the history a request sends."""
        dialogue_id = self._dialogue_of(message_id)
        if dialogue_id is None:
            return []
        tree, _ = self._read_tree(dialogue_id)
        return self._branch(tree, tree.path_to(message_id))

    def sibling_ids(self, message_id: int) -> list[int]:
        """The versions of a message, itself included, oldest first (empty if deleted)."""
        dialogue_id = self._dialogue_of(message_id)
        if dialogue_id is None:
            return []
        tree, _ = self._read_tree(dialogue_id)
        return tree.siblings(message_id)

    def current_leaf(self, dialogue_id: int) -> int | None:
        return self._read_tree(dialogue_id)[1]

    # --- changing the branch shown ---------------------------------------------------------

    def set_current_leaf(self, dialogue_id: int, message_id: int) -> None:
        """Show the branch ending at `message_id` (a live message of this dialogue)."""
        with self._transaction() as conn:
            if message_id not in _tree(conn, dialogue_id):
                raise ValueError(f"message {message_id} is not in dialogue {dialogue_id}")
            self._set_leaf(conn, dialogue_id, message_id)

    def switch_to(self, message_id: int) -> list[Message]:
        """Show a version of a message: its branch, down to its latest leaf. Returns the
        dialogue's new current branch (empty if the message is gone)."""
        dialogue_id = self._dialogue_of(message_id)
        if dialogue_id is None:
            return []
        with self._transaction() as conn:
            tree = _tree(conn, dialogue_id)
            if message_id not in tree:
                return []
            self._set_leaf(conn, dialogue_id, tree.latest_leaf(message_id))
        return self._branch(tree, tree.branch_through(message_id))

    def switch_version(self, message_id: int, step: int) -> list[Message]:
        """The "‹ ›" of the switcher: show the version `step` places away (clamped)."""
        versions = self.sibling_ids(message_id)
        if not versions:
            return []
        place = min(max(versions.index(message_id) + step, 0), len(versions) - 1)
        return self.switch_to(versions[place])

    @staticmethod
    def _set_leaf(conn: sqlite3.Connection, dialogue_id: int, leaf: int | None) -> None:
        conn.execute("UPDATE dialogues SET current_leaf_id = ? WHERE id = ?", (leaf, dialogue_id))

    def _parent_for_new(
        self, conn: sqlite3.Connection, dialogue_id: int, parent_id: Parent
    ) -> int | None:
        """The parent of a message being added: the current leaf, or the one asked for. Two
        index look-ups in the usual case: the whole tree is read only to repair a dialogue
        whose remembered leaf is missing."""
        if parent_id == CURRENT:
            row = conn.execute(
                "SELECT d.current_leaf_id FROM dialogues d JOIN messages m "
                "ON m.id = d.current_leaf_id AND m.dialogue_id = d.id "
                "WHERE d.id = ? AND m.deleted_at IS NULL",
                (dialogue_id,),
            ).fetchone()
            return row[0] if row is not None else _tree(conn, dialogue_id).latest_leaf()
        if (
            parent_id is not None
            and not conn.execute(
                "SELECT 1 FROM messages WHERE id = ? AND dialogue_id = ? AND deleted_at IS NULL",
                (parent_id, dialogue_id),
            ).fetchone()
        ):
            raise ValueError(f"message {parent_id} is not in dialogue {dialogue_id}")
        return parent_id

    # --- delete and Undo -------------------------------------------------------------------

    def delete_message(self, message_id: int) -> DeletedMessages | None:
        """Hide a message and everything under it. If the branch shown went through it, the
        dialogue shows the next version of it instead (else the one before, else its parent).
        Returns what Undo needs, or None if the message was already gone."""
        dialogue_id = self._dialogue_of(message_id)
        if dialogue_id is None:
            return None
        with self._transaction() as conn:
            tree = _tree(conn, dialogue_id)
            if message_id not in tree:
                return None
            gone = tree.subtree(message_id)
            before = _leaf(conn, dialogue_id, tree)
            after = tree.neighbour_leaf(message_id) if before in gone else before
            now = time.time()
            for chunk in chunks(gone):
                conn.execute(
                    f"UPDATE messages SET deleted_at = ? WHERE id IN ({marks(chunk)})",
                    (now, *chunk),
                )
            self._set_leaf(conn, dialogue_id, after)
        return DeletedMessages(dialogue_id, tuple(sorted(gone)), before, after)

    def undo_delete(self, deleted: DeletedMessages) -> None:
        """Bring the messages back; the dialogue shows what it showed before the delete,
        unless the user has moved on to another branch (or written more) since."""
        with self._transaction() as conn:
            ids = list(deleted.ids)
            for chunk in chunks(ids):
                conn.execute(
                    f"UPDATE messages SET deleted_at = NULL WHERE id IN ({marks(chunk)})", chunk
                )
            row = conn.execute(
                "SELECT current_leaf_id FROM dialogues WHERE id = ?", (deleted.dialogue_id,)
            ).fetchone()
            if row is not None and row[0] == deleted.leaf_after:
                self._set_leaf(conn, deleted.dialogue_id, deleted.leaf_before)
