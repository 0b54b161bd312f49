"""Parley's PyInstaller hook for PySide6.QtGui: the stock one, minus Qt plugins it never loads.

Dropping a plugin here (rather than from the finished Analysis) also keeps out the libraries
only that plugin needs, since PyInstaller resolves shared-library dependencies afterwards.
The names are the same on Linux, Windows and macOS (without "lib" and the file extension).
Used because build.spec lists this folder in `hookspath`.
"""

from pathlib import PurePath

from PyInstaller.utils.hooks.qt import add_qt6_dependencies

# Whole plugin types Parley has no use for.
DROPPED_TYPES = {
    "generic",  # raw evdev/tslib input, for embedded devices without a window system
    "egldeviceintegrations",  # EGLFS (full-screen embedded) back-ends
    "iconengines",  # the SVG icon engine: Parley's icons are PNGs
}
# Single plugins: embedded or remote platforms, SVG/PDF images (they drag in QtSvg/QtPdf),
# and the GTK 3 theme, which would load the bundle's copies of cairo, pango and gdk-pixbuf
# next to the system's GTK (Qt falls back to the XDG portal theme).
DROPPED_PLUGINS = {
    "qeglfs",
    "qlinuxfb",
    "qminimal",
    "qminimalegl",
    "qvnc",
    "qvkkhrdisplay",
    "qdirect2d",
    "qsvg",
    "qpdf",
    "qgtk3",
}


def keep(source: str, dest: str) -> bool:
    plugin_type = PurePath(dest.replace("\\", "/")).name
    name = PurePath(source).name.split(".")[0]
    name = name[3:] if name.startswith("lib") else name
    return plugin_type not in DROPPED_TYPES and name not in DROPPED_PLUGINS


hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries = [(source, dest) for source, dest in binaries if keep(source, dest)]
