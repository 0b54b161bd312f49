"""The transcript's colours, fonts and measures, derived from the palette and the font.

Nothing here is a fixed colour: every shade is a mix of two palette roles, so the light and the
dark palette (and any platform palette) give a transcript that reads well.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont, QFontDatabase, QFontMetricsF, QPalette

from desktop_app.ui.theme import mix, theme_colors

COLUMN_CHARS = 80  # a readable line: about 80 characters of the body font
SIDE_MARGIN = 16
BUBBLE_PADDING = 10
GAP = 14  # between messages
BLOCK_GAP = 8  # between blocks of one message


@dataclass(frozen=True)
class TranscriptStyle:
    text: QColor
    muted: QColor
    background: QColor
    user_bubble: QColor
    code_background: QColor
    border: QColor
    accent: QColor
    link: QColor
    error: QColor
    warning: QColor
    positive: QColor
    negative: QColor
    neutral: QColor
    focus: QColor
    highlight: QColor  # search hits
    font: QFont
    mono: QFont
    small: QFont
    dark: bool

    @classmethod
    def from_palette(cls, palette: QPalette, font: QFont) -> TranscriptStyle:
        base = palette.color(QPalette.ColorRole.Base)
        text = palette.color(QPalette.ColorRole.Text)
        accent = palette.color(QPalette.ColorRole.Highlight)
        dark = base.lightness() < 128
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(max(font.pointSizeF() - 0.5, 7.0))
        small = QFont(font)
        small.setPointSizeF(max(font.pointSizeF() - 1.5, 7.0))
        red, green = QColor(220, 60, 60), QColor(40, 160, 90)
        status = theme_colors(palette)  # the theme's error and warning, as banners use
        return cls(
            text=text,
            muted=mix(text, base, 0.45),
            background=base,
            user_bubble=mix(base, accent, 0.22 if dark else 0.12),
            code_background=mix(base, text, 0.10 if dark else 0.05),
            border=mix(base, text, 0.18),
            accent=accent,
            link=palette.color(QPalette.ColorRole.Link),
            error=status.error,
            warning=status.warning,
            positive=green,
            negative=red,
            neutral=mix(text, base, 0.55),
            focus=mix(base, accent, 0.35),
            highlight=mix(base, QColor(250, 210, 40), 0.55),
            font=font,
            mono=mono,
            small=small,
            dark=dark,
        )

    def column_width(self, viewport_width: int) -> int:
        """The transcript's width: about COLUMN_CHARS characters, never wider than the view."""
        readable = int(QFontMetricsF(self.font).averageCharWidth() * COLUMN_CHARS) + 2 * 24
        return max(160, min(viewport_width - 2 * SIDE_MARGIN, readable))

    def css(self) -> str:
        """The style sheet every rendered block gets (Qt's rich-text CSS subset)."""
        code = self.code_background.name()
        muted = self.muted.name()
        border = self.border.name()
        family = self.mono.family().replace('"', "")
        return (
            "p { margin-top: 0px; margin-bottom: 6px; }"
            f"code {{ background-color: {code}; font-family: '{family}'; }}"
            f"pre {{ font-family: '{family}'; }}"
            f"blockquote {{ color: {muted}; margin-left: 12px; }}"
            "h1 { font-size: x-large; margin-bottom: 6px; }"
            "h2 { font-size: large; margin-bottom: 6px; }"
            "h3, h4, h5, h6 { font-size: medium; margin-bottom: 4px; }"
            f"th {{ background-color: {code}; }}"
            f"table {{ border-color: {border}; }}"
            "ul, ol { margin-top: 0px; margin-bottom: 6px; }"
            f"a.muted {{ color: {muted}; text-decoration: none; }}"
        )
