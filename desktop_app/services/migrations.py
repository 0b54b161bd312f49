"""Schema migrations, applied in order by `PRAGMA user_version`.

Each entry upgrades the schema from version N to N+1 and never changes once released: a new
need is a new entry. Tests open a database at every earlier version and upgrade it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

_V1 = """
CREATE TABLE dialogues (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    model TEXT NOT NULL DEFAULT '',
    system TEXT NOT NULL DEFAULT '',
    pinned INTEGER NOT NULL DEFAULT 0,
    deleted_at REAL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX dialogues_by_update ON dialogues(updated_at DESC);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    dialogue_id INTEGER NOT NULL REFERENCES dialogues(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('system', 'developer', 'user', 'assistant', 'tool')),
    content TEXT NOT NULL DEFAULT '',
    model TEXT NOT NULL DEFAULT '',
    sentiment_label TEXT NOT NULL DEFAULT '',
    sentiment_score REAL,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    status TEXT NOT NULL DEFAULT 'complete'
        CHECK (status IN ('complete', 'streaming', 'interrupted', 'error')),
    error TEXT NOT NULL DEFAULT '',
    superseded INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX messages_by_dialogue ON messages(dialogue_id, id);
CREATE INDEX messages_streaming ON messages(status) WHERE status = 'streaming';

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    sha256 TEXT NOT NULL,
    ext TEXT NOT NULL,
    mime TEXT NOT NULL,
    size INTEGER NOT NULL,
    name TEXT NOT NULL DEFAULT ''
);
CREATE INDEX attachments_by_message ON attachments(message_id);
CREATE INDEX attachments_by_hash ON attachments(sha256);

