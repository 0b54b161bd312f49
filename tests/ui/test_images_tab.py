"""The Images tab driven as a user would: drag and drop, paste, describe, cancel, follow up."""

from __future__ import annotations

import asyncio
import csv
import gc
import io
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, Qt, QUrl
from PySide6.QtGui import QColor, QGuiApplication, QImage

from desktop_app.core.sentiment import SentimentAnalyzer
from desktop_app.services.chat_session import ChatSession
from desktop_app.services.gateway import Gateway, ProviderConfig
from desktop_app.services.image_describer import ImageDescriber, ItemState
from desktop_app.services.model_catalog import ModelCatalog
from desktop_app.services.paths import AppPaths
from desktop_app.services.store import Store
from desktop_app.ui.chat.chat_tab import ChatTab
from desktop_app.ui.images.images_model import DESCRIPTION, IMAGE, STATE
from desktop_app.ui.images.images_tab import ImagesTab
from tests.openai_server import Fault, OpenAIServer
from tests.support import loop as loop_support
from tests.support.drops import drop_on, file_urls
from tests.support.hostile import postscript, spy_on_eps
from tests.support.images import COLOURS, FileServer, Served, image_bytes, write_image

ROOT = Path(__file__).resolve().parents[2]


def settle(loop: asyncio.AbstractEventLoop) -> None:
    """Let the SDK's stream readers, finalised as the last reply ended, close on the loop.

    pytest-qt processes Qt events right after each test, outside any running loop; a close
    still pending then fails (loudly, though harmlessly) in httpx2.
    """
    gc.collect()
    loop_support.run(loop, asyncio.sleep(0.03))


def run(loop: asyncio.AbstractEventLoop, awaitable, timeout: float = 15.0):  # type: ignore[no-untyped-def]
    result = loop_support.run(loop, awaitable, timeout)
    settle(loop)
    return result


def run_until(loop: asyncio.AbstractEventLoop, condition, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    loop_support.run_until(loop, condition, timeout)
    settle(loop)


@pytest.fixture
def chat(paths: AppPaths, openai_server: OpenAIServer) -> Iterator[ChatSession]:
    store = Store.open(paths.database, paths.attachments_dir)
    config = ProviderConfig("custom", openai_server.url, "k", timeout=10, max_retries=0)
    yield ChatSession(store, Gateway(config), SentimentAnalyzer())
    store.close()


@pytest.fixture
def tab(qtbot, qloop, chat: ChatSession) -> Iterator[ImagesTab]:  # type: ignore[no-untyped-def]
    widget = ImagesTab(ImageDescriber(chat), ModelCatalog(chat.store, chat.gateway), "gpt-4o")
    qtbot.addWidget(widget)
    widget.resize(1100, 760)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    run(qloop, widget.shutdown())
    run(qloop, chat.gateway.aclose())


def drag_and_drop(loop: asyncio.AbstractEventLoop, tab: ImagesTab, mime: QMimeData) -> bool:
    """Drag `mime` over the drop zone and drop it there; whether the zone took it."""
    return drop_on(loop, tab.drop_zone, mime)


def ready(tab: ImagesTab, count: int) -> bool:
    """`count` images listed, and each one either looked at (thumbnail) or failed."""
    items = tab.model.items
    return len(items) == count and all(
        i.facts is not None or i.state is ItemState.FAILED for i in items
    )


def cell(tab: ImagesTab, row: int, column: int, role=Qt.ItemDataRole.DisplayRole):  # type: ignore[no-untyped-def]
    return tab.model.data(tab.model.index(row, column), role)


def red_qimage(width: int = 40, height: int = 30) -> QImage:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(255, 0, 0))
    return image


# --- bringing images in ----------------------------------------------------------------------


