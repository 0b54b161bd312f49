"""The Chat tab's composer driven as a user drives it: paste, drop, attach, remove, send."""

from __future__ import annotations

import io
import itertools
import threading
import time
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, Qt, QTimer, QUrl
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragLeaveEvent,
    QGuiApplication,
    QImage,
)
from PySide6.QtWidgets import QApplication

from desktop_app.ui.chat import pending_images
from desktop_app.ui.chat.message_input import LONG_PASTE_CHARS
from tests.support.drops import drop_on, file_urls
from tests.support.images import image_bytes, write_image
from tests.support.loop import run, run_until


def composer_of(parley):  # type: ignore[no-untyped-def]
    return parley.chat_tab.composer


def ready(composer, count: int) -> bool:  # type: ignore[no-untyped-def]
    """`count` images attached and none still being prepared."""
    return len(composer.images) == count and composer.preparing == 0


def paste(qtbot, tab, mime: QMimeData | None = None) -> None:  # type: ignore[no-untyped-def]
    if mime is not None:
        QGuiApplication.clipboard().setMimeData(mime)
    tab.input.setFocus()
    qtbot.keyClick(tab.input, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)


def red_qimage(width: int = 40, height: int = 30) -> QImage:
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor(255, 0, 0))
    return image


def type_and_send(qtbot, tab, text: str) -> None:  # type: ignore[no-untyped-def]
    tab.input.setFocus()
    qtbot.keyClicks(tab.input, text)
    qtbot.keyClick(tab.input, Qt.Key.Key_Return)


def chat_requests(parley) -> list[dict]:  # type: ignore[no-untyped-def, type-arg]
    """The chat completions the tab sent (not the start-up capability probes)."""
    requests = parley.test_server.requests
    return [r.body for r in requests if r.body and r.body.get("stream") and "messages" in r.body]


def sent_until_idle(qloop, parley, timeout: float = 10) -> dict:  # type: ignore[no-untyped-def, type-arg]
    tab = parley.chat_tab
    run_until(qloop, lambda: tab.dialogue_id is not None and not tab.busy, timeout)
    return chat_requests(parley)[-1]


@pytest.fixture(autouse=True)
def empty_clipboard():  # type: ignore[no-untyped-def]
    yield
    QGuiApplication.clipboard().clear()


# --- images in, images out -------------------------------------------------------------------


def test_paste_an_image_and_a_file_url_then_send(qloop, qtbot, parley, tmp_path: Path) -> None:
    tab, composer = parley.chat_tab, composer_of(parley)
    QGuiApplication.clipboard().setImage(red_qimage(40, 30))
    paste(qtbot, tab)
    blue = write_image(tmp_path / "blue.jpg", (30, 20), "blue", "JPEG")
    paste(qtbot, tab, file_urls(blue))
    run_until(qloop, lambda: ready(composer, 2))
    assert tab.input.toPlainText() == ""  # nothing of either paste went in as text
    chips = list(composer.strip.chips.values())
    assert composer.strip.isVisible() and len(chips) == 2
    assert not chips[0].preview.pixmap().isNull() and "40×30" in chips[0].caption.text()
    assert "blue.jpg" in chips[1].caption.text()

    type_and_send(qtbot, tab, "What colours are these?")
    body = sent_until_idle(qloop, parley)
    [message] = body["messages"]
    assert [p["type"] for p in message["content"]] == ["text", "image_url", "image_url"]
    assert message["content"][0]["text"] == "What colours are these?"
    user, reply = parley.store.messages(tab.dialogue_id)
    assert "a 40×30 PNG image, mostly red" in reply.content
    assert "a 30×20 JPEG image, mostly blue" in reply.content
    assert [(a.name, a.mime) for a in user.attachments] == [
        ("pasted image 1.png", "image/png"),
        ("blue.jpg", "image/jpeg"),
    ]
    for attachment in user.attachments:
        assert parley.store.attachment_path(attachment).stat().st_size == attachment.size
    assert composer.empty and not composer.strip.isVisible()  # ready for the next message
    # The transcript draws them above the user's bubble; a click opens one full size.
    view = tab.transcript
    view.scroll_to_item(0, top=True)
    [images] = [p for p in view.items[0].parts if p.kind == "images"]
    assert [(t[1].width(), t[1].height()) for t in images.thumbs] == [(40, 30), (30, 20)]
    pixel = (
        view.viewport()
        .grab()
        .toImage()
        .pixelColor((view.item_rect(0).topLeft() + images.thumbs[0][0].center()).toPoint())
    )
    assert pixel.red() > 200 and pixel.green() < 60  # the red one, really painted
    opened = []
    view.image_opened.connect(opened.append)
    click = (view.item_rect(0).topLeft() + images.thumbs[1][0].center()).toPoint()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=click)
    assert [a.name for a in opened] == ["blue.jpg"]
    assert tab.preview.isVisible() and tab.preview.loaded  # shown full size, not blocking
    assert tab.preview.label.pixmap().width() == 30
    tab.preview.close()


