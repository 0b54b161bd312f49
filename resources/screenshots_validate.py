"""Screenshots of the Training tab's Validate panel, in both themes.

    xvfb-run -a .venv/bin/python resources/screenshots_validate.py [--size 1100x720] [--out DIR]

A Parley of its own (a fresh temporary PARLEY_HOME, as resources/screenshots.py sets one up)
against the project's test server validates two datasets it writes there: `support` — 50
support conversations with a training file and its validation file, a few problems in each
(an error, a warning, notes; the validation file too small) — and `clean`, the same data
without problems. Writes `validate-<dataset>-<theme>.png` into resources/screenshots/training/
(or DIR), and `build-left-out-<theme>.png`: the Build panel after a labelled CSV with a few
rows it cannot use, each listed under "Rows left out". Nothing here touches the user's own
data, settings or keyring.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from screenshots import (
    DEFAULT_SIZE,
    ROOT,
    THEMES,
    parley_on_test_server,
    print_written,
    run_on_display,
    save_grab,
    settle,
    wait_until,
)

DEFAULT_OUT = ROOT / "resources" / "screenshots" / "training"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default=DEFAULT_SIZE, help="window size, WIDTHxHEIGHT")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the PNGs")
    return parser.parse_args(argv)


def datasets(folder: Path) -> dict[str, tuple[Path, Path | None]]:
    from tests.support.training_data import support_examples, write_jsonl

    lines: list[Any] = support_examples(50)
    clean = write_jsonl(folder / "clean.jsonl", lines)
    broken = [dict(e) for e in lines]
    broken[7] = {"messages": [*lines[7]["messages"][:1], {"role": "user", "content": " "},
                              *lines[7]["messages"][2:]]}  # fmt: skip
    broken[20] = {"messages": [m for m in lines[20]["messages"] if m["role"] != "user"]}
    broken[31] = {**lines[31], "notes": "kept for later"}
    train = write_jsonl(folder / "support.jsonl", broken)
    held = write_jsonl(folder / "support.validation.jsonl", support_examples(4, seed=9))
    return {"support": (train, held), "clean": (clean, None)}


async def left_out(parley: Any, home: Path, out: Path) -> list[Path]:
    from PySide6.QtWidgets import QApplication

    from desktop_app.ui.theme import apply_theme
    from tests.support.training_data import labelled_csv

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    source = labelled_csv(home / "answers.csv", rows=8)
    with source.open("a", encoding="utf-8") as f:
        f.write('"What is 9 plus 9?","18",maybe\n"What is 10 plus 10?","",positive\n')
    tab = parley.training_tab
    tab.show_panel(tab.build)
    await tab.build.preview_source(source)
    await tab.build.add_rows()
    written = []
    for theme in THEMES:
        apply_theme(app, theme)
        await settle()
        written.append(save_grab(parley.window, out / f"build-left-out-{theme}.png"))
    apply_theme(app, THEMES[0])
    return written


async def run(args: argparse.Namespace) -> int:
    from PySide6.QtWidgets import QApplication

    from desktop_app.ui.theme import apply_theme

    width, height = (int(part) for part in args.size.lower().split("x"))
    args.out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    async with parley_on_test_server((width, height), "parley-validate-") as scene:
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        parley = scene.parley
        tab = parley.training_tab
        parley.window.tabs.setCurrentWidget(tab)
        written += await left_out(parley, scene.home, args.out)
        tab.show_panel(tab.validation)
        for name, (path, held) in datasets(scene.home).items():
            tab.validation.set_file(path, held)
            await tab.validation.validate()
            await wait_until(lambda: tab.validation.report is not None)
            for theme in THEMES:
                apply_theme(app, theme)
                await settle()
                out = args.out / f"validate-{name}-{theme}.png"
                written.append(save_grab(parley.window, out))
            apply_theme(app, THEMES[0])
    print_written(written)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    return run_on_display("screenshots_validate.py", lambda: run(args))


if __name__ == "__main__":
    sys.exit(main())
