"""Training in the store: ratings, the job registry, History as a source, and the migration."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from desktop_app.core.dialogue import Message
from desktop_app.core.fine_tuning_jobs import JobRecord, registry_json
from desktop_app.core.history import SearchFilters
from desktop_app.services.migrations import LATEST, MIGRATIONS
from desktop_app.services.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store.open(tmp_path / "db.sqlite", tmp_path / "att")
    yield store
    store.close()


def _chat(store: Store, title: str, *messages: tuple[str, str], model: str = "gpt-4o") -> int:
    dialogue = store.create_dialogue(title, model)
    for role, text in messages:
        store.add_message(dialogue, Message(role, text, model=model))
    return dialogue


def test_ratings_are_stored_and_read_back(store: Store) -> None:
    dialogue = _chat(store, "A", ("user", "hi"), ("assistant", "hello"))
    reply = store.messages(dialogue)[1]
    assert reply.rating == 0
    store.rate_message(reply.id, 1)
    assert store.messages(dialogue)[1].rating == 1
    store.rate_message(reply.id, -1)
    assert store.get_message(reply.id).rating == -1
    with pytest.raises(ValueError):
        store.rate_message(reply.id, 2)


def test_history_source_filters_on_rating_model_and_text(store: Store) -> None:
    liked = _chat(store, "Liked", ("user", "tell me about whales"), ("assistant", "Big."))
    disliked = _chat(store, "Disliked", ("user", "pasta?"), ("assistant", "No."), model="o3")
    plain = _chat(store, "Plain", ("user", "whales again"), ("assistant", "Still big."))
    store.rate_message(store.messages(liked)[1].id, 1)
    store.rate_message(store.messages(disliked)[1].id, -1)
    every = SearchFilters()
    assert store.training_dialogue_ids(every) == [plain, disliked, liked]
    assert store.training_dialogue_ids(every, "up") == [liked]
    assert store.training_dialogue_ids(every, "down") == [disliked]
    assert store.training_dialogue_ids(every, "rated") == [disliked, liked]
    assert store.training_dialogue_ids(SearchFilters(model="o3")) == [disliked]
    assert store.training_dialogue_ids(every, text="whales") == [plain, liked]


def test_every_branch_is_kept_for_preference_pairs(store: Store) -> None:
    dialogue = _chat(store, "Fruit", ("user", "fruit?"), ("assistant", "Potato"))
    question, old = (m.id for m in store.messages(dialogue))
    new = store.add_message(dialogue, Message("assistant", "Apple"), parent_id=question)
    gone = store.add_message(dialogue, Message("assistant", "Deleted"), parent_id=question)
    store.delete_message(gone)
    got, every = store.dialogue_for_training(dialogue)
    assert [m.content for m in got.messages] == ["fruit?", "Apple"]  # the branch shown
    assert [(m.content, m.parent_id) for m in every] == [
        ("fruit?", None), ("Potato", question), ("Apple", question),
    ]  # fmt: skip
    store.rate_message(gone, 1)  # a rating on a deleted reply does not make a dialogue "rated"
    assert store.training_dialogue_ids(SearchFilters(), "up") == []
    store.rate_message(old, 1)
    assert store.training_dialogue_ids(SearchFilters(), "up") == [dialogue]
    assert new in [m.id for m in every]


def test_job_registry_keeps_the_description_through_status_updates(store: Store) -> None:
    started = JobRecord(
        "ftjob-1", "openai:", "Support tone", "gpt-4o-mini", training_file="file-1",
        status="validating_files", created_at=100.0, details={"suffix": "tone"},
    )  # fmt: skip
    store.save_job(started)
    store.save_job(JobRecord("ftjob-2", "openai:", base_model="gpt-4o", created_at=200.0))
    server = JobRecord(
        "ftjob-1", "openai:", base_model="gpt-4o-mini", training_file="file-1",
        status="succeeded", fine_tuned_model="ft:gpt-4o-mini:org:tone:abc", created_at=100.0,
        details={"trained_tokens": 1234},
    )  # fmt: skip
    saved = store.save_job(server)
    assert saved.description == "Support tone" and saved.status == "succeeded"
    assert dict(saved.details) == {"suffix": "tone", "trained_tokens": 1234}
    assert [j.id for j in store.jobs("openai:")] == ["ftjob-2", "ftjob-1"]
    assert store.jobs("other:") == []
    assert store.fine_tuned_models("openai:") == {"ft:gpt-4o-mini:org:tone:abc": "Support tone"}
    store.describe_job("openai:", "ftjob-2", "Second try")
    exported = json.loads(registry_json(store.jobs()))
    assert [j["description"] for j in exported] == ["Second try", "Support tone"]
    assert exported[1]["training_file"] == "file-1"
    store.remember_model("openai:", "ft:gpt-4o-mini:org:tone:abc")
    assert store.cached_models("openai:") == ["ft:gpt-4o-mini:org:tone:abc"]


def test_upgrade_from_the_previous_version_keeps_data_and_adds_ratings(tmp_path: Path) -> None:
    database = tmp_path / "old.db"
    previous = next(i for i, m in enumerate(MIGRATIONS) if "fine_tuning_jobs" in m)
    conn = sqlite3.connect(database)
    conn.executescript("\n".join(MIGRATIONS[:previous]) + f"\nPRAGMA user_version = {previous};")
    conn.execute(
        "INSERT INTO dialogues (id, title, created_at, updated_at) VALUES (1, 'Old', 1, 1)"
    )
    conn.executemany(
        "INSERT INTO messages (dialogue_id, role, content, created_at, updated_at) "
        "VALUES (1, ?, ?, 1, 1)",
        [("user", "old question"), ("assistant", "old answer")],
    )
    conn.commit()
    conn.close()
    store = Store.open(database, tmp_path / "att")
    try:
        _user, reply = store.messages(1)
        assert (reply.content, reply.rating) == ("old answer", 0)
        store.rate_message(reply.id, 1)
        assert store.training_dialogue_ids(SearchFilters(), "up") == [1]
        assert store.jobs() == []
    finally:
        store.close()
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("UPDATE messages SET rating = 5 WHERE id = 2")