def test_drop_a_file_anywhere_on_the_chat_tab(qloop, qtbot, parley, tmp_path: Path) -> None:
    tab, composer = parley.chat_tab, composer_of(parley)
    green = write_image(tmp_path / "green.png", (50, 40), "green")
    assert drop_on(qloop, tab.transcript.viewport(), file_urls(green))  # over the dialogue
    run_until(qloop, lambda: ready(composer, 1))
    encoded = QMimeData()
    encoded.setData("image/png", image_bytes((20, 10), "yellow"))
    assert drop_on(qloop, tab.input, encoded)  # on the box itself too
    run_until(qloop, lambda: ready(composer, 2))
    words = QMimeData()
    words.setText("just some words")
    assert not drop_on(qloop, tab, words)  # the tab refuses what would attach nothing
    assert not composer.drop_note.isVisible()
    assert [i.name for i in composer.images.values()] == ["green.png", "pasted image 1.png"]

    tab.input.setFocus()
    qtbot.keyClick(tab.input, Qt.Key.Key_Return)  # images without words are sent too
    [message] = sent_until_idle(qloop, parley)["messages"]
    assert [p["type"] for p in message["content"]] == ["image_url", "image_url"]


def test_dragging_files_over_the_tab_says_they_will_be_attached(
    qloop, qtbot, parley, tmp_path: Path
) -> None:
    tab, composer = parley.chat_tab, composer_of(parley)
    mime = file_urls(write_image(tmp_path / "a.png"))
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(QPoint(20, 20), Qt.DropAction.CopyAction, mime, buttons, keys)
    QApplication.sendEvent(tab.transcript.viewport(), enter)
    assert enter.isAccepted() and composer.drop_note.isVisible()
    QApplication.sendEvent(tab, QDragLeaveEvent())
    assert not composer.drop_note.isVisible() and composer.images == {}


def test_attach_button_and_removing_thumbnails(qloop, qtbot, parley, tmp_path: Path) -> None:
    tab, composer = parley.chat_tab, composer_of(parley)
    names = ("red.png", "green.png", "blue.png")
    for name in names:
        path = write_image(tmp_path / name, (16, 16), name.removesuffix(".png"))
        qtbot.mouseClick(composer.attach_button, Qt.MouseButton.LeftButton)
        dialog = composer.attach_dialog
        assert dialog is not None and dialog.isVisible()  # opened with open(), not exec()
        dialog.selectFile(str(path))
        dialog.accept()
    run_until(qloop, lambda: ready(composer, 3))
    red, green, blue = (chip for chip in composer.strip.chips.values())

    qtbot.mouseClick(green.remove_button, Qt.MouseButton.LeftButton)
    assert [i.name for i in composer.images.values()] == ["red.png", "blue.png"]
    tab.input.setFocus()
    for expected in (composer.attach_button, blue.remove_button, blue):  # Shift+Tab from the box
        qtbot.keyClick(tab.window().focusWidget(), Qt.Key.Key_Backtab)
        assert tab.window().focusWidget() is expected
    qtbot.keyClick(blue, Qt.Key.Key_Delete)  # the keyboard way
    assert [i.name for i in composer.images.values()] == ["red.png"]
    assert tab.window().focusWidget() is red  # the neighbour takes the focus
    qtbot.keyClick(red, Qt.Key.Key_Backspace)
    assert composer.images == {} and not composer.strip.isVisible()
    assert tab.window().focusWidget() is tab.input  # back to the box

    qtbot.mouseClick(composer.attach_button, Qt.MouseButton.LeftButton)
    composer.attach_dialog.selectFile(str(tmp_path / "blue.png"))
    composer.attach_dialog.accept()
    run_until(qloop, lambda: ready(composer, 1))
    type_and_send(qtbot, tab, "Only this one")
    [message] = sent_until_idle(qloop, parley)["messages"]
    assert sum(p["type"] == "image_url" for p in message["content"]) == 1
    [user, _reply] = parley.store.messages(tab.dialogue_id)
    assert [a.name for a in user.attachments] == ["blue.png"]


