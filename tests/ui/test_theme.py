"""Theme: Parley's own palettes are really applied (even with no platform theme), and follow
the system's colour scheme when asked to."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QComboBox, QDialogButtonBox, QLabel, QToolButton

from desktop_app.ui import icons
from desktop_app.ui.palettes import DARK, DARK_DISABLED, LIGHT, LIGHT_DISABLED, make_palette
from desktop_app.ui.theme import apply_theme, is_dark, theme_colors, theme_notifier
from tests.ui.test_icons import opaque_colours

Role, Group = QPalette.ColorRole, QPalette.ColorGroup
ALL_ROLES = {role for role in Role if role not in (Role.NoRole, Role.NColorRoles)}


@pytest.fixture
def app(qapp: QApplication) -> Iterator[QApplication]:
    """The application, given back in the light theme the other tests expect."""
    yield qapp
    apply_theme(qapp, "light")


def luminance(colour: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in (colour.redF(), colour.greenF(), colour.blueF()))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: QColor, b: QColor) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize(("active", "disabled"), [(LIGHT, LIGHT_DISABLED), (DARK, DARK_DISABLED)])
def test_each_palette_defines_every_role_and_the_disabled_look(active, disabled) -> None:  # type: ignore[no-untyped-def]
    assert set(active) == ALL_ROLES
    for role in (Role.WindowText, Role.Text, Role.ButtonText, Role.Highlight, Role.Link):
        assert disabled[role] != active[role], role


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_palettes_are_readable(qapp, scheme: str) -> None:  # type: ignore[no-untyped-def]
    palette = make_palette(scheme)
    colour = palette.color
    assert contrast(colour(Role.Text), colour(Role.Base)) >= 7
    assert contrast(colour(Role.WindowText), colour(Role.Window)) >= 7
    assert contrast(colour(Role.HighlightedText), colour(Role.Highlight)) >= 4.5
    assert contrast(colour(Role.ToolTipText), colour(Role.ToolTipBase)) >= 7
    assert contrast(colour(Role.Link), colour(Role.Base)) >= 4.5
    assert contrast(colour(Role.PlaceholderText), colour(Role.Base)) >= 3
    disabled = palette.color(Group.Disabled, Role.Text)
    assert (
        1.5
        <= contrast(disabled, colour(Group.Disabled, Role.Base))
        < contrast(colour(Role.Text), colour(Role.Base))
    )
    extra = theme_colors(palette)
    for status in (extra.error, extra.warning, extra.success):
        assert contrast(status, colour(Role.Window)) >= 4.5
        assert contrast(status, extra.assistant_card) >= 4.5
    assert contrast(colour(Role.Text), extra.user_bubble) >= 7
    assert contrast(colour(Role.Text), extra.code_background) >= 7
    assert extra.user_bubble != extra.assistant_card != extra.code_background


def test_dark_is_really_applied_and_light_comes_back(app: QApplication) -> None:
    apply_theme(app, "dark")
    assert app.style().name().lower() == "fusion"
    assert app.palette().color(Role.Window) == QColor(DARK[Role.Window])
    assert app.palette().color(Role.Base) == QColor(DARK[Role.Base])
    assert app.palette().color(Group.Disabled, Role.Text) == QColor(DARK_DISABLED[Role.Text])
    assert is_dark() and theme_colors().accent == QColor(DARK[Role.Highlight])
    apply_theme(app, "light")
    assert app.palette().color(Role.Window) == QColor(LIGHT[Role.Window])
    assert app.palette().color(Role.Text) == QColor(LIGHT[Role.Text])
    assert not is_dark()


def test_system_follows_the_platform_scheme_and_its_changes(
    app: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    hints = app.styleHints()
    reported = [Qt.ColorScheme.Unknown]
    apply_theme(app, "system")
    # offscreen reports no scheme: light
    assert not is_dark()
    monkeypatch.setattr(hints, "colorScheme", lambda: reported[0])
    changes: list[str] = []
    theme_notifier(app).changed.connect(changes.append)
    reported[0] = Qt.ColorScheme.Dark
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert is_dark() and changes == ["dark"]
    reported[0] = Qt.ColorScheme.Light
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert not is_dark() and changes == ["dark", "light"]
    # a fixed choice ignores the platform
    apply_theme(app, "light")
    reported[0] = Qt.ColorScheme.Dark
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert not is_dark()


def test_open_widgets_get_the_new_colours_and_icons(app: QApplication, qtbot) -> None:  # type: ignore[no-untyped-def]
    apply_theme(app, "light")
    button = QToolButton()
    qtbot.addWidget(button)
    icons.set_icon(button, "search")
    button.show()
    assert opaque_colours(button.icon()) == {LIGHT[Role.WindowText]}
    apply_theme(app, "dark")
    app.processEvents()  # Qt hands the new palette to widgets through the event queue
    assert button.palette().color(Role.Button) == QColor(DARK[Role.Button])
    assert opaque_colours(button.icon()) == {DARK[Role.WindowText]}


def ok_button(dialog):  # type: ignore[no-untyped-def]
    return dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)


def choose(qtbot, combo: QComboBox, label: str) -> None:  # type: ignore[no-untyped-def]
    """Pick an item as a user would with the keyboard: focus the list and type its start."""
    combo.setFocus()
    qtbot.keyClicks(combo, label)
    assert combo.currentText() == label


def test_choosing_dark_in_settings_darkens_the_window_and_light_brings_it_back(
    qloop, qtbot, start_parley, paths
) -> None:  # type: ignore[no-untyped-def]
    parley = start_parley()
    for label, window in (("Dark", DARK[Role.Window]), ("Light", LIGHT[Role.Window])):
        parley.window.settings_requested.emit()  # File → Settings… (Ctrl+,)
        dialog = parley.settings_dialog
        choose(qtbot, dialog.theme, label)
        qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)
        assert not dialog.isVisible()
        QApplication.processEvents()
        assert QApplication.palette().color(Role.Window) == QColor(window)
        assert parley.window.palette().color(Role.Window) == QColor(window)
        assert json.loads(paths.settings_file.read_text())["theme"] == label.lower()


def test_sentiment_marks_can_be_turned_off_in_settings(qloop, qtbot, start_parley, paths) -> None:  # type: ignore[no-untyped-def]
    parley = start_parley()
    parley.window.settings_requested.emit()
    dialog = parley.settings_dialog
    assert dialog.show_sentiment.isChecked()
    box = dialog.show_sentiment
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert not box.isChecked()
    qtbot.mouseClick(ok_button(dialog), Qt.MouseButton.LeftButton)
    assert parley.settings.show_sentiment is False
    assert json.loads(paths.settings_file.read_text())["show_sentiment"] is False


def test_toned_text_and_notices_take_the_new_theme_colours(app: QApplication, qtbot) -> None:  # type: ignore[no-untyped-def]
    from desktop_app.ui.theme import set_tone
    from desktop_app.ui.widgets.notice_banner import NoticeBanner

    apply_theme(app, "light")
    label = QLabel("Could not save")
    set_tone(label, "error")
    banner = NoticeBanner()
    for widget in (label, banner):
        qtbot.addWidget(widget)
    banner.show_message("The server is offline.", "error")
    banner.resize(400, 60)
    light_error = theme_colors().error
    assert label.palette().color(Role.WindowText) == light_error
    light_fill = banner.grab().toImage().pixelColor(200, 30)
    assert not is_dark_colour(light_fill) and light_fill != QColor(LIGHT[Role.Window])

    apply_theme(app, "dark")
    app.processEvents()
    assert label.palette().color(Role.WindowText) == theme_colors().error != light_error
    dark_fill = banner.grab().toImage().pixelColor(200, 30)
    assert is_dark_colour(dark_fill) and dark_fill != QColor(DARK[Role.Window])
    set_tone(label, "")
    assert label.palette().color(Role.WindowText) == QColor(DARK[Role.WindowText])


def is_dark_colour(colour: QColor) -> bool:
    return colour.lightness() < 128


def test_a_long_wrapped_text_does_not_raise_the_minimum_height(qtbot) -> None:  # type: ignore[no-untyped-def]
    from desktop_app.ui.widgets.wrap_label import WrapLabel

    short, long = WrapLabel("Saved."), WrapLabel("A sentence that goes on and on. " * 40)
    for label in (short, long):
        qtbot.addWidget(label)
    assert long.minimumSizeHint().height() == short.minimumSizeHint().height()
    assert long.minimumSizeHint().width() < 200
    assert long.heightForWidth(300) > 5 * long.fontMetrics().lineSpacing()  # room when there is
