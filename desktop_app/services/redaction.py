"""Secrets taken out of text before it leaves Parley: logs, stderr, crash reports, the texts
servers send (shown in banners and stored with a reply).

One place: the crash reporter, the log formatter, the exception hooks and the gateway's error
messages all call `redact`, with the secrets in use (the API key) and key-shaped strings.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping

REDACTED = "[redacted]"
# Names of environment variables whose values are secrets.
_SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSW|CREDENTIAL|AUTH", re.IGNORECASE)
# Key-shaped strings, redacted even when nobody registered them (an old key, another provider).
_KEY_SHAPES = (
    re.compile(r"\bsk-[A-Za-z0-9_\-]{8,}"),
    re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9_\-.=]{8,}"),
)
_MIN_SECRET_LENGTH = 4  # shorter "secrets" (e.g. "1") would shred the report


def secret_environment_values(environ: Mapping[str, str]) -> list[str]:
    return [value for name, value in environ.items() if _SECRET_NAME.search(name) and value]


def redact(text: str, secrets: Iterable[str]) -> str:
    # Longest first, so a secret that contains another is replaced whole.
    for secret in sorted({s for s in secrets if len(s) >= _MIN_SECRET_LENGTH}, key=len)[::-1]:
        text = text.replace(secret, REDACTED)
    text = _KEY_SHAPES[0].sub(REDACTED, text)
    return _KEY_SHAPES[1].sub(lambda match: match.group(1) + REDACTED, text)


class RedactingFormatter(logging.Formatter):
    """A log formatter whose every line (message, traceback) has the secrets taken out."""

    def __init__(self, fmt: str, secrets: Callable[[], Iterable[str]]) -> None:
        super().__init__(fmt)
        self.secrets = secrets

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record), self.secrets())