# --- bad input -------------------------------------------------------------------------------


def test_each_bad_input_gets_a_line_and_loses_nothing(qloop, qtbot, parley, tmp_path: Path) -> None:
    tab, composer = parley.chat_tab, composer_of(parley)
    good = write_image(tmp_path / "good.png", (20, 20), "red")
    whole = io.BytesIO()
    Image.effect_noise((300, 200), 50).save(whole, "PNG")
    (tmp_path / "cut.png").write_bytes(whole.getvalue()[:1500])
    (tmp_path / "paper.png").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n")
    (tmp_path / "notes.png").write_text("Dear diary, today I renamed a text file.")
    (tmp_path / "album").mkdir()
    qtbot.keyClicks(tab.input, "Keep these words")
    assert drop_on(qloop, tab, file_urls(good))
    run_until(qloop, lambda: ready(composer, 1))

    bad = [tmp_path / n for n in ("cut.png", "paper.png", "notes.png", "album")]
    assert drop_on(qloop, tab, file_urls(*bad))
    run_until(qloop, lambda: ready(composer, 1))
    lines = composer.problem_note.text().splitlines()
    assert composer.problem_note.isVisible()
    assert lines[0] == "⚠ “album” is a folder; attach the images in it instead."
    assert sorted(lines[1:]) == [
        "⚠ “cut.png” was not attached: The image file is damaged or incomplete (truncated); "
        "it may not have finished downloading or copying.",
        "⚠ “notes.png” was not attached: This is not an image: it contains text.",
        "⚠ “paper.png” was not attached: This is not an image: it is a PDF document.",
    ]
    assert "Traceback" not in composer.problem_note.text()
    assert [i.name for i in composer.images.values()] == ["good.png"]  # kept
    assert tab.input.toPlainText() == "Keep these words"  # kept

    drop_on(qloop, tab, file_urls(good))  # the same file twice is attached once
    assert "“good.png” is attached already." in composer.problem_note.text()
    assert len(composer.images) == 1

    garbage = QMimeData()  # "image" data from the clipboard that is none
    garbage.setData("image/png", b"GIF89a? no, not even that")
    paste(qtbot, tab, garbage)
    odd = QMimeData()  # neither text nor an image
    odd.setData("application/x-spreadsheet-cells", b"\x00\x01")
    paste(qtbot, tab, odd)
    assert "That held neither text nor an image Parley can attach." in composer.problem_note.text()
    run_until(qloop, lambda: ready(composer, 1))
    assert "“pasted image 1.png” was not attached: This is not an image" in (
        composer.problem_note.text()
    )

    QGuiApplication.clipboard().setText(" and these")  # text is pasted as text
    tab.input.moveCursor(tab.input.textCursor().MoveOperation.End)
    paste(qtbot, tab)
    assert tab.input.toPlainText() == "Keep these words and these"
    assert len(composer.images) == 1
    assert chat_requests(parley) == []  # nothing was sent


