"""The pure message tree: paths, versions, latest leaves, subtrees, where to go after a delete."""

from __future__ import annotations

from desktop_app.core.dialogue import Message
from desktop_app.core.message_tree import MessageTree, place_in_tree

# 1 user ─┬─ 2 reply ── 3 user ── 4 reply
#         ├─ 5 reply (regenerated) ── 6 user ─┬─ 7 reply
#         │                                   └─ 9 reply (regenerated)
#         └─ 8 reply (regenerated again)
# 10 user (the first message edited: a second root) ── 11 reply
PAIRS = [(1, None), (2, 1), (3, 2), (4, 3), (5, 1), (6, 5), (7, 6), (8, 1), (9, 6), (10, None),
         (11, 10)]  # fmt: skip


def tree() -> MessageTree:
    return MessageTree(reversed(PAIRS))  # the order pairs arrive in does not matter


def test_children_siblings_and_positions() -> None:
    t = tree()
    assert t.children(None) == [1, 10]
    assert t.children(1) == [2, 5, 8]
    assert t.children(4) == []
    assert t.siblings(5) == [2, 5, 8]
    assert [t.position(i) for i in (2, 5, 8)] == [(1, 3), (2, 3), (3, 3)]
    assert t.position(3) == (1, 1)
    assert t.position(10) == (2, 2)
    assert t.parent(9) == 6 and t.parent(1) is None
    assert len(t) == 11 and 7 in t and 12 not in t


def test_paths_and_latest_leaves() -> None:
    t = tree()
    assert t.path_to(4) == [1, 2, 3, 4]
    assert t.path_to(1) == [1]
    assert t.latest_leaf(1) == 8  # the newest child at each step
    assert t.latest_leaf(5) == 9
    assert t.latest_leaf(4) == 4
    assert t.latest_leaf() == 11  # from the newest first message
    assert t.branch_through(5) == [1, 5, 6, 9]
    assert t.branch_through(2) == [1, 2, 3, 4]
    assert t.branch(7) == [1, 5, 6, 7]
    assert t.branch(None) == [10, 11]
    assert t.branch(99) == [10, 11]  # an unknown leaf falls back to the newest branch


def test_subtree_and_the_neighbour_after_a_delete() -> None:
    t = tree()
    assert sorted(t.subtree(5)) == [5, 6, 7, 9]
    assert t.subtree(4) == [4]
    assert t.neighbour_leaf(5) == 8  # the next version
    assert t.neighbour_leaf(8) == 9  # the last version: the one before, at its latest leaf
    assert t.neighbour_leaf(4) == 3  # no versions: its parent
    assert t.neighbour_leaf(11) == 10
    assert t.neighbour_leaf(10) == 8  # the other first message, at its latest leaf
    assert MessageTree([(1, None)]).neighbour_leaf(1) is None


def test_an_empty_tree_and_damaged_links() -> None:
    empty = MessageTree([])
    assert empty.latest_leaf() is None and empty.branch(None) == [] and empty.children(None) == []
    orphan = MessageTree([(1, None), (2, 1), (5, 4)])  # 4 is gone: 5 counts as a first message
    assert orphan.children(None) == [1, 5]
    assert orphan.path_to(5) == [5]
    looped = MessageTree([(1, 2), (2, 1)])  # corrupt data must not hang a reader
    assert looped.path_to(1) == [2, 1]


def test_messages_get_their_parent_and_version() -> None:
    t = tree()
    messages = [Message("user", "hi", id=1), Message("assistant", "b", id=5), Message("user", "x")]
    place_in_tree(messages, t)
    first, reply, unsaved = messages
    assert (first.parent_id, first.version, first.versions) == (None, 1, 2)
    assert (reply.parent_id, reply.version, reply.versions) == (1, 2, 3)
    assert (unsaved.parent_id, unsaved.version, unsaved.versions) == (None, 1, 1)
