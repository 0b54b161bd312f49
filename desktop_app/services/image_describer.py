"""Describe images, one or a batch: prepare off the UI thread, stream the reply, keep it all.

Each described image becomes a dialogue: the prompt as the user's message with the prepared
image attached (content-addressed in the store, so the same picture is kept once), and the
description as the reply, checkpointed while it streams exactly as a chat reply is (the
streaming itself is `ChatSession.stream_reply`). A batch runs at most `concurrency` requests
at once; one bad file or one failed request marks its own item and the rest carry on.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from desktop_app.core.dialogue import Message, Status, make_title
from desktop_app.core.image_export import DescriptionRecord, export_text
from desktop_app.core.image_request import data_url, describe_messages, takes_images
from desktop_app.core.images import (
    ImageError,
    ImageFacts,
    PreparedImage,
    inspect_image,
    prepare_image,
)
from desktop_app.services.atomic_file import write_text_atomically
from desktop_app.services.chat_session import ChatSession, PendingTurn
from desktop_app.services.failure_text import report_failure
from desktop_app.services.gateway_errors import GatewayError
from desktop_app.services.store import Store, StoreError

log = logging.getLogger(__name__)
CONCURRENCY = 4
PREVIEW_SIDE = 256  # the thumbnail made when an image is added
_keys = itertools.count(1)


class ItemState(StrEnum):
    LOADING = "loading"  # a link being downloaded, a pasted image being encoded
    QUEUED = "queued"
    DESCRIBING = "describing"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINISHED = (ItemState.DONE, ItemState.FAILED, ItemState.CANCELLED)


@dataclass(eq=False)
class ImageItem:
    """One image the user brought in, and what became of it."""

    name: str
    source: Path | bytes
    key: int = field(default_factory=lambda: next(_keys))
    state: ItemState = ItemState.QUEUED
    error: str = ""
    description: str = ""
    prompt: str = ""
    model: str = ""
    detail: str = ""
    described_at: float | None = None
    facts: ImageFacts | None = None
    notes: tuple[str, ...] = ()
    dialogue_id: int | None = None
    reply_id: int | None = None

    @property
    def path(self) -> Path | None:
        return self.source if isinstance(self.source, Path) else None


class DescribeListener(Protocol):
    """Told about every change, on the event loop's thread (the UI model implements it)."""

    def item_changed(self, item: ImageItem) -> None: ...

    def item_text(self, item: ImageItem, text: str) -> None: ...


