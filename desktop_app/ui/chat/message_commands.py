"""What the actions on a message do in the Chat tab: rate, edit and resend, regenerate any
reply, switch between versions, delete with Undo.

The transcript says which action was asked for on which message; this carries it out on the
store and the session and shows the result. Anything that would change the branch while a
reply is being written in it waits: the user is told to stop or let it finish first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desktop_app.services.branch_store import DeletedMessages
from desktop_app.services.failure_text import report_failure
from desktop_app.services.store import StoreError

if TYPE_CHECKING:
    from desktop_app.ui.chat.chat_tab import ChatTab

BUSY_TEXT = (
    "A reply is being written in this dialogue. Stop it (Esc) or let it finish, then try again; "
    "nothing was changed."
)


class MessageCommands:
    def __init__(self, tab: ChatTab) -> None:
        self.tab = tab
        self.deleted: DeletedMessages | None = None

    def run(self, name: str, message_id: int) -> None:
        tab = self.tab
        if name in ("copy", "copy_plain"):
            tab.show_notice("Message copied to the clipboard.", "info")
            return
        if name in ("rate_up", "rate_down"):
            message = tab.transcript.message(message_id)
            value = 1 if name == "rate_up" else -1
            self.rate(message_id, 0 if message is not None and message.rating == value else value)
            return
        if tab.busy:
            tab.show_notice(BUSY_TEXT, "warning")
            return
        if name == "edit":
            self.start_edit(message_id)
        elif name == "regenerate":
            tab.tasks.spawn(tab.regenerate(message_id))
        elif name in ("version_prev", "version_next"):
            self.switch(message_id, -1 if name == "version_prev" else 1)
        elif name == "delete":
            self.delete(message_id)

    def rate(self, message_id: int, rating: int) -> None:
        """👍/👎 on a reply (0 takes it back): stored at once (Training builds datasets)."""
        tab = self.tab
        try:
            tab.chat.store.rate_message(message_id, rating)
        except StoreError as exc:
            tab.show_notice(report_failure("Saving the rating", exc))
            return
        message = tab.transcript.message(message_id)
        if message is not None:
            message.rating = rating
            tab.transcript.replace_message(message)

    def start_edit(self, message_id: int) -> None:
        message = self.tab.transcript.message(message_id)
        if message is None or message.role != "user":
            return
        self.tab.begin_edit(message)

    def switch(self, message_id: int, step: int) -> None:
        tab = self.tab
        try:
            branch = tab.chat.store.switch_version(message_id, step)
        except StoreError as exc:
            tab.show_notice(report_failure("Showing the other version", exc))
            return
        if not branch:
            return
        index = next(
            (i for i, m in enumerate(branch) if m.parent_id == _parent(tab, message_id)), None
        )
        tab.show_branch(branch, focus=branch[index].id if index is not None else None)

    def delete(self, message_id: int) -> None:
        tab = self.tab
        if tab.dialogue_id is None:
            return
        try:
            deleted = tab.chat.store.delete_message(message_id)
        except StoreError as exc:
            tab.show_notice(report_failure("Deleting the message", exc))
            return
        if deleted is None:
            return
        self.deleted = deleted
        tab.show_branch(tab.chat.store.messages(tab.dialogue_id))
        count = len(deleted.ids)
        what = "Message deleted" if count == 1 else f"{count} messages deleted"
        tab.show_notice(f"{what} (the rest of the dialogue is kept).", "info", "Undo", self.undo)

    def undo(self) -> None:
        tab = self.tab
        deleted, self.deleted = self.deleted, None
        if deleted is None:
            return
        try:
            tab.chat.store.undo_delete(deleted)
        except StoreError as exc:
            tab.show_notice(report_failure("Bringing the message back", exc))
            return
        if tab.dialogue_id == deleted.dialogue_id:
            tab.show_branch(tab.chat.store.messages(deleted.dialogue_id), focus=deleted.ids[0])
        tab.banner.clear()


def _parent(tab: ChatTab, message_id: int) -> int | None:
    message = tab.transcript.message(message_id)
    return message.parent_id if message is not None else None