CREATE VIRTUAL TABLE messages_fts USING fts5(
    content, content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
    INSERT INTO messages_fts(rowid, content) VALUES (new.id, new.content);
END;

CREATE TABLE models (
    provider TEXT NOT NULL,
    id TEXT NOT NULL,
    owned_by TEXT NOT NULL DEFAULT '',
    created INTEGER,
    fetched_at REAL NOT NULL,
    PRIMARY KEY (provider, id)
);

CREATE TABLE capabilities (
    provider TEXT PRIMARY KEY,
    json TEXT NOT NULL,
    probed_at REAL NOT NULL
);
"""

# Assistants (issue 6): local assistant profiles (settings as JSON, soft-deleted for undo); each
# reply records the assistant that wrote it and a snapshot of its settings at that moment, and
# the tool notes (web/file search and their citations); a dialogue remembers its assistant so
# it continues with the same one. `app_flags` holds one-time facts (starters seeded, the
# Responses API found missing on a provider).
_ASSISTANTS = """
CREATE TABLE assistants (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    model TEXT NOT NULL DEFAULT '',
    profile TEXT NOT NULL,
    deleted_at REAL,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
ALTER TABLE messages ADD COLUMN assistant_id INTEGER REFERENCES assistants(id) ON DELETE SET NULL;
ALTER TABLE messages ADD COLUMN assistant_snapshot TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN tool_notes TEXT NOT NULL DEFAULT '';
ALTER TABLE dialogues ADD COLUMN assistant_id INTEGER REFERENCES assistants(id) ON DELETE SET NULL;
CREATE INDEX messages_by_assistant ON messages(assistant_id) WHERE assistant_id IS NOT NULL;
CREATE INDEX dialogues_by_assistant_id ON dialogues(assistant_id) WHERE assistant_id IS NOT NULL;
CREATE TABLE app_flags (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL DEFAULT ''
);
"""

# History (issue 4): the name of the assistant an imported dialogue was held with (a ChatGPT
# GPT, an "assistant" field of a log; Parley's own assistants are linked by assistant_id), and
# indexes for the History list (newest first, pinned on top, the trash apart), its per-row
# summary (message and sentiment counts read from an index alone) and the search filters.
_HISTORY = """
ALTER TABLE dialogues ADD COLUMN assistant_name TEXT NOT NULL DEFAULT '';
CREATE INDEX dialogues_listing ON dialogues(pinned DESC, updated_at DESC, id DESC)
    WHERE deleted_at IS NULL;
CREATE INDEX dialogues_trash ON dialogues(deleted_at DESC, id DESC) WHERE deleted_at IS NOT NULL;
CREATE INDEX dialogues_by_assistant_name ON dialogues(assistant_name) WHERE assistant_name <> '';
CREATE INDEX messages_summary ON messages(dialogue_id, superseded, sentiment_label);
CREATE INDEX messages_by_time ON messages(created_at);
"""

# Spend (issue 9): a ledger with one row per priced reply — tokens by kind, the cost from the
# price table, whether the tokens were estimated (a stream cut short reports none). The ledger
# outlives what it counts: purging a dialogue or its messages keeps its rows (their ids become
# NULL), since the money was spent. Replies recorded before it get rows with their token
# counts and no price. The model cache keeps each model's announced shutdown date and
# replacement.
_SPEND = """
CREATE TABLE usage (
    id INTEGER PRIMARY KEY,
    message_id INTEGER UNIQUE REFERENCES messages(id) ON DELETE SET NULL,
    dialogue_id INTEGER REFERENCES dialogues(id) ON DELETE SET NULL,
    assistant_id INTEGER REFERENCES assistants(id) ON DELETE SET NULL,
    model TEXT NOT NULL DEFAULT '',
    priced_as TEXT NOT NULL DEFAULT '',
    input_tokens INTEGER NOT NULL DEFAULT 0,
    cached_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    reasoning_tokens INTEGER NOT NULL DEFAULT 0,
    image_tokens INTEGER NOT NULL DEFAULT 0,
    cost REAL,
    currency TEXT NOT NULL DEFAULT 'USD',
    estimated INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL
);
CREATE INDEX usage_by_time ON usage(created_at);
CREATE INDEX usage_by_dialogue ON usage(dialogue_id);
INSERT INTO usage (message_id, dialogue_id, assistant_id, model, input_tokens, output_tokens,
                   created_at)
    SELECT id, dialogue_id, assistant_id, model, COALESCE(prompt_tokens, 0),
           COALESCE(completion_tokens, 0), created_at
    FROM messages
    WHERE role = 'assistant' AND (prompt_tokens IS NOT NULL OR completion_tokens IS NOT NULL);
ALTER TABLE models ADD COLUMN shutdown_date TEXT NOT NULL DEFAULT '';
ALTER TABLE models ADD COLUMN replacement TEXT NOT NULL DEFAULT '';
"""

# Training (issue 7; after Spend, released first): the user's 👍/👎 on a reply (datasets are
# built from them), and the registry of fine-tuning jobs per provider (the seed's
# save_job_id): the description the user wrote, base model, files, last status seen, and the
# fine-tuned model when it succeeds.
_TRAINING = """
ALTER TABLE messages ADD COLUMN rating INTEGER NOT NULL DEFAULT 0 CHECK (rating IN (-1, 0, 1));
CREATE INDEX messages_rated ON messages(dialogue_id, rating) WHERE rating <> 0;
CREATE TABLE fine_tuning_jobs (
    provider TEXT NOT NULL,
    id TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    base_model TEXT NOT NULL DEFAULT '',
    method TEXT NOT NULL DEFAULT 'supervised',
    training_file TEXT NOT NULL DEFAULT '',
    validation_file TEXT NOT NULL DEFAULT '',
    fine_tuned_model TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL DEFAULT '',
    details TEXT NOT NULL DEFAULT '{}',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (provider, id)
);
CREATE INDEX fine_tuning_jobs_by_model ON fine_tuning_jobs(fine_tuned_model)
    WHERE fine_tuned_model <> '';
"""

# Trees (conversations branch): each message follows a parent (NULL for a dialogue's first
# messages); Edit-and-resend and Regenerate add siblings, and a dialogue remembers the leaf of
# the branch it shows. Deleting a message hides it and its subtree (`deleted_at`, for Undo).
# Every dialogue keeps what it showed: the shown messages are chained in id order, and a reply
# Regenerate replaced (`superseded`, no longer written) becomes a sibling of its successor —
# the message before it is their parent either way. Nothing reads `superseded` after this, so
# the summary index on it goes; the parent index serves sibling look-ups and the foreign keys.
_TREES = """
ALTER TABLE messages ADD COLUMN parent_id INTEGER REFERENCES messages(id) ON DELETE SET NULL;
ALTER TABLE messages ADD COLUMN deleted_at REAL;
ALTER TABLE dialogues ADD COLUMN current_leaf_id INTEGER
    REFERENCES messages(id) ON DELETE SET NULL;
UPDATE messages SET parent_id = (
    SELECT MAX(p.id) FROM messages p
    WHERE p.dialogue_id = messages.dialogue_id AND p.id < messages.id AND p.superseded = 0
);
UPDATE dialogues SET current_leaf_id = (
    SELECT MAX(m.id) FROM messages m WHERE m.dialogue_id = dialogues.id AND m.superseded = 0
);
CREATE INDEX messages_by_parent ON messages(parent_id);
CREATE INDEX messages_tree ON messages(dialogue_id, parent_id) WHERE deleted_at IS NULL;
CREATE INDEX dialogues_by_leaf ON dialogues(current_leaf_id);
DROP INDEX messages_summary;
"""

# Reasoning: what a reasoning model thought before its reply and for how long, and how the
# reply streamed (seconds to the first token, output tokens per second). The full-text index
# gains a column for the reasoning: it is made anew with both columns and rebuilt from the
# messages, so every existing message stays findable.
# A reply that is still streaming stays out of the index until it ends: its checkpoints (four
# a second) would otherwise index its whole text again each time, a cost that grows with the
# reply. It enters the index when its status leaves 'streaming' (finished, stopped, failed, or
# marked interrupted after a crash), with the text it ended with.
_REASONING = """
ALTER TABLE messages ADD COLUMN reasoning TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN reasoning_seconds REAL;
ALTER TABLE messages ADD COLUMN first_token_seconds REAL;
ALTER TABLE messages ADD COLUMN tokens_per_second REAL;
DROP TRIGGER messages_fts_insert;
DROP TRIGGER messages_fts_delete;
DROP TRIGGER messages_fts_update;
DROP TABLE messages_fts;
CREATE VIRTUAL TABLE messages_fts USING fts5(
    content, reasoning, content='messages', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
);
INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');
INSERT INTO messages_fts(messages_fts, rowid, content, reasoning)
    SELECT 'delete', id, content, reasoning FROM messages WHERE status = 'streaming';
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages
WHEN new.status <> 'streaming' BEGIN
    INSERT INTO messages_fts(rowid, content, reasoning)
        VALUES (new.id, new.content, new.reasoning);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
WHEN old.status <> 'streaming' BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content, reasoning)
        VALUES ('delete', old.id, old.content, old.reasoning);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF content, reasoning, status ON messages
WHEN old.status <> 'streaming' AND new.status <> 'streaming' BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, content, reasoning)
        VALUES ('delete', old.id, old.content, old.reasoning);
    INSERT INTO messages_fts(rowid, content, reasoning)
        VALUES (new.id, new.content, new.reasoning);
