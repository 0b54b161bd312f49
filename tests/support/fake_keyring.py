"""A keyring backend kept in a dict, so tests never touch the user's real keyring."""

from __future__ import annotations


class PasswordDeleteError(Exception):
    pass


class FakeKeyring:
    name = "fake keyring"

    def __init__(self) -> None:
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.passwords:
            raise PasswordDeleteError("not found")
        del self.passwords[(service, username)]
