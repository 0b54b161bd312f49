"""What this Parley is: its version (from the package metadata) and how it is running."""

from __future__ import annotations

import sys

from desktop_app.services.resources import is_frozen

DISTRIBUTION = "parley"


def app_version() -> str:
    """The installed version, as in pyproject.toml ("development" if not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return "development"


def build_kind() -> str:
    """'bundle' inside the PyInstaller bundle, else 'source'."""
    return "bundle" if is_frozen() else "source"


def base_versions() -> dict[str, str]:
    """Versions that need no Qt: Parley, how it runs, Python and the OS."""
    import platform

    return {
        "Parley": f"{app_version()} ({build_kind()})",
        "Python": f"{platform.python_version()} ({platform.python_implementation()})",
        "OS": f"{platform.platform()} ({platform.machine()})",
        "Executable": sys.executable,
    }
