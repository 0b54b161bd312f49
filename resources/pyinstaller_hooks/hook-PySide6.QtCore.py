"""Parley's PyInstaller hook for PySide6.QtCore: the stock one, minus Qt's translations.

Parley installs no QTranslator, so the ~14 MB of `qt*_*.qm` files would never be read.
Used because build.spec lists this folder in `hookspath`, which takes precedence over the
hooks that ship with PyInstaller.
"""

from PyInstaller.utils.hooks.qt import add_qt6_dependencies

hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
datas = [entry for entry in datas if "translations" not in entry[1].replace("\\", "/")]