def test_a_50_mb_image_is_downscaled_without_freezing_the_window(
    qloop, qtbot, parley, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    composer = composer_of(parley)
    path = tmp_path / "50mb.png"
    Image.new("RGB", (4200, 4200), (0, 0, 255)).save(path, compress_level=0)
    assert path.stat().st_size > 50 * 1024 * 1024
    on_ui_thread: list[str] = []
    real = pending_images.prepare_image

    def watched(*args, **kwargs):  # type: ignore[no-untyped-def]
        if threading.current_thread() is threading.main_thread():
            on_ui_thread.append("prepare_image")
        return real(*args, **kwargs)

    monkeypatch.setattr(pending_images, "prepare_image", watched)
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start(10)
    assert drop_on(qloop, parley.chat_tab, file_urls(path))
    run_until(qloop, lambda: ready(composer, 1), timeout=30)
    timer.stop()
    [item] = composer.images.values()
    assert (item.prepared.width, item.prepared.height) == (768, 768)
    chip = composer.strip.chips[item.key]
    assert "768×768, scaled down from 4200×4200" in chip.caption.text().replace("\n", " ")
    assert "downscaled from 4200×4200" in chip.toolTip()
    assert on_ui_thread == []
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert max(gaps) < 1.0, f"the UI thread stalled for {max(gaps):.2f} s"


# --- sending while an image is prepared ------------------------------------------------------


@pytest.fixture
def slow_preparation(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Image preparation that waits for the test to let it finish."""
    release = threading.Event()
    real = pending_images.prepare_pending

    def slow(name, source):  # type: ignore[no-untyped-def]
        release.wait(10)
        return real(name, source)

    monkeypatch.setattr(pending_images, "prepare_pending", slow)
    yield release
    release.set()


def test_send_waits_for_an_image_still_being_prepared(
    qloop, qtbot, parley, tmp_path: Path, slow_preparation: threading.Event
) -> None:
    tab, composer = parley.chat_tab, composer_of(parley)
    assert drop_on(qloop, tab, file_urls(write_image(tmp_path / "late.png", (24, 24), "red")))
    type_and_send(qtbot, tab, "Look at this")
    run(qloop, tab.send())  # pressing Send does the same
    assert composer.waiting_note.isVisible()
    assert composer.waiting_note.text() == "Sending as soon as the image is ready…"
    assert chat_requests(parley) == [] and tab.dialogue_id is None
    assert tab.input.toPlainText() == "Look at this"

    slow_preparation.set()
    [message] = sent_until_idle(qloop, parley)["messages"]
    assert [p["type"] for p in message["content"]] == ["text", "image_url"]
    assert not composer.waiting_note.isVisible() and composer.empty
    assert len(parley.store.messages(tab.dialogue_id)) == 2  # sent once, not twice


def test_an_image_failing_while_the_send_waits_stops_the_send(
    qloop, qtbot, parley, tmp_path: Path, slow_preparation: threading.Event
) -> None:
    tab, composer = parley.chat_tab, composer_of(parley)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    assert drop_on(qloop, tab, file_urls(broken))
    type_and_send(qtbot, tab, "And this?")
    slow_preparation.set()
    run_until(qloop, lambda: composer.preparing == 0 and composer.problem_note.isVisible())
    assert "The message was not sent" in composer.problem_note.text()
    assert chat_requests(parley) == [] and tab.input.toPlainText() == "And this?"


# --- text ------------------------------------------------------------------------------------


def test_text_goes_out_exactly_as_typed_and_pasted(qloop, qtbot, parley) -> None:
    tab = parley.chat_tab
    code = "def f(x):\n    return x\u00a0+ 1\n\n\tdone  "
    qtbot.keyClicks(tab.input, "  Why does this fail?")
    qtbot.keyClick(tab.input, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    QGuiApplication.clipboard().setText(code)
    paste(qtbot, tab)
    office = QMimeData()  # a word processor: the text and a picture of it
    office.setText("\nsee above")
    office.setImageData(red_qimage())
    paste(qtbot, tab, office)
    tab.input.setFocus()
    qtbot.keyClick(tab.input, Qt.Key.Key_Return)
    expected = f"  Why does this fail?\n{code}\nsee above"
    [message] = sent_until_idle(qloop, parley)["messages"]
    assert message["content"] == expected
    user, _reply = parley.store.messages(tab.dialogue_id)
    assert user.content == expected and user.attachments == []


def test_a_5_mb_paste_becomes_an_attachment_and_goes_out_whole(qloop, qtbot, parley) -> None:
    tab, composer = parley.chat_tab, composer_of(parley)
    line = "2026-12-01 12:00:00 INFO worker 17 finished batch 4096 in 0.25 s; all good\n"
    log_text = line * (5 * 1024 * 1024 // len(line))
    QGuiApplication.clipboard().setText(log_text)
    started = time.perf_counter()
    paste(qtbot, tab)
    QApplication.processEvents()
    took = time.perf_counter() - started
    assert took < 0.5, f"pasting 5 MB took {took:.2f} s"
    assert tab.input.toPlainText() == ""  # the box stays quick to type in
    [chip] = composer.strip.chips.values()
    assert "pasted text 1" in chip.caption.text() and "5.0 MB" in chip.caption.text()
    assert f"{log_text.count(chr(10)) + 1:,} lines" in chip.caption.text()
    assert "attached as “pasted text 1”" in composer.problem_note.text()

    type_and_send(qtbot, tab, "Summarise this log:")
    # The test server echoes the message back; a 5 MB echo is not what this test is about.
    run_until(qloop, lambda: chat_requests(parley), timeout=30)
    tab.stop()
    run_until(qloop, lambda: not tab.busy, timeout=30)
    [message] = chat_requests(parley)[-1]["messages"]
    assert message["content"] == "Summarise this log:\n\n" + log_text
    user, _reply = parley.store.messages(tab.dialogue_id)
    assert user.content == "Summarise this log:\n\n" + log_text
    assert composer.empty and composer.strip.chips == {}


def test_a_long_paste_just_under_the_limit_goes_in_the_box(qloop, qtbot, parley) -> None:
    tab = parley.chat_tab
    text = "x" * (LONG_PASTE_CHARS - 1)
    QGuiApplication.clipboard().setText(text)
    paste(qtbot, tab)
    assert tab.input.toPlainText() == text and composer_of(parley).strip.chips == {}


def test_the_box_grows_with_its_text_then_scrolls(qloop, qtbot, parley) -> None:
    tab = parley.chat_tab
    small = tab.input.height()
    for _ in range(4):
        qtbot.keyClicks(tab.input, "a line")
        qtbot.keyClick(tab.input, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    grown = tab.input.height()
    assert grown > small and tab.input.verticalScrollBar().maximum() == 0  # all lines shown
    for _ in range(30):
        qtbot.keyClick(tab.input, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    tallest = tab.input.height()
    assert tallest > grown and tab.input.verticalScrollBar().maximum() > 0
    tab.input.clear()
    assert tab.input.height() == small


# --- the model note --------------------------------------------------------------------------


def test_a_note_when_the_model_may_not_take_images(qloop, qtbot, parley, tmp_path: Path) -> None:
    tab, composer = parley.chat_tab, composer_of(parley)
    tab.model_picker.setCurrentText("o3-mini")
    assert not composer.model_note.isVisible()  # no image yet: nothing to say
    assert drop_on(qloop, tab, file_urls(write_image(tmp_path / "a.png", (10, 10), "red")))
    assert composer.model_note.isVisible()
    assert composer.model_note.text().startswith("⚠ o3-mini may not take images")
    # Once laid out, the splitter gives the composer room for the note (never squeezes it).
    run_until(qloop, lambda: composer.height() >= composer.minimumSizeHint().height(), 2)
    tab.model_picker.setCurrentText("gpt-4o")
    assert not composer.model_note.isVisible()
    tab.model_picker.setCurrentText("o3-mini")
    assert composer.model_note.isVisible()
    run_until(qloop, lambda: ready(composer, 1))
    type_and_send(qtbot, tab, "Try anyway")  # not blocked: the server decides
    [message] = sent_until_idle(qloop, parley)["messages"]
    assert any(p["type"] == "image_url" for p in message["content"])
    assert not composer.model_note.isVisible()  # the image went with the message


# --- what counts as an attachment ------------------------------------------------------------


def test_what_a_paste_attaches_and_what_stays_text(qapp, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from desktop_app.ui.chat.clipboard_sorting import attachable_payload, could_attach

    browser = QMimeData()  # "Copy image" in a browser: the picture and its address
    browser.setImageData(red_qimage())
    browser.setText("https://example.org/cat.png")
    payload = attachable_payload(browser)
    assert payload is not None and len(payload.images) == 1

    link = QMimeData()  # a link is text, never fetched
    link.setUrls([QUrl("https://example.org/cat.png")])
    assert attachable_payload(link) is None and not could_attach(link)

    files = file_urls(tmp_path / "a.png", tmp_path / "b.txt")  # files are attachments, any kind
    payload = attachable_payload(files)
    assert payload is not None and [p.name for p in payload.paths] == ["a.png", "b.txt"]
    assert could_attach(files)