class ImageDescriber:
    def __init__(self, chat: ChatSession, concurrency: int = CONCURRENCY) -> None:
        self.chat = chat  # its gateway is replaced when the provider settings change
        self.concurrency = concurrency

    @property
    def store(self) -> Store:
        return self.chat.store

    # --- looking at images ---------------------------------------------------------------

    async def inspect(self, item: ImageItem, listener: DescribeListener) -> None:
        """Decode the image once to find broken files early and make its thumbnail."""
        try:
            item.facts = await asyncio.to_thread(inspect_image, item.source, PREVIEW_SIDE)
        except ImageError as exc:
            if item.state is ItemState.QUEUED:
                self._fail(item, str(exc), listener)
            return
        listener.item_changed(item)

    async def vision_models(self) -> list[str]:
        """Models the server lists that take images (its word, else their names)."""
        models = await self.chat.gateway.list_models()
        return [m.id for m in models if takes_images(m.id, m.extra)]

    # --- describing ----------------------------------------------------------------------

    async def describe(
        self,
        item: ImageItem,
        prompt: str,
        model: str,
        detail: str,
        listener: DescribeListener,
        chat: ChatSession | None = None,
    ) -> None:
        """Describe one image (through `chat`, another provider's session, or the main one's).
        Failures end up on the item, never raised (except Cancel)."""
        session = chat or self.chat
        item.state, item.error, item.description = ItemState.DESCRIBING, "", ""
        item.prompt, item.model, item.detail = prompt, model, detail
        item.dialogue_id = item.reply_id = None
        listener.item_changed(item)
        try:
            prepared, url = await asyncio.to_thread(self._prepare, item.source, detail)
            item.notes = prepared.notes
            # Committed before the request goes out, like a chat message (small, so inline).
            turn = self._save_turn(item, prepared, session.provider_id)
            item.dialogue_id, item.reply_id = turn.dialogue_id, turn.reply.id
            turn.request = describe_messages(prompt, url, detail)

            def on_delta(text: str) -> None:
                item.description += text
                listener.item_text(item, text)

            await session.stream_reply(turn, on_delta)
        except asyncio.CancelledError:
            item.state = ItemState.CANCELLED
            item.error = "Cancelled." + (
                " The part of the description that arrived is kept." if item.description else ""
            )
            listener.item_changed(item)
            raise
        except (ImageError, GatewayError) as exc:
            self._fail(item, str(exc), listener)
        except (StoreError, OSError) as exc:
            self._fail(item, report_failure("Saving the description", exc), listener)
        except Exception as exc:  # a bug must not stop the rest of a batch
            self._fail(item, report_failure(f"Describing {item.name}", exc), listener)
        else:
            item.state, item.described_at = ItemState.DONE, time.time()
            listener.item_changed(item)

    async def describe_all(
        self,
        items: Sequence[ImageItem],
        prompt: str,
        model: str,
        detail: str,
        listener: DescribeListener,
        chat: ChatSession | None = None,
    ) -> None:
        """Describe `items`, `concurrency` at a time (through `chat`, as `describe`).
        Cancelling this cancels every one of them: those waiting are marked cancelled, those
        streaming keep the text that arrived."""
        gate = asyncio.Semaphore(self.concurrency)

        async def one(item: ImageItem) -> None:
            async with gate:
                await self.describe(item, prompt, model, detail, listener, chat)

        for item in items:
            item.state, item.error = ItemState.QUEUED, ""
        for item in items:  # once all are reset, so listeners count a fresh batch
            listener.item_changed(item)
        tasks = [asyncio.ensure_future(one(item)) for item in items]
        try:
            await asyncio.gather(*tasks)
        except asyncio.CancelledError:
            for task in tasks:
                task.cancel()
            await asyncio.wait(tasks)
            for item in items:
                if item.state is ItemState.QUEUED:
                    item.state, item.error = ItemState.CANCELLED, "Cancelled before it started."
                    listener.item_changed(item)
            raise

    async def save_descriptions(self, path: Path, items: Sequence[ImageItem]) -> int:
        """Write the described items to `path` (CSV, or JSONL by extension); how many."""
        records = [
            DescriptionRecord.of(
                item.name,
                item.prompt,
                item.description,
                item.model,
                item.described_at or time.time(),
            )
            for item in items
            if item.description
        ]
        text = export_text(records, path.name)
        await asyncio.to_thread(write_text_atomically, path, text)
        return len(records)

    def save_edit(self, item: ImageItem, text: str) -> None:
        """Keep the user's edit of a description, in the list and in the stored dialogue."""
        item.description = text
        if item.reply_id is not None:
            self.store.set_content(item.reply_id, text)

    # --- helpers -------------------------------------------------------------------------

    @staticmethod
    def _prepare(source: Path | bytes, detail: str) -> tuple[PreparedImage, str]:
        prepared = prepare_image(source, detail)
        return prepared, data_url(prepared.data, prepared.mime)

    def _save_turn(self, item: ImageItem, prepared: PreparedImage, provider: str) -> PendingTurn:
        """The dialogue (held with `provider`), the prompt with the image attached and an
        empty reply, committed."""
        store = self.store
        dialogue_id = store.create_dialogue(
            make_title(f"Image: {item.name}"), item.model, provider=provider
        )
        mood = self.chat.sentiment.analyze(item.prompt)
        user = Message(
            "user",
            item.prompt,
            model=item.model,
            sentiment_label=mood.label,
            sentiment_score=mood.compound,
        )
        user.id = store.add_message(dialogue_id, user)
        user.dialogue_id = dialogue_id
        attachment = store.add_attachment(
            user.id, prepared.data, prepared.ext, prepared.mime, item.name
        )
        user.attachments.append(attachment)
        reply = Message("assistant", "", model=item.model, status=Status.STREAMING)
        reply.id = store.add_message(dialogue_id, reply)
        reply.dialogue_id = dialogue_id
        return PendingTurn(dialogue_id, item.model, "", user, reply, [])

    @staticmethod
    def _fail(item: ImageItem, message: str, listener: DescribeListener) -> None:
        item.state, item.error = ItemState.FAILED, message
        listener.item_changed(item)
