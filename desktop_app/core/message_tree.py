"""A dialogue as a tree of messages, from nothing but (id, parent id) pairs.

Every message follows (answers) its parent; the first messages have none. Edit-and-resend and
Regenerate add siblings, so a dialogue holds several branches, and the one shown ends at the
dialogue's current leaf. "Newest" means the highest id: ids grow as messages are written, so
they order siblings the way they were made without trusting clocks.

Pure and cheap: building the index is one pass over the pairs, and every question after that
walks only the messages it is about.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from desktop_app.core.dialogue import Message


class MessageTree:
    """The shape of one dialogue (live messages only: deleted ones are left out by the caller).

    A message whose parent is not in the tree (its parent was removed behind our back) counts
    as a first message, so no live message is ever unreachable.
    """

    def __init__(self, pairs: Iterable[tuple[int, int | None]]) -> None:
        self._parent: dict[int, int | None] = dict(pairs)
        self._children: dict[int | None, list[int]] = {}
        for message_id in sorted(self._parent):
            parent = self._parent[message_id]
            if parent is not None and parent not in self._parent:
                parent = self._parent[message_id] = None
            self._children.setdefault(parent, []).append(message_id)

    def __contains__(self, message_id: object) -> bool:
        return message_id in self._parent

    def __len__(self) -> int:
        return len(self._parent)

    def ids(self) -> list[int]:
        """Every message, in the order written."""
        return sorted(self._parent)

    def parent(self, message_id: int) -> int | None:
        return self._parent[message_id]

    def children(self, message_id: int | None) -> list[int]:
        """The messages that follow `message_id` (None: the first messages), oldest first."""
        return list(self._children.get(message_id, ()))

    def siblings(self, message_id: int) -> list[int]:
        """The versions of a message (itself included), oldest first."""
        return self.children(self._parent[message_id])

    def position(self, message_id: int) -> tuple[int, int]:
        """(place, count) of a message among its siblings, 1-based: the "‹ 2/3 ›" switcher."""
        versions = self._children[self._parent[message_id]]
        return versions.index(message_id) + 1, len(versions)

    def path_to(self, message_id: int) -> list[int]:
        """The branch from the first message down to `message_id`, both included."""
        path: list[int] = []
        seen: set[int] = set()
        node: int | None = message_id
        while node is not None and node not in seen:  # `seen` guards against a corrupt cycle
            seen.add(node)
            path.append(node)
            node = self._parent.get(node)
        path.reverse()
        return path

    def latest_leaf(self, message_id: int | None = None) -> int | None:
        """The end of the newest branch under `message_id` (None: under the newest first
        message), following the newest child at every step; None for an empty tree."""
        node = message_id
        while True:
            children = self._children.get(node)
            if not children:
                return node
            node = children[-1]

    def branch_through(self, message_id: int) -> list[int]:
        """The branch that holds `message_id`: down to it, then on to its latest leaf."""
        leaf = self.latest_leaf(message_id)
        assert leaf is not None
        return self.path_to(leaf)

    def branch(self, leaf: int | None) -> list[int]:
        """The branch ending at `leaf`, or the newest one when `leaf` is unknown."""
        if leaf is None or leaf not in self._parent:
            leaf = self.latest_leaf(None)
        return [] if leaf is None else self.path_to(leaf)

    def subtree(self, message_id: int) -> list[int]:
        """`message_id` and everything under it (what deleting it removes)."""
        found, stack = [], [message_id]
        while stack:
            node = stack.pop()
            found.append(node)
            stack.extend(self._children.get(node, ()))
        return found

    def neighbour_leaf(self, message_id: int) -> int | None:
        """Where to show once `message_id` (and its subtree) is gone: the latest leaf under
        the next version of it, else the one before, else its parent (None: nothing left)."""
        versions = self.siblings(message_id)
        place = versions.index(message_id)
        others = versions[place + 1 :] + versions[:place][::-1]
        if others:
            return self.latest_leaf(others[0])
        return self._parent[message_id]


def place_in_tree(messages: Sequence[Message], tree: MessageTree) -> None:
    """Fill each message's parent and its place among its versions (the switcher's numbers)."""
    for message in messages:
        if message.id is None or message.id not in tree:
            continue
        message.parent_id = tree.parent(message.id)
        message.version, message.versions = tree.position(message.id)