def test_drop_files_and_a_folder(qloop, tab: ImagesTab, tmp_path: Path) -> None:
    one = write_image(tmp_path / "one.png", (64, 48), "red")
    write_image(tmp_path / "album" / "two.jpg", (80, 60), "blue", "JPEG")
    write_image(tmp_path / "album" / "nested" / "three.webp", (30, 30), "green", "WEBP")
    (tmp_path / "album" / "readme.txt").write_text("not an image")
    assert drag_and_drop(qloop, tab, file_urls(one, tmp_path / "album"))
    run_until(qloop, lambda: ready(tab, 3))
    assert [i.name for i in tab.model.items] == ["one.png", "two.jpg", "three.webp"]
    assert [(i.facts.width, i.facts.height) for i in tab.model.items] == [
        (64, 48),
        (80, 60),
        (30, 30),
    ]
    assert not cell(tab, 0, IMAGE, Qt.ItemDataRole.DecorationRole).isNull()
    assert cell(tab, 1, STATE) == "queued"
    assert tab.panel.item is tab.model.items[0]  # the first new image is selected
    assert drag_and_drop(qloop, tab, file_urls(one))  # the same file again is not doubled
    run_until(qloop, lambda: tab.banner.isVisible())
    assert len(tab.model.items) == 3 and "already in the list" in tab.banner.text


def test_drop_image_data(qloop, tab: ImagesTab) -> None:
    mime = QMimeData()
    mime.setImageData(red_qimage(40, 30))
    assert drag_and_drop(qloop, tab, mime)
    encoded = QMimeData()
    encoded.setData("image/png", image_bytes((20, 10), "blue"))
    assert drag_and_drop(qloop, tab, encoded)
    run_until(qloop, lambda: ready(tab, 2))
    first, second = tab.model.items
    assert (first.name, first.facts.width, first.facts.height) == ("pasted image 1.png", 40, 30)
    assert (second.name, second.facts.width) == ("pasted image 2.png", 20)


def test_drop_links_from_a_browser(qloop, tab: ImagesTab) -> None:
    with FileServer() as web:
        web.routes["/photos/cat.png"] = Served(image_bytes((50, 40), "orange"))
        web.routes["/dog.jpg"] = Served(image_bytes((30, 20), "purple", "JPEG"), "image/jpeg")
        web.routes["/gallery"] = Served(b"<html>gallery</html>", "text/html")
        as_urls = QMimeData()
        as_urls.setUrls([QUrl(web.url("/photos/cat.png")), QUrl(web.url("/gallery"))])
        assert drag_and_drop(qloop, tab, as_urls)
        as_text = QMimeData()
        as_text.setText(web.url("/dog.jpg"))
        assert drag_and_drop(qloop, tab, as_text)
        run_until(qloop, lambda: ready(tab, 3))
    cat, gallery, dog = tab.model.items
    assert (cat.name, cat.facts.width, cat.state) == ("cat.png", 50, ItemState.QUEUED)
    assert (dog.name, dog.facts.format) == ("dog.jpg", "JPEG")
    assert gallery.state is ItemState.FAILED and "web page" in gallery.error
    assert cell(tab, 1, STATE).startswith("failed: The link leads to a web page")


def test_drag_enter_refuses_what_is_no_image(qloop, tab: ImagesTab) -> None:
    mime = QMimeData()
    mime.setText("just some words")
    assert not drag_and_drop(qloop, tab, mime)
    assert tab.model.items == []


