"""Dialogues from the store as a dataset source (blocking: run it in a worker thread)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from desktop_app.core.dialogue import Attachment, Dialogue, Message
from desktop_app.core.image_request import data_url
from desktop_app.core.training_build import DPO, Built
from desktop_app.core.training_checks import NOTE
from desktop_app.core.training_dialogues import preference_examples, supervised_example
from desktop_app.services.dataset_files import Cancelled, Progress

IMAGE_MIMES = ("image/jpeg", "image/png", "image/webp")
SOURCE = "History"


class DialogueSource(Protocol):
    def dialogue_for_training(self, dialogue_id: int) -> tuple[Dialogue, list[Message]]: ...

    def attachment_path(self, attachment: Attachment) -> Path: ...


def _image_urls(store: DialogueSource) -> Callable[[Message], list[str]]:
    def urls(message: Message) -> list[str]:
        found = []
        for attachment in message.attachments:
            if attachment.mime not in IMAGE_MIMES:
                continue
            try:
                data = store.attachment_path(attachment).read_bytes()
            except OSError:
                continue
            found.append(data_url(data, attachment.mime))
        return found

    return urls


def build_from_dialogues(
    store: DialogueSource,
    ids: Sequence[int],
    built: Built,
    only_rated_up: bool = False,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Built:
    """Add examples made from dialogues `ids`: one chat example each (SFT), or the 👍/👎
    pairs they hold (DPO). A dialogue already read into `built` is not read again (its title
    goes to `built.again`); each one left out is listed with its reason."""
    images = _image_urls(store)
    if SOURCE not in built.sources:
        built.sources.append(SOURCE)
    skipped = 0
    for index, dialogue_id in enumerate(ids, start=1):
        if cancelled is not None and cancelled():
            raise Cancelled
        if dialogue_id in built.read:
            built.again.append(f"dialogue {dialogue_id}")
            continue
        try:
            dialogue, every = store.dialogue_for_training(dialogue_id)
        except KeyError:
            continue
        built.read.add(dialogue_id)
        built.rows_read += 1
        if built.kind == DPO:
            pairs = preference_examples(dialogue, every, images)
            built.examples += pairs
            if not pairs:
                skipped += 1
                built.problem(
                    SOURCE, built.rows_read, NOTE, "dialogue_left_out",
                    f"{dialogue.title!r} has no prompt with both a 👍 and a 👎 reply.",
                )  # fmt: skip
        else:
            example, reason = supervised_example(dialogue, only_rated_up, images)
            if example is None:
                skipped += 1
                built.problem(SOURCE, built.rows_read, NOTE, "dialogue_left_out", reason + ".")
            else:
                built.examples.append(example)
        if progress is not None and index % 50 == 0:
            progress("Reading dialogues", index, len(ids))
    built.left_out += skipped
    if built.kind == DPO and skipped:
        built.problem(
            SOURCE,
            0,
            NOTE,
            "no_pairs",
            f"{skipped} dialogue{'s' if skipped != 1 else ''} had no prompt with both a 👍 and "
            "a 👎 reply (Regenerate keeps the old reply as another version: rate both to make a "
            "pair).",
        )
    return built
