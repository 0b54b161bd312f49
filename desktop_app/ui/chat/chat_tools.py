"""Tools in the Chat tab: which servers a conversation uses, the question before a call, and
the steps as they happen. A mixin of ChatTab.

Each conversation keeps the MCP servers it has on (in the app's database, under the
conversation's id); a new one starts with its assistant's servers, or none. A reply with
servers on runs through the tool loop (`PendingTurn.tools`): the approval card asks before each
call the user does not always allow, a line above the box says what is running (Esc stops it,
with the reply), and each round the store keeps is shown as it is kept: the reply that asked,
its steps, and a new reply card for what follows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QLabel

from desktop_app.core.tool_policy import ToolPolicy
from desktop_app.services.mcp_types import FAILED, NEEDS_APPROVAL, READY, STARTING
from desktop_app.ui.chat.dialogue_choices import DialogueChoice
from desktop_app.ui.chat.reply_jobs import ReplyJob
from desktop_app.ui.chat.tool_approval import ToolApproval
from desktop_app.ui.chat.tools_button import ServerRow, ToolsButton

if TYPE_CHECKING:
    from desktop_app.core.assistants import AssistantProfile
    from desktop_app.core.dialogue import Message
    from desktop_app.services.chat_session import ChatSession, PendingTurn

FLAG = "chat_tools:{}"  # a conversation's servers, as a JSON list of names
STATE_WORDS = {
    READY: "ready",
    STARTING: "starting",
    FAILED: "failed",
    NEEDS_APPROVAL: "not started yet",
}


class ChatTools:
    if TYPE_CHECKING:  # provided by ChatTab
        chat: ChatSession
        dialogue_id: int | None
        assistant: AssistantProfile | None
        jobs: dict[int, ReplyJob]
        transcript: Any

        def shown_view(self, dialogue_id: int) -> Any: ...
        def show_branch(self, messages: list[Message], focus: int | None = None) -> None: ...
        def show_notice(
            self, text: str, level: str = ..., action: str = ..., on_action: Any = ...
        ) -> None: ...

    def build_tool_controls(self) -> None:
        self._tool_host: Callable[[], Any] | None = None
        self._tool_policy: Callable[[], ToolPolicy] = ToolPolicy
        self._tool_servers: Callable[[], list[Any]] = list
        self._tool_choice = DialogueChoice(lambda: self.chat.store, FLAG, self._assistant_tools)
        self.tools_button = ToolsButton(self._server_rows)
        self.tools_button.changed.connect(self._on_tools_changed)
        self.tools_button.hide()  # until the app gives it servers to offer
        self.approval = ToolApproval()
        self.tool_activity = QLabel()
        self.tool_activity.setEnabled(False)  # the palette's muted text
        self.tool_activity.hide()
        self._running_calls: dict[int, int] = {}  # dialogue id → calls running
        self._off_notes: dict[int, list[str]] = {}  # dialogue id → servers left out, said once

    def set_tool_source(
        self,
        host: Callable[[], Any],
        policy: Callable[[], ToolPolicy],
        servers: Callable[[], list[Any]],
        manage: Callable[[], None],
    ) -> None:
        """Where tools come from: the MCP service, the user's standing choices, the servers
        Settings has (McpServerConfig), and how to open Settings → Tools."""
        self._tool_host, self._tool_policy, self._tool_servers = host, policy, servers
        self.tools_button.manage_requested.connect(manage)
        self.tools_button.show()
        self.show_dialogue_tools()

    # --- which servers are on ------------------------------------------------------------

    def _server_rows(self) -> list[ServerRow]:
        host = self._tool_host() if self._tool_host is not None else None
        rows: list[ServerRow] = []
        for server in self._tool_servers():
            state = ""
            if host is not None:
                try:
                    state = STATE_WORDS.get(host.status(server.name).state, "")
                except Exception:  # a server just removed: no state to show
                    state = ""
            if not server.enabled:
                state = "switched off in Settings"
            rows.append((server.name, state, bool(server.enabled)))
        return rows

    def dialogue_tools(self, dialogue_id: int | None) -> tuple[str, ...]:
        """The servers a conversation has on: kept for it, or its assistant's."""
        return self._tool_choice.get(dialogue_id)

    def _assistant_tools(self) -> tuple[str, ...]:
        return tuple(self.assistant.mcp_servers) if self.assistant is not None else ()

    def show_dialogue_tools(self) -> None:
        """The chip shows the conversation on screen (opened, new, its assistant changed)."""
        self.tools_button.set_selection(self.dialogue_tools(self.dialogue_id))

    def forget_unsaved_tools(self) -> None:
        self._tool_choice.unsaved = None

    def _on_tools_changed(self, names: tuple[str, ...]) -> None:
        self._tool_choice.choose(self.dialogue_id, names)

    # --- a turn with tools ---------------------------------------------------------------

    def equip_tools(self, turn: PendingTurn, job: ReplyJob, session: ChatSession) -> None:
        """Give the turn the tools its conversation has on (none: a plain reply); servers
        the provider may call itself go as hosted tools where it offers them."""
        names = self.tools_button.selection if turn.dialogue_id == self.dialogue_id else ()
        if turn.dialogue_id == self.dialogue_id:
            self._tool_choice.keep_unsaved(turn.dialogue_id)
        if not names or self._tool_host is None:
            return
        from desktop_app.services.mcp_tools import McpTools

        dialogue_id = turn.dialogue_id
        configured = {server.name: server for server in self._tool_servers()}
        off = [n for n in names if n in configured and not configured[n].enabled]
        self._off_notes[dialogue_id] = [
            f"The MCP server “{name}” is switched off in Settings → Tools, so its tools were "
            "not offered."
            for name in off
        ]
        host = self._tool_host()
        turn.tools = McpTools(host, [n for n in names if n not in off])
        turn.policy = self._tool_policy()  # the user's standing choices, kept in the database
        if self.offers_hosted_mcp(session):
            names_hosted = tuple(
                n for n in names if n in configured and configured[n].hosted and n not in off
            )
            if names_hosted:  # their entries are read in the reply's task: the keyring may
                turn.hosted_names, turn.hosted_entry = names_hosted, host.hosted_tool  # wait

        async def approve(step: Any) -> Any:
            where = "" if self.shown_view(dialogue_id) is not None else self._title(dialogue_id)
            return await self.approval.ask(step, where)

        turn.approve = approve
        turn.listener = lambda event: self._on_tool_event(job, event)

    @staticmethod
    def offers_hosted_mcp(session: ChatSession) -> bool:
        """Whether the provider runs the Responses API's hosted `mcp` tool (OpenAI's and
        Azure's own servers); on others Parley calls every server itself."""
        return bool(session.gateway.config.is_openai)

    def _title(self, dialogue_id: int) -> str:
        dialogue = self.chat.store.get_dialogue(dialogue_id)
        return dialogue.title if dialogue is not None else "another conversation"

    def _on_tool_event(self, job: ReplyJob, event: Any) -> None:
        from desktop_app.services.tool_loop import RoundStarted, StepFinished, StepStarted
        from desktop_app.services.tool_turns import RoundSaved

        dialogue_id = job.dialogue_id
        view = self.shown_view(dialogue_id)
        if isinstance(event, RoundStarted) and event.number == 1:
            problems = self._off_notes.pop(dialogue_id, [])
            problems += list(getattr(job.turn.tools, "problems", []) or [])
            if problems and view is not None:
                manage = self.tools_button.manage_requested.emit
                self.show_notice(" ".join(problems), "warning", "Settings → Tools…", manage)
        elif isinstance(event, StepStarted):
            self._running_calls[dialogue_id] = self._running_calls.get(dialogue_id, 0) + 1
            spec = event.step.spec
            where = f" from {spec.source}" if spec is not None and spec.source else ""
            job.activity = f"Running {event.step.call.name}{where}… Esc stops it."
        elif isinstance(event, StepFinished):
            left = max(0, self._running_calls.get(dialogue_id, 0) - 1)
            self._running_calls[dialogue_id] = left
            if not left:
                job.activity = ""
        elif isinstance(event, RoundSaved):
            job.text.clear()
            job.reasoning.clear()
            job.notes.clear()
            job.activity = ""
            if view is not None:
                view.finish_reply(event.saved[0])
                for message in event.saved[1:]:
                    view.add_message(message)
                view.begin_reply(event.reply)
            job.streamed_id = event.reply.id
        self.show_tool_activity()

    def show_tool_activity(self) -> None:
        job = self.jobs.get(self.dialogue_id) if self.dialogue_id is not None else None
        text = job.activity if job is not None else ""
        self.tool_activity.setText(text)
        self.tool_activity.setVisible(bool(text))

    def after_tool_turn(self, turn: PendingTurn, job: ReplyJob) -> bool:
        """The turn ended; True when the view was out of step with the store (Stop kept a
        round it had not been shown) and has been shown the branch again."""
        self._running_calls.pop(turn.dialogue_id, None)
        job.activity = ""
        self.show_tool_activity()
        if turn.tools is None or job.streamed_id == turn.reply.id:
            return False
        if self.shown_view(turn.dialogue_id) is not None:
            self.show_branch(self.chat.store.messages(turn.dialogue_id))
        return True
