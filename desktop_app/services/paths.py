"""Every folder Parley writes to, in one place.

`PARLEY_HOME` puts all of them under one folder: tests give each test its own, and a portable
install keeps everything next to the program.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from desktop_app import APP_NAME
from desktop_app.services.private_files import private_dir

HOME_VARIABLE = "PARLEY_HOME"


@dataclass(frozen=True)
class AppPaths:
    data_dir: Path
    config_dir: Path
    cache_dir: Path
    log_dir: Path

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> AppPaths:
        environ = os.environ if environ is None else environ
        home = environ.get(HOME_VARIABLE)
        if home:
            root = Path(home).expanduser()
            return cls(root / "data", root / "config", root / "cache", root / "log")
        import platformdirs

        return cls(
            Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
            Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
        )

    @property
    def database(self) -> Path:
        return self.data_dir / "parley.db"

    @property
    def attachments_dir(self) -> Path:
        return self.data_dir / "attachments"

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    def ensure(self) -> None:
        """Create the folders, private to the user (0700 on POSIX); called by the composition
        root, never at import."""
        for folder in self.folders:
            private_dir(folder)

    @property
    def folders(self) -> tuple[Path, ...]:
        return (self.data_dir, self.config_dir, self.cache_dir, self.log_dir)
