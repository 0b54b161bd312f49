"""Parley's own light and dark palettes: every colour role, in every colour group.

The Fusion style draws with these on every platform, so the app looks the same on Linux
(with or without a GNOME/KDE platform theme), Windows and macOS. The look is calm: a near-white
or near-black window, text fields and lists on a white (light) or a slightly lighter grey
(dark) base, so that their frames show in both, soft borders, and one accent colour (blue)
for selection, focus, links and default buttons.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

Role = QPalette.ColorRole
Group = QPalette.ColorGroup

# Active (and Inactive) colours of each role.
LIGHT = {
    Role.Window: "#f6f7f9",
    Role.WindowText: "#1d2128",
    Role.Base: "#ffffff",
    Role.AlternateBase: "#f3f4f7",
    Role.ToolTipBase: "#2a2e35",
    Role.ToolTipText: "#f3f4f6",
    Role.PlaceholderText: "#7b818b",
    Role.Text: "#1d2128",
    Role.Button: "#fbfbfc",
    Role.ButtonText: "#1d2128",
    Role.BrightText: "#ffffff",
    Role.Light: "#ffffff",
    Role.Midlight: "#eceef2",
    Role.Mid: "#cfd3da",
    Role.Dark: "#a9afb8",
    Role.Shadow: "#5f6670",
    Role.Highlight: "#3b6fe0",
    Role.HighlightedText: "#ffffff",
    Role.Link: "#2f62d4",
    Role.LinkVisited: "#7450c8",
    Role.Accent: "#3b6fe0",
}
LIGHT_DISABLED = {
    Role.WindowText: "#a4a9b1",
    Role.Text: "#a4a9b1",
    Role.ButtonText: "#a4a9b1",
    Role.PlaceholderText: "#bfc3c9",
    Role.Base: "#f4f5f7",
    Role.Button: "#f1f2f4",
    Role.Highlight: "#c3cde3",
    Role.HighlightedText: "#f6f7f9",
    Role.Link: "#9bb0dc",
    Role.LinkVisited: "#b4a5d9",
    Role.Accent: "#c3cde3",
}

DARK = {
    Role.Window: "#1e1f23",
    Role.WindowText: "#e4e6ea",
    Role.Base: "#26282d",
    Role.AlternateBase: "#2b2d32",
    Role.ToolTipBase: "#2d3036",
    Role.ToolTipText: "#e4e6ea",
    Role.PlaceholderText: "#7c818a",
    Role.Text: "#e4e6ea",
    Role.Button: "#2d2f35",
    Role.ButtonText: "#e4e6ea",
    Role.BrightText: "#ffffff",
    Role.Light: "#4a4d55",
    Role.Midlight: "#383b42",
    Role.Mid: "#464a52",
    Role.Dark: "#141518",
    Role.Shadow: "#000000",
    Role.Highlight: "#3f6fe0",
    Role.HighlightedText: "#ffffff",
    Role.Link: "#7ea3ff",
    Role.LinkVisited: "#b29cff",
    Role.Accent: "#3f6fe0",
}
DARK_DISABLED = {
    Role.WindowText: "#666a72",
    Role.Text: "#666a72",
    Role.ButtonText: "#666a72",
    Role.PlaceholderText: "#4f535a",
    Role.Base: "#222428",
    Role.Button: "#26282c",
    Role.Highlight: "#2f3a55",
    Role.HighlightedText: "#9aa0aa",
    Role.Link: "#4f6294",
    Role.LinkVisited: "#6a5e96",
    Role.Accent: "#2f3a55",
}

SCHEMES = {"light": (LIGHT, LIGHT_DISABLED), "dark": (DARK, DARK_DISABLED)}


def make_palette(scheme: str) -> QPalette:
    """The full palette of `scheme` ("light" or "dark")."""
    active, disabled = SCHEMES[scheme]
    palette = QPalette()
    for role, colour in active.items():
        for group in (Group.Active, Group.Inactive, Group.Disabled):
            palette.setColor(group, role, QColor(colour))
    for role, colour in disabled.items():
        palette.setColor(Group.Disabled, role, QColor(colour))
    return palette
