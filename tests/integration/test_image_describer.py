"""The image describer against the test server: storage, batches, links, folders, export."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop_app.core.sentiment import SentimentAnalyzer
from desktop_app.services.chat_session import ChatSession
from desktop_app.services.gateway import Gateway, ProviderConfig
from desktop_app.services.image_describer import ImageDescriber, ImageItem, ItemState
from desktop_app.services.image_sources import DownloadError, download_image, expand_paths
from desktop_app.services.paths import AppPaths
from desktop_app.services.store import Store
from tests.openai_server import OpenAIServer
from tests.support.images import FileServer, Served, image_bytes, write_image
from tests.support.loop import run


class Recorder:
    """A DescribeListener that remembers what it was told."""

    def __init__(self) -> None:
        self.changes: list[tuple[int, ItemState]] = []
        self.text: dict[int, str] = {}
        self.describing: set[int] = set()
        self.most_at_once = 0

    def item_changed(self, item: ImageItem) -> None:
        self.changes.append((item.key, item.state))
        if item.state is ItemState.DESCRIBING:
            self.describing.add(item.key)
        else:
            self.describing.discard(item.key)
        self.most_at_once = max(self.most_at_once, len(self.describing))

    def item_text(self, item: ImageItem, text: str) -> None:
        self.text[item.key] = self.text.get(item.key, "") + text


@pytest.fixture
def describer(paths: AppPaths, openai_server: OpenAIServer) -> Iterator[ImageDescriber]:
    store = Store.open(paths.database, paths.attachments_dir)
    config = ProviderConfig("custom", openai_server.url, "k", timeout=10, max_retries=0)
    chat = ChatSession(store, Gateway(config), SentimentAnalyzer())
    yield ImageDescriber(chat)
    store.close()


def close(describer: ImageDescriber, loop: asyncio.AbstractEventLoop) -> None:
    run(loop, describer.chat.gateway.aclose())


def test_describe_one_image_and_keep_it(qloop, describer: ImageDescriber, tmp_path: Path) -> None:
    path = write_image(tmp_path / "red.png", (640, 480), "red")
    item = ImageItem("red.png", path)
    recorder = Recorder()
    run(qloop, describer.describe(item, "What is it?", "gpt-4o", "low", recorder))
    close(describer, qloop)

    assert item.state is ItemState.DONE, item.error
    assert "- image 1: a 512×384 PNG image, mostly red (#ff0000)" in item.description
    assert recorder.text[item.key] == item.description
    assert item.notes == ("downscaled from 640×480",)
    dialogue = describer.store.get_dialogue(item.dialogue_id)
    assert dialogue is not None and dialogue.title == "Image: red.png"
    question, answer = dialogue.messages
    assert (question.role, question.content) == ("user", "What is it?")
    (attachment,) = question.attachments
    assert (attachment.name, attachment.mime) == ("red.png", "image/png")
    assert describer.store.attachment_path(attachment).is_file()
    assert (answer.content, answer.status.value) == (item.description, "complete")
    assert answer.id == item.reply_id


def test_the_same_image_is_stored_once(qloop, describer: ImageDescriber, tmp_path: Path) -> None:
    path = write_image(tmp_path / "a.png")
    items = [ImageItem("a.png", path), ImageItem("copy.png", path.read_bytes())]
    run(qloop, describer.describe_all(items, "Describe.", "gpt-4o", "auto", Recorder()))
    close(describer, qloop)
    assert [i.state for i in items] == [ItemState.DONE, ItemState.DONE]
    assert items[0].dialogue_id != items[1].dialogue_id
    assert len(list(describer.store.attachments_dir.iterdir())) == 1


def test_follow_up_in_chat_sends_the_image_again(
    qloop, describer: ImageDescriber, openai_server: OpenAIServer, tmp_path: Path
) -> None:
    item = ImageItem("blue.png", write_image(tmp_path / "blue.png", (30, 20), "blue"))
    run(qloop, describer.describe(item, "Describe.", "gpt-4o", "high", Recorder()))
    chat = describer.chat
    turn = chat.prepare(item.dialogue_id, "What colour is it?", "gpt-4o", "")
    reply = run(qloop, chat.stream_reply(turn, lambda _text: None))
    close(describer, qloop)
    first = openai_server.requests[-1].body["messages"][0]["content"]
    assert first[1]["type"] == "image_url"
    assert first[1]["image_url"]["url"].startswith("data:image/png;base64,")
    assert "messages in the conversation: 3" in reply.content


def test_batch_runs_four_at_a_time(
    qloop, describer: ImageDescriber, openai_server: OpenAIServer, tmp_path: Path
) -> None:
    openai_server.chunk_delay = 0.005
    items = [
        ImageItem(f"{n}.png", write_image(tmp_path / f"{n}.png", (20 + n, 20))) for n in range(9)
    ]
    recorder = Recorder()
    run(qloop, describer.describe_all(items, "Describe.", "gpt-4o", "auto", recorder))
    close(describer, qloop)
    assert all(i.state is ItemState.DONE for i in items)
    assert recorder.most_at_once == 4
    for n, item in enumerate(items):
        assert f"a {20 + n}×20 PNG image" in item.description


def test_a_bad_image_and_a_server_fault_fail_alone(
    qloop, describer: ImageDescriber, openai_server: OpenAIServer, tmp_path: Path
) -> None:
    openai_server.image_max_side = 100
    items = [
        ImageItem("ok.png", write_image(tmp_path / "ok.png")),
        ImageItem("empty.png", tmp_path / "empty.png"),
        ImageItem("wide.gif", write_image(tmp_path / "wide.gif", (50, 10), fmt="GIF")),
    ]
    (tmp_path / "empty.png").write_bytes(b"")
    run(qloop, describer.describe_all(items, "Describe.", "gpt-4o", "low", Recorder()))
    close(describer, qloop)
    ok, empty, wide = items
    assert ok.state is ItemState.DONE
    assert (empty.state, empty.error) == (ItemState.FAILED, "The file is empty (0 bytes).")
    assert empty.dialogue_id is None  # nothing stored for a file that never was an image
    assert wide.state is ItemState.DONE  # converted to PNG, within the limit
    openai_server.image_max_side = 8
    retry = ImageItem("big.png", write_image(tmp_path / "big.png", (64, 48)))
    run(qloop, describer.describe(retry, "Describe.", "gpt-4o", "low", Recorder()))
    close(describer, qloop)
    assert retry.state is ItemState.FAILED
    assert "rejected the request (400)" in retry.error and "at most 8 pixels" in retry.error
    stored = describer.store.get_dialogue(retry.dialogue_id)
    assert stored is not None and stored.messages[-1].status.value == "error"


def test_cancel_keeps_what_arrived(
    qloop, describer: ImageDescriber, openai_server: OpenAIServer, tmp_path: Path
) -> None:
    openai_server.chunk_delay = 0.05
    items = [ImageItem(f"{n}.png", write_image(tmp_path / f"{n}.png")) for n in range(6)]
    recorder = Recorder()

    async def cancel_when_text_arrives() -> None:
        batch = asyncio.ensure_future(
            describer.describe_all(items, "Describe.", "gpt-4o", "auto", recorder)
        )
        while len(recorder.text) < 4:  # four streaming, the rest waiting their turn
            await asyncio.sleep(0.01)
        batch.cancel()
        with pytest.raises(asyncio.CancelledError):
            await batch
        await describer.chat.flush()  # saving the interrupted replies finishes in its own task
        await describer.chat.gateway.aclose()

    run(qloop, cancel_when_text_arrives())
    assert all(i.state is ItemState.CANCELLED for i in items)
    started = [i for i in items if i.reply_id is not None]
    assert len(started) == 4
    waiting = [i for i in items if i.reply_id is None]
    assert all(i.error == "Cancelled before it started." for i in waiting)
    for item in started:
        reply = describer.store.get_message(item.reply_id)
        assert reply is not None and reply.status.value in ("interrupted", "error")
        assert reply.content == item.description
    assert openai_server.wait_for_disconnect(3, count=4)


def test_vision_models_follow_the_server_then_the_name(
    qloop, describer: ImageDescriber, openai_server: OpenAIServer
) -> None:
    openai_server.models.extend(
        [
            {"id": "house-model", "object": "model", "created": 1, "owned_by": "me",
             "input_modalities": ["text", "image"]},
            {"id": "gpt-4o-text", "object": "model", "created": 1, "owned_by": "me",
             "input_modalities": ["text"]},
            {"id": "plain-llm", "object": "model", "created": 1, "owned_by": "me"},
        ]
    )  # fmt: skip
    models = run(qloop, describer.vision_models())
    close(describer, qloop)
    assert models == ["gpt-4o", "gpt-4o-mini", "house-model", "o4-mini"]


def test_export_csv_and_jsonl(qloop, describer: ImageDescriber, tmp_path: Path) -> None:
    item = ImageItem('x, "quoted".png', write_image(tmp_path / "x.png"))
    run(qloop, describer.describe(item, "Describe.", "gpt-4o", "auto", Recorder()))
    close(describer, qloop)
    skipped = ImageItem("never.png", tmp_path / "never.png")
    count = run(qloop, describer.save_descriptions(tmp_path / "out.csv", [item, skipped]))
    assert count == 1
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out.csv").read_text("utf-8"))))
    assert rows[0]["file_name"] == 'x, "quoted".png' and rows[0]["model"] == "gpt-4o"
    assert rows[0]["description"] == item.description and rows[0]["time"].endswith("+00:00")
    run(qloop, describer.save_descriptions(tmp_path / "out.jsonl", [item]))
    line = json.loads((tmp_path / "out.jsonl").read_text("utf-8"))
    assert set(line) == {"file_name", "prompt", "description", "model", "time"}


def test_edits_are_saved_to_the_dialogue(qloop, describer: ImageDescriber, tmp_path: Path) -> None:
    item = ImageItem("x.png", write_image(tmp_path / "x.png"))
    run(qloop, describer.describe(item, "Describe.", "gpt-4o", "auto", Recorder()))
    close(describer, qloop)
    describer.save_edit(item, "A red rectangle.")
    assert describer.store.get_message(item.reply_id).content == "A red rectangle."


# --- where images come from ------------------------------------------------------------------


def test_expand_folders(tmp_path: Path) -> None:
    write_image(tmp_path / "pics" / "b.png")
    write_image(tmp_path / "pics" / "a.jpg", fmt="JPEG")
    write_image(tmp_path / "pics" / "deeper" / "c.webp", fmt="WEBP")
    (tmp_path / "pics" / "notes.txt").write_text("not me")
    write_image(tmp_path / "pics" / ".hidden" / "d.png")
    loose = tmp_path / "loose.txt"
    loose.write_text("kept: named by the user")
    found = expand_paths([tmp_path / "pics", loose])
    names = [p.relative_to(tmp_path).as_posix() for p in found.files]
    assert names == ["pics/a.jpg", "pics/b.png", "pics/deeper/c.webp", "loose.txt"]
    limited = expand_paths([tmp_path / "pics", loose], limit=2)
    assert (len(limited.files), limited.skipped) == (2, 2)


def test_download_image() -> None:
    png = image_bytes()
    with FileServer() as web:
        web.routes["/img/cat%20photo.png"] = Served(png)
        web.routes["/page"] = Served(b"<html></html>", "text/html")
        web.routes["/huge.png"] = Served(b"x" * 2000)
        web.routes["/liar.png"] = Served(b"x" * 2000, length=10)
        web.routes["/slow.png"] = Served(png, delay=1.0)
        assert download_image(web.url("/img/cat%20photo.png")) == (png, "cat photo.png")
        with pytest.raises(DownloadError, match="web page"):
            download_image(web.url("/page"))
        with pytest.raises(DownloadError, match="larger than"):
            download_image(web.url("/huge.png"), max_bytes=1000)
        data, _name = download_image(web.url("/liar.png"), max_bytes=1000)
        assert len(data) <= 10
        with pytest.raises(DownloadError, match="404"):
            download_image(web.url("/missing.png"))
        with pytest.raises(DownloadError, match=r"longer than 0\.2 seconds"):
            download_image(web.url("/slow.png"), timeout=0.2)
    with pytest.raises(DownloadError, match="http"):
        download_image("file:///etc/passwd")
