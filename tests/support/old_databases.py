"""Databases as an earlier version of Parley left them, written row by row in SQL."""

from __future__ import annotations

import sqlite3

from desktop_app.services.branch_store import link_in_order


def link_like_parley(conn: sqlite3.Connection) -> None:
    """From the schema on where messages form trees, Parley wrote each message with its
    parent; rows a test inserted by hand get theirs (one branch per dialogue, in id order)."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(messages)")}
    if "parent_id" in columns:
        ids = [row[0] for row in conn.execute("SELECT id FROM dialogues")]
        link_in_order(conn, ids)
