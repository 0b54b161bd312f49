"""The one error the store raises (its own module, so every part of the store can raise it)."""


class StoreError(RuntimeError):
    """The database could not be opened or written; the message is for the user."""
