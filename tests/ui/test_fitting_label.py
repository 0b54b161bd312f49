"""The tokens-and-cost label above the transcript in a narrow window: a shorter form, then
"…", never a word cut in half (it once read "This dialogue: 103 toke")."""

from __future__ import annotations

from desktop_app.ui.widgets.fitting_label import FittingLabel

FULL = "This dialogue: 103 tokens · $0.000032"
SHORT = "103 tokens · $0.000032"


def test_the_label_gives_way_to_its_short_form_then_to_an_ellipsis(qtbot) -> None:  # type: ignore[no-untyped-def]
    label = FittingLabel()
    qtbot.addWidget(label)
    label.set_texts(FULL, SHORT)
    label.show()
    metrics = label.fontMetrics()
    assert label.text() == FULL  # what is read out and copied
    label.resize(metrics.horizontalAdvance(FULL) + 20, label.sizeHint().height())
    assert label.shown_text() == FULL
    label.resize(metrics.horizontalAdvance(SHORT) + 4, label.height())
    assert label.shown_text() == SHORT
    label.resize(metrics.horizontalAdvance("103 tok"), label.height())
    shown = label.shown_text()
    assert shown.endswith("…") and SHORT.startswith(shown[:-1])
    # A layout may squeeze it to its short form, no further.
    assert metrics.horizontalAdvance(SHORT) <= label.minimumSizeHint().width()
    assert label.minimumSizeHint().width() < metrics.horizontalAdvance(FULL)