def test_paste_an_image_with_ctrl_v(qloop, qtbot, tab: ImagesTab) -> None:  # type: ignore[no-untyped-def]
    QGuiApplication.clipboard().setImage(red_qimage(33, 22))
    tab.table.setFocus()
    qtbot.keyClick(tab.table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    run_until(qloop, lambda: ready(tab, 1))
    item = tab.model.items[0]
    assert (item.name, item.facts.width, item.facts.height) == ("pasted image 1.png", 33, 22)
    QGuiApplication.clipboard().setText("nothing to see")
    qtbot.keyClick(tab.table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert "clipboard holds no image" in tab.banner.text
    QGuiApplication.clipboard().clear()


def test_each_bad_input_says_why_and_is_never_sent(
    qloop, tab: ImagesTab, openai_server: OpenAIServer, tmp_path: Path
) -> None:
    (tmp_path / "empty.png").write_bytes(b"")
    (tmp_path / "notes.jpg").write_text("Dear diary, today I renamed a text file.")
    whole = io.BytesIO()
    Image.effect_noise((300, 200), 50).save(whole, "PNG")
    (tmp_path / "cut.png").write_bytes(whole.getvalue()[:1500])
    paths = [tmp_path / n for n in ("empty.png", "notes.jpg", "cut.png")]
    assert drag_and_drop(qloop, tab, file_urls(*paths))
    run_until(qloop, lambda: ready(tab, 3))
    errors = [i.error for i in tab.model.items]
    assert errors[0] == "The file is empty (0 bytes)."
    assert errors[1] == "This is not an image: it contains text."
    assert "damaged" in errors[2]
    run(qloop, tab.describe_all())  # trying anyway fails the same way, without a request
    assert [i.state for i in tab.model.items] == [ItemState.FAILED] * 3
    assert [i.error for i in tab.model.items][:2] == errors[:2]
    assert openai_server.requests == []
    assert "3 failed" in tab.banner.text


def test_dropped_postscript_never_runs(
    qloop, tab: ImagesTab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    eps_used = spy_on_eps(monkeypatch)
    ran = tmp_path / "ran.txt"
    write_image(tmp_path / "album" / "one.png")
    (tmp_path / "album" / "figure.eps").write_bytes(postscript(ran))
    (tmp_path / "loose.eps").write_bytes(postscript(ran))
    assert drag_and_drop(qloop, tab, file_urls(tmp_path / "album"))
    run_until(qloop, lambda: ready(tab, 1) and tab.banner.isVisible())
    assert "1 file(s) in the folder were left out: not a supported image" in tab.banner.text
    assert drag_and_drop(qloop, tab, file_urls(tmp_path / "loose.eps"))
    run_until(qloop, lambda: ready(tab, 2))
    assert tab.model.items[1].state is ItemState.FAILED
    assert "not a supported image: it is PostScript" in (tab.model.items[1].error or "")
    assert eps_used == [] and not ran.exists()


def test_big_images_never_freeze_the_window(
    qloop, tab: ImagesTab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    photo = Image.new("RGB", (9000, 6700), (200, 30, 30))
    photo.save(tmp_path / "60mp.jpg", quality=80)
    Image.new("RGB", (4200, 4200), (0, 0, 255)).save(tmp_path / "50mb.png", compress_level=0)
    on_ui_thread: list[str] = []

    def watched(function):  # type: ignore[no-untyped-def]
        def call(*args, **kwargs):  # type: ignore[no-untyped-def]
            if threading.current_thread() is threading.main_thread():
                on_ui_thread.append(function.__name__)
            return function(*args, **kwargs)

        return call

    module = sys.modules[ImageDescriber.__module__]
    for name in ("prepare_image", "inspect_image"):
        monkeypatch.setattr(module, name, watched(getattr(module, name)))
    assert drag_and_drop(qloop, tab, file_urls(tmp_path / "60mp.jpg", tmp_path / "50mb.png"))
    run_until(qloop, lambda: ready(tab, 2), timeout=20)
    run(qloop, tab.describe_all(), timeout=30)
    photo_item, png_item = tab.model.items
    assert photo_item.state is png_item.state is ItemState.DONE
    assert "a 1031×768 JPEG image, mostly red" in photo_item.description
    assert "a 768×768 PNG image, mostly blue" in png_item.description
    # Decoding and preparing ran in worker threads: the window kept painting (how long its
    # longest pause is under load is bench/images.py's to measure, not a test's).
    assert on_ui_thread == []


# --- describing ------------------------------------------------------------------------------


def test_describe_one_stream_into_the_panel_edit_and_ask_in_chat(
    qloop, qtbot, tab: ImagesTab, chat: ChatSession, openai_server: OpenAIServer, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    openai_server.chunk_delay = 0.01
    assert drag_and_drop(qloop, tab, file_urls(write_image(tmp_path / "sky.png", (90, 60), "blue")))
    run_until(qloop, lambda: ready(tab, 1))
    tab.prompt_edit.setPlainText("What is in the sky?")
    tab.detail_picker.setCurrentText("low")
    seen_in_panel: list[str] = []
    tab.model.text_arrived.connect(lambda *_: seen_in_panel.append(tab.panel.editor.toPlainText()))
    qtbot.mouseClick(tab.describe_button, Qt.MouseButton.LeftButton)
    run_until(qloop, lambda: tab.model.items[0].state is ItemState.DONE)
    item = tab.model.items[0]
    assert "heard 5 word(s): “What is in the sky?”" in item.description
    assert "- image 1: a 90×60 PNG image, mostly blue (#0000ff)" in item.description
    assert len(seen_in_panel) > 10 and seen_in_panel[-1] == item.description  # it streamed
    assert tab.panel.editor.toPlainText() == item.description
    assert cell(tab, 0, DESCRIPTION).startswith("**gpt-4o** heard 5 word(s)")
    sent = openai_server.requests[-1].body["messages"][0]["content"][1]["image_url"]
    assert sent["detail"] == "low"

    tab.panel.copy_button.click()
    assert QGuiApplication.clipboard().text() == item.description

    tab.panel.editor.setPlainText("A clear blue sky.")
    run_until(qloop, lambda: chat.store.get_message(item.reply_id).content == "A clear blue sky.")
    assert item.description == "A clear blue sky."

    chat_tab = ChatTab(chat, ModelCatalog(chat.store, chat.gateway), "gpt-4o")
    qtbot.addWidget(chat_tab)
    tab.chat_requested.connect(chat_tab.open_dialogue)
    tab.panel.chat_button.click()
    assert chat_tab.dialogue_id == item.dialogue_id
    chat_tab.input.setPlainText("Is it cloudy?")
    run(qloop, chat_tab.send())
    follow_up = openai_server.requests[-1].body["messages"]
    assert follow_up[0]["content"][1]["type"] == "image_url"  # the image goes along again
    assert follow_up[-1] == {"role": "user", "content": "Is it cloudy?"}
    run(qloop, chat_tab.shutdown())


def test_batch_of_twenty_with_a_corrupt_file_and_a_server_fault(
    qloop, tab: ImagesTab, chat: ChatSession, openai_server: OpenAIServer, tmp_path: Path
) -> None:
    paths = [
        write_image(tmp_path / f"img{n:02}.png", (40 + n, 30), COLOURS[n % len(COLOURS)])
        for n in range(20)
    ]
    paths[7].write_bytes(paths[7].read_bytes()[:60])  # corrupt: cut short
    openai_server.add_fault(Fault(status=500, times=1))
    assert drag_and_drop(qloop, tab, file_urls(*paths))
    run_until(qloop, lambda: ready(tab, 20))
    describing_at_once: list[int] = []
    progress: list[int] = []
    tab.model.item_updated.connect(
        lambda _item: describing_at_once.append(
            sum(i.state is ItemState.DESCRIBING for i in tab.model.items)
        )
    )
    tab.progress.valueChanged.connect(progress.append)
    tab.describe_all_button.click()
    run_until(qloop, lambda: tab.busy)
    run_until(qloop, lambda: not tab.busy, timeout=30)

    items = tab.model.items
    corrupt = items[7]
    assert corrupt.state is ItemState.FAILED and "damaged" in corrupt.error
    faulted = [i for i in items if i.state is ItemState.FAILED and i is not corrupt]
    assert len(faulted) == 1 and "The server had a problem (500)" in faulted[0].error
    done = [i for i in items if i.state is ItemState.DONE]
    assert len(done) == 18
    for item in done:  # each description is about its own image
        n = int(item.name[3:5])
        colour = COLOURS[n % len(COLOURS)]
        assert f"a {40 + n}×30 PNG image, mostly {colour}" in item.description
    assert max(describing_at_once) == 4
    assert progress[-1] == 20 and progress == sorted(progress)
    assert "Described 18 of 20 image(s). 2 failed" in tab.banner.text
    assert len(chat.store.list_dialogues(limit=50)) == 19  # the corrupt file never got one


def test_cancel_mid_batch(
    qloop, tab: ImagesTab, chat: ChatSession, openai_server: OpenAIServer, tmp_path: Path
) -> None:
    openai_server.chunk_delay = 0.05
    paths = [write_image(tmp_path / f"{n}.png", (20 + n, 20)) for n in range(8)]
    assert drag_and_drop(qloop, tab, file_urls(*paths))
    run_until(qloop, lambda: ready(tab, 8))
    tab.describe_all_button.click()
    run_until(qloop, lambda: sum(bool(i.description) for i in tab.model.items) == 4)
    assert tab.cancel_button.isVisible()
    tab.cancel_button.click()
    run_until(qloop, lambda: not tab.busy)
    items = tab.model.items
    assert all(i.state is ItemState.CANCELLED for i in items)
    started = [i for i in items if i.reply_id is not None]
    assert len(started) == 4
    for item in started:
        reply = chat.store.get_message(item.reply_id)
        assert reply.status.value in ("interrupted", "error") and reply.content == item.description
    assert all(i.error == "Cancelled before it started." for i in items if i not in started)
    assert "Cancelled" in tab.banner.text
    assert openai_server.wait_for_disconnect(3, count=4)
    assert tab.describe_all_button.isEnabled()  # cancelled images can be tried again


def test_model_picker_offers_models_that_take_images(
    qloop, tab: ImagesTab, openai_server: OpenAIServer
) -> None:
    openai_server.models += [
        {"id": "house-vision", "object": "model", "created": 1, "owned_by": "me",
         "input_modalities": ["text", "image"]},
        {"id": "gpt-4o-text-only", "object": "model", "created": 1, "owned_by": "me",
         "input_modalities": ["text"]},
        {"id": "llava:13b", "object": "model", "created": 1, "owned_by": "me"},
        {"id": "mistral", "object": "model", "created": 1, "owned_by": "me"},
    ]  # fmt: skip
    run(qloop, tab.refresh_models())
    picker = tab.model_picker
    names = [picker.itemText(i) for i in range(picker.count())]
    assert names == ["gpt-4o", "gpt-4o-mini", "house-vision", "llava:13b", "o4-mini"]
    assert tab.model_name == "gpt-4o" and picker.isEditable()


def test_save_descriptions(qloop, tab: ImagesTab, tmp_path: Path) -> None:
    assert drag_and_drop(qloop, tab, file_urls(write_image(tmp_path / "a.png")))
    run_until(qloop, lambda: ready(tab, 1))
    assert not tab.save_button.isEnabled()
    run(qloop, tab.describe_all())
    assert tab.save_button.isEnabled()
    run(qloop, tab.save_descriptions(tmp_path / "out.csv"))
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out.csv").read_text("utf-8"))))
    assert [r["file_name"] for r in rows] == ["a.png"] and rows[0]["model"] == "gpt-4o"
    assert "Saved 1 description(s)" in tab.banner.text


def test_model_passes_the_model_tester(
    qloop, qtmodeltester, tab: ImagesTab, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    paths = [write_image(tmp_path / f"{n}.png") for n in range(3)]
    (tmp_path / "bad.png").write_bytes(b"")
    assert drag_and_drop(qloop, tab, file_urls(*paths, tmp_path / "bad.png"))
    run_until(qloop, lambda: ready(tab, 4))
    qtmodeltester.check(tab.model)
    tab.table.selectRow(1)
    tab.remove()
    assert [i.name for i in tab.model.items] == ["0.png", "2.png", "bad.png"]
    qtmodeltester.check(tab.model)


def test_starting_the_app_does_not_import_pillow() -> None:
    code = (
        "import sys; import desktop_app.app; import desktop_app.ui.images.images_tab; "
        "import desktop_app.services.image_describer; print('PIL' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_the_app_builds_the_tab_and_continues_in_chat(
    qloop, qapp, qtbot, paths: AppPaths, fake_keyring, openai_server: OpenAIServer
) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from desktop_app.app import Parley
    from desktop_app.services.settings import Settings, save_settings

    settings = replace(Settings(), provider="custom", base_url=openai_server.url)
    save_settings(settings, paths.settings_file)
    parley = Parley(qapp, paths, secret_backend=fake_keyring, discovery_candidates=[])
    qtbot.addWidget(parley.window)
    run(qloop, parley.start())
    try:
        images = parley.window.tab("Images")
        assert isinstance(images, ImagesTab) and images is parley.images_tab
        run_until(qloop, lambda: images.model_picker.count() == 3)  # after connecting
        dialogue = parley.store.create_dialogue("Image: x.png", "gpt-4o")
        images.chat_requested.emit(dialogue)
        assert parley.window.tabs.currentWidget() is parley.chat_tab
        assert parley.chat_tab.dialogue_id == dialogue
    finally:
        run(qloop, parley.shutdown())
