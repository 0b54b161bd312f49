"""Screenshots of every tab in the light and the dark theme, against the test server.

    xvfb-run -a .venv/bin/python resources/screenshots.py [--size 1100x720] [--out DIR]

Starts the project's OpenAI-compatible test server (tests/openai_server) on 127.0.0.1, starts
Parley with a temporary PARLEY_HOME pointed at it (provider Custom, any key: README, "Trying it
without an API key"), holds two short dialogues, adds an image and an assistant, and writes
`<tab>-<theme>.png` for each tab and the Settings dialog into resources/screenshots/ (or DIR);
the Chat tab in the light theme also becomes the README's picture, resources/screenshot.png
(only with the default size and folder). Run it on a real X server (Xvfb), not offscreen:
offscreen has no real fonts. Nothing here touches the user's own data, settings or keyring.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "resources" / "screenshots"
README_PICTURE = ROOT / "resources" / "screenshot.png"
DEFAULT_SIZE = "1100x720"
THEMES = ("light", "dark")
PROMPTS = (
    ["How do I read a CSV file with pandas and keep only two columns?", "And sort it by date?"],
    ["Write a haiku about a quiet morning."],
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default=DEFAULT_SIZE, help="window size, WIDTHxHEIGHT")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the PNGs")
    return parser.parse_args(argv)


async def wait_until(condition: Callable[[], Any], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.05)
    return False


async def settle(seconds: float = 0.4) -> None:
    """Let layouts, paints and queued palette changes happen."""
    await asyncio.sleep(seconds)


async def chat(parley: Any, prompts: list[str]) -> None:
    """Type each prompt into the composer and send it, as a user would, then wait for the
    reply; works with any composer that has `input` (a text edit) and `send()`."""
    tab = parley.chat_tab
    for prompt in prompts:
        composer = tab.input
        composer.setFocus()
        if hasattr(composer, "setPlainText"):
            composer.setPlainText(prompt)
        else:
            composer.setText(prompt)
        await tab.send()
        await wait_until(lambda: not tab.busy, timeout=30)


async def fill(parley: Any, home: Path) -> None:
    """Two dialogues, an image, an assistant: enough for every tab to show something."""
    await wait_until(lambda: parley.chat_tab.model_picker.count() > 1)
    for index, prompts in enumerate(PROMPTS):
        if index:
            parley.chat_tab.new_dialogue()
        await chat(parley, prompts)
    from tests.support.images import write_image

    picture = write_image(home / "pictures" / "harbour.png", (640, 420), "steelblue")
    await chat_about_a_picture(parley, picture)
    images = parley.images_tab
    await images.intake.add_paths([picture])
    await wait_until(lambda: images.model.rowCount() > 0)
    images.table.selectRow(0)
    await images.describe_all()

    assistants = parley.assistants_tab
    await assistants.new_assistant()
    assistants.editor.name.setText("Proofreader")
    assistants.editor.description.setText("Checks spelling and grammar, keeps the tone")
    assistants.editor.instructions.setPlainText(
        "Correct the user's text. Keep their voice; list each change you made."
    )
    await assistants.save()
    history = parley.history_tab
    await history.refresh(force=True)
    await wait_until(lambda: history.model.rowCount() > 0)
    history.list_view.setCurrentIndex(history.model.index(1, 0))


async def chat_about_a_picture(parley: Any, picture: Path) -> None:
    """In the haiku dialogue: another version of its reply, rated, then a picture sent with a
    question, so the Chat tab shows versions, a thumbnail and a rating."""
    from desktop_app.ui.images.drop_zone import DropPayload

    tab = parley.chat_tab
    await tab.regenerate()
    await wait_until(lambda: not tab.jobs)
    tab.commands.rate(tab.transcript.messages[-1].id, 1)
    tab.composer.add_payload(DropPayload(paths=[picture]))
    await wait_until(lambda: tab.composer.preparing == 0, timeout=30)
    tab.input.setPlainText("What is in this picture?")
    await tab.send()
    await wait_until(lambda: not tab.jobs, timeout=30)


def focus_last_reply(parley: Any) -> None:
    """Select the haiku's reply with the keyboard: its actions and versions show."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    view = parley.chat_tab.transcript
    view.setFocus()
    QTest.keyClick(view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    for _ in range(2):
        QTest.keyClick(view, Qt.Key.Key_Up)


async def shoot(parley: Any, out: Path) -> list[Path]:
    from PySide6.QtWidgets import QApplication

    from desktop_app.ui.theme import apply_theme

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    window = parley.window
    written = []
    for theme in THEMES:
        apply_theme(app, theme)
        await settle()
        for index in range(window.tabs.count()):
            window.tabs.setCurrentIndex(index)
            await settle()
            name = window.tabs.tabText(index).lower().replace("&", "")
            if name == "chat":
                focus_last_reply(parley)
                await settle()
            written.append(save_grab(window, out / f"{name}-{theme}.png"))
            if theme == THEMES[0]:
                hint = window.minimumSizeHint()
                print(f"{name}: the window can shrink to {hint.width()}×{hint.height()}")
        parley.open_settings()
        await settle()
        dialog = parley.settings_dialog
        path = out / f"settings-{theme}.png"
        dialog.grab().save(str(path))
        written.append(path)
        dialog.reject()
        await settle(0.1)
    return written


@dataclass
class Scene:
    """One Parley and what it runs against."""

    parley: Any
    server: Any
    home: Path
    extra: dict[str, Any] = field(default_factory=dict)


# before Parley is made: (server, home, paths, stack); `stack` closes after Parley has shut down
BeforeStart = Callable[[Any, Path, Any, ExitStack], None]


@asynccontextmanager
async def parley_on_test_server(
    size: tuple[int, int],
    prefix: str,
    before_start: BeforeStart | None = None,
    **settings: Any,
) -> AsyncIterator[Scene]:
    """A Parley of its own — a fresh temporary PARLEY_HOME, provider Custom at the project's
    test server with any key in a fake keyring, `settings` on top — shown at `size`, started
    and idle; shut down and closed on leaving. `before_start` runs once the settings are saved,
    before Parley is made."""
    from PySide6.QtWidgets import QApplication

    from desktop_app.app import Parley
    from desktop_app.services.paths import AppPaths
    from desktop_app.services.settings import Settings, save_settings
    from tests.openai_server import OpenAIServer
    from tests.support.fake_keyring import FakeKeyring

    with (
        OpenAIServer() as server,
        tempfile.TemporaryDirectory(prefix=prefix) as temp,
        ExitStack() as stack,
    ):
        home = Path(temp)
        os.environ["PARLEY_HOME"] = str(home)
        paths = AppPaths.from_environment()
        paths.ensure()
        saved = Settings(
            provider="custom",
            base_url=server.url,
            default_model="gpt-4o-mini",
            first_run_done=True,
            **settings,
        )
        save_settings(saved, paths.settings_file)
        if before_start is not None:
            before_start(server, home, paths, stack)
        keyring = FakeKeyring()
        keyring.set_password("Parley", "custom", "sk-any-key")
        parley = Parley(QApplication.instance(), paths, secret_backend=keyring)
        parley.window.resize(*size)
        parley.window.show()
        try:
            await parley.start()
            await wait_until(lambda: parley.tasks.running == 0)
            yield Scene(parley, server, home)
        finally:
            await parley.shutdown()
            parley.window.close()


def save_grab(widget: Any, path: Path) -> Path:
    """Write a picture of `widget` to `path` (SystemExit if it cannot be written)."""
    if not widget.grab().save(str(path)):
        raise SystemExit(f"could not write {path}")
    return path


async def run(args: argparse.Namespace) -> int:
    width, height = (int(part) for part in args.size.lower().split("x"))
    args.out.mkdir(parents=True, exist_ok=True)
    async with parley_on_test_server((width, height), "parley-shots-") as scene:
        parley = scene.parley
        await fill(parley, scene.home)
        await wait_until(lambda: parley.tasks.running == 0)
        written = await shoot(parley, args.out)
    if args.out == DEFAULT_OUT and args.size == DEFAULT_SIZE:
        shutil.copyfile(args.out / "chat-light.png", README_PICTURE)
    print_written(written)
    return 0


def print_written(written: list[Path]) -> None:
    """Say which pictures were written, relative to the project where they are inside it."""
    for path in written:
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


def run_on_display(script: str, run: Callable[[], Awaitable[int]]) -> int:
    """Run the coroutine `run` makes in Parley's Qt loop — on a real X display only (offscreen
    has no real fonts), with the project importable and unknown icon names failing here rather
    than in a picture. `script`: this script's file name, for the hint when there is none."""
    if os.environ.get("QT_QPA_PLATFORM") == "offscreen" or not os.environ.get("DISPLAY"):
        print(f"Run this on an X display: xvfb-run -a python resources/{script}")
        return 2
    sys.path.insert(0, str(ROOT))
    os.environ["PARLEY_STRICT"] = "1"  # an unknown icon name fails here, not in a picture
    from desktop_app.app import make_qt_app, run_in_qt_loop

    qt_app = make_qt_app()
    return run_in_qt_loop(qt_app, run)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run_on_display("screenshots.py", lambda: run(args))


if __name__ == "__main__":
    sys.exit(main())