END;
CREATE TRIGGER messages_fts_ended AFTER UPDATE OF status ON messages
WHEN old.status = 'streaming' AND new.status <> 'streaming' BEGIN
    INSERT INTO messages_fts(rowid, content, reasoning)
        VALUES (new.id, new.content, new.reasoning);
END;
"""

# How a reply ended when not plainly finished (core/reply_endings.py): cut, length, refused,
# filtered, empty. Beside the status (whose CHECK stays as it is), so old replies read "".
_ENDINGS = """
ALTER TABLE messages ADD COLUMN ending TEXT NOT NULL DEFAULT '';
"""

# Providers (issue 14): the configured provider a dialogue was held with (its id in Settings),
# so it goes on with it; '' for dialogues from before there were several: the main provider.
_PROVIDERS = """
ALTER TABLE dialogues ADD COLUMN provider TEXT NOT NULL DEFAULT '';
"""

# Imports (issue 15): where an imported dialogue came from ("chatgpt:<conversation id>"), so
# importing the next (cumulative) export finds it instead of making a copy; '' for the rest.
_IMPORTS = """
ALTER TABLE dialogues ADD COLUMN source_id TEXT NOT NULL DEFAULT '';
CREATE INDEX dialogues_by_source ON dialogues(source_id) WHERE source_id <> '';
"""

# Tools (issue 16): a reply that asked for function calls keeps them (`tool_calls`, a JSON list
# in chat completions' shape), and each result is a `tool` message answering one of them
# (`tool_call_id`), with what Parley knows of the step beside it (`tool_info`, JSON: the tool's
# name and server, the user's decision, whether it failed, how long it took). Results are
# messages, so search finds them; old messages read as having none.
_TOOLS = """
ALTER TABLE messages ADD COLUMN tool_calls TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN tool_call_id TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN tool_info TEXT NOT NULL DEFAULT '';
"""

MIGRATIONS: tuple[str, ...] = (
    _V1,
    _ASSISTANTS,
    _HISTORY,
    _SPEND,
    _TRAINING,
    _TREES,
    _REASONING,
    _ENDINGS,
    _PROVIDERS,
    _IMPORTS,
    _TOOLS,
)
LATEST = len(MIGRATIONS)


class MigrationError(RuntimeError):
    """The database is newer than this build of Parley (`newer`), or a migration failed."""

    def __init__(self, message: str, newer: bool = False) -> None:
        super().__init__(message)
        self.newer = newer


def migrate(conn: sqlite3.Connection, before: Callable[[int], None] | None = None) -> int:
    """Bring the schema to LATEST. Returns the old version.

    `before(old_version)` runs first when there is anything to do (the store backs the file up
    there). Every step runs in one transaction: an upgrade that fails at any step leaves the
    database exactly as it was, at its old version, rather than half-way between two.
    """
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > LATEST:
        raise MigrationError(
            f"This data folder was written by a newer Parley (schema {version}, this build "
            f"knows {LATEST}). Update Parley, or point PARLEY_HOME at another folder.",
            newer=True,
        )
    if version == LATEST:
        return version
    if before is not None:
        before(version)
    steps = "\n".join(
        f"{MIGRATIONS[target - 1]}\nPRAGMA user_version = {target};"
        for target in range(version + 1, LATEST + 1)
    )
    # executescript commits first; the explicit BEGIN/COMMIT makes the whole upgrade atomic.
    try:
        conn.executescript(f"BEGIN;\n{steps}\nCOMMIT;")
    except sqlite3.Error as exc:
        if conn.in_transaction:
            conn.rollback()
        raise MigrationError(
            f"Parley could not upgrade its data (schema {version} to {LATEST}), so it left "
            "it as it was; a copy made before the attempt is in the backups folder."
        ) from exc
    return version
