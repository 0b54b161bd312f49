"""The form that edits one assistant, with problems shown at the field they belong to.

Numbers are typed as text (empty means "the server's default"), so a value out of range or not
a number at all is reported under its field rather than silently clamped by a spin box.

Signals:
    save_requested(): Save was pressed (or Ctrl+S in a field).
    revert_requested(): Revert was pressed.
    add_files_requested(): "Add files…" for file search was pressed.

The MCP servers are ticked by name: the editor is told the names configured in Settings →
Tools (`set_mcp_servers`); a server the assistant names that is no longer there stays listed,
ticked and marked, so saving never drops it silently.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop_app.core.assistants import (
    REASONING_EFFORTS,
    TOOL_LABELS,
    TOOLS,
    AssistantProfile,
    Problem,
    model_has_reasoning,
    parse_tags,
)
from desktop_app.core.json_guard import JsonTooDeep, loads
from desktop_app.ui.theme import set_tone, theme_colors
from desktop_app.ui.widgets.icon_buttons import labelled_button
from desktop_app.ui.widgets.model_picker import ModelPicker
from desktop_app.ui.widgets.named_checks import NamedChecks
from desktop_app.ui.widgets.retirement_marks import (
    RetirementLookup,
    mark_models,
    retirement_label,
    show_retirement,
)
from desktop_app.ui.widgets.scroll_page import scrolling
from desktop_app.ui.widgets.wrap_label import WrapLabel

if TYPE_CHECKING:
    from desktop_app.services.provider_sessions import ModelGroup


NO_MCP_SERVERS = "No MCP servers yet — add one in Settings → Tools."
MISSING_MARK = " (not in Settings)"
MCP_HINT = "A new chat with this assistant starts with the ticked servers' tools on."
NO_KNOWLEDGE = "No knowledge bases yet — make one under Knowledge in this tab."
KNOWLEDGE_MISSING_MARK = " (deleted)"
KNOWLEDGE_HINT = "Before each reply, Parley searches the ticked bases and cites what it used."


def error_style() -> str:
    """A field with a problem gets a border in the theme's error colour."""
    return f"border: 1px solid {theme_colors().error.name()}"


def _number(text: str, field: str, what: str, integer: bool = False) -> float | int | None:
    text = text.strip().replace(",", ".") if not integer else text.strip().replace(",", "")
    if not text:
        return None
    try:
        return int(text) if integer else float(text)
    except ValueError:
        kind = "a whole number" if integer else "a number"
        problem = Problem(field, f"{what} must be {kind} (or empty for the default).")
        raise FieldError(problem) from None


class FieldError(ValueError):
    """A typed value that is not even of the right kind (not a number, not JSON)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


class AssistantEditor(QWidget):
    save_requested = Signal()
    revert_requested = Signal()
    add_files_requested = Signal()

    def __init__(
        self,
        parent: QWidget | None = None,
        retirement: RetirementLookup | None = None,
        today: Callable[[], date] = date.today,
    ) -> None:
        super().__init__(parent)
        self.today = today
        self._base: AssistantProfile | None = None
        self.retirement = retirement
        self.model_retirement = retirement_label()
        self.name = QLineEdit()
        self.description = QLineEdit()
        self.model = ModelPicker()
        self.model.setAccessibleName("Model")
        self.model.setToolTip(
            "The model that answers, of any provider in Settings: type part of a name to find it"
        )
        self.model.currentTextChanged.connect(lambda _t: self._on_model_changed(self.model_id))
        self.instructions = QPlainTextEdit()
        self.instructions.setPlaceholderText("How the assistant behaves (the system instruction)")
        self.instructions.setTabChangesFocus(True)
        self.temperature = QLineEdit()
        self.top_p = QLineEdit()
        self.max_output_tokens = QLineEdit()
        for edit, hint in (
            (self.temperature, "default · 0 to 2"),
            (self.top_p, "default · 0 to 1"),
            (self.max_output_tokens, "default"),
        ):
            edit.setPlaceholderText(hint)
        self.reasoning_effort = QComboBox()
        self.reasoning_effort.addItem("default", "")
        for effort in REASONING_EFFORTS:
            self.reasoning_effort.addItem(effort, effort)
        self.response_format = QComboBox()
        self.response_format.addItem("Text", "text")
        self.response_format.addItem("JSON schema", "json_schema")
        self.response_format.currentIndexChanged.connect(self._on_format_changed)
        self.json_schema = QPlainTextEdit()
        self.json_schema.setPlaceholderText('{"type": "object", "properties": {…}}')
        self.json_schema.setMaximumHeight(90)
        self.tool_boxes = {tool: QCheckBox(TOOL_LABELS[tool]) for tool in TOOLS}
        self.tools_note = WrapLabel()
        set_tone(self.tools_note, "muted")
        self.tools_note.hide()
        self.mcp = NamedChecks(
            NO_MCP_SERVERS,
            MCP_HINT,
            lambda name: f"Offer the tools of “{name}” in a new chat with this assistant",
            MISSING_MARK,
            "This server is no longer in Settings → Tools; untick it to forget it.",
        )
        self.knowledge = NamedChecks(
            NO_KNOWLEDGE,
            KNOWLEDGE_HINT,
            lambda name: f"Search “{name}” before each reply and give the model what it finds",
            KNOWLEDGE_MISSING_MARK,
            "This knowledge base no longer exists; untick it to forget it.",
        )
        self.files_label = WrapLabel()
        self.add_files_button = labelled_button(
            "attach", "Add files…", "Upload files for file search (to a vector store)"
        )
        self.add_files_button.clicked.connect(self.add_files_requested)
        self.avatar_color = QLineEdit()
        self.avatar_color.textChanged.connect(self._on_color_changed)
        self.swatch = QLabel()
        self.swatch.setFixedSize(18, 18)
        self.tags = QLineEdit()
        self.tags.setPlaceholderText("comma, separated")
        self.save_button = labelled_button("check", "Save", "Save the assistant")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save_requested)
        self.revert_button = labelled_button("undo", "Revert", "Forget the changes not saved")
        self.revert_button.clicked.connect(self.revert_requested)
        self._build()

    def _build(self) -> None:
        self.fields: dict[str, QWidget] = {
            "name": self.name,
            "description": self.description,
            "model": self.model,
            "instructions": self.instructions,
            "temperature": self.temperature,
            "top_p": self.top_p,
            "max_output_tokens": self.max_output_tokens,
            "reasoning_effort": self.reasoning_effort,
            "response_format": self.response_format,
            "json_schema": self.json_schema,
            "avatar_color": self.avatar_color,
            "tags": self.tags,
        }
        self.errors: dict[str, QLabel] = {}
        self.rows: dict[str, QWidget] = {}
        form = QFormLayout()
        labels = {
            "name": "Name:",
            "description": "Description:",
            "model": "Model:",
            "instructions": "Instructions:",
            "temperature": "Temperature:",
            "top_p": "Top P:",
            "max_output_tokens": "Max output tokens:",
            "reasoning_effort": "Reasoning effort:",
            "response_format": "Response format:",
            "json_schema": "JSON schema:",
        }
        for field, text in labels.items():
            form.addRow(text, self._with_error(field))
        tools = QVBoxLayout()
        for box in self.tool_boxes.values():
            tools.addWidget(box)
        tools.addWidget(self.tools_note)
        files_row = QHBoxLayout()
        files_row.addWidget(self.files_label, 1)
        files_row.addWidget(self.add_files_button)
        tools.addLayout(files_row)
        self.errors["tools"] = self._error_label()
        tools.addWidget(self.errors["tools"])
        form.addRow("Tools:", tools)
        form.addRow("MCP servers:", self.mcp)
        mcp_label = form.labelForField(self.mcp)
        if mcp_label is not None:
            mcp_label.setToolTip("Tools from MCP servers: a new chat with it starts with these on")
        form.addRow("Knowledge:", self.knowledge)
        color_row = QHBoxLayout()
        color_row.addWidget(self.swatch)
        color_row.addWidget(self._with_error("avatar_color"), 1)
        form.addRow("Colour:", color_row)
        form.addRow("Tags:", self._with_error("tags"))
        self._form = form
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.revert_button)
        buttons.addWidget(self.save_button)
        # The fields scroll when the window is short; Save and Revert stay in sight.
        fields = QWidget()
        column = QVBoxLayout(fields)
        column.setContentsMargins(0, 0, 4, 0)
        column.addLayout(form)
        column.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scrolling(fields), 1)
        layout.addLayout(buttons)

    def _error_label(self) -> QLabel:
        label = QLabel()
        set_tone(label, "error")
        label.setWordWrap(True)
        label.hide()
        return label

    def _with_error(self, field: str) -> QWidget:
        """The field with its error line under it; the pair is one form row."""
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        column.addWidget(self.fields[field])
        self.errors[field] = self._error_label()
        column.addWidget(self.errors[field])
        if field == "model":
            column.addWidget(self.model_retirement)
        self.rows[field] = box
        return box

    # --- in and out ------------------------------------------------------------------------

    @property
    def model_id(self) -> str:
        return self.model.model_id

    def set_models(
        self,
        models: list[str],
        tips: dict[str, str] | None = None,
        others: Sequence[ModelGroup] = (),
        main_label: str = "",
    ) -> None:
        """Offer `models` (the main provider's) and `others` (each other provider's, under its
        name); `tips` says what some are (a fine-tuned model's job description)."""
        current, owner = self.model.model_id, self.model.provider_id
        self.model.fill(main_label, models, others, current, owner)
        mark_models(self.model, self.retirement or (lambda _model: None), self.today(), tips)
        self._on_model_changed(current)

    def set_tools_available(self, available: bool, reason: str = "") -> None:
        """Server-run tools need the Responses API; where it is missing, say so here."""
        for box in self.tool_boxes.values():
            box.setEnabled(available)
        self.add_files_button.setEnabled(available)
        self.tools_note.setText(reason)
        self.tools_note.setVisible(bool(reason))

    def set_mcp_servers(self, names: list[str]) -> None:
        """The MCP servers configured in Settings → Tools, by name. What is ticked stays so."""
        self.mcp.set_choices([(name, name) for name in names])

    def mcp_servers(self) -> tuple[str, ...]:
        return self.mcp.ticked()

    @property
    def mcp_boxes(self) -> dict[str, QCheckBox]:
        return self.mcp.boxes

    def set_knowledge_bases(self, bases: list[tuple[str, str]]) -> None:
        """The knowledge bases there are, as (id, name). What is ticked stays so."""
        self.knowledge.set_choices(bases)

    def load(self, profile: AssistantProfile) -> None:
        self._base = profile
        self.clear_problems()
        self.name.setText(profile.name)
        self.description.setText(profile.description)
        self.model.show_model(profile.model, profile.provider)
        self.instructions.setPlainText(profile.instructions)
        self.temperature.setText("" if profile.temperature is None else f"{profile.temperature:g}")
        self.top_p.setText("" if profile.top_p is None else f"{profile.top_p:g}")
        tokens = profile.max_output_tokens
        self.max_output_tokens.setText("" if tokens is None else str(tokens))
        self.reasoning_effort.setCurrentIndex(
            max(0, self.reasoning_effort.findData(profile.reasoning_effort))
        )
        self.response_format.setCurrentIndex(
            max(0, self.response_format.findData(profile.response_format))
        )
        schema = profile.json_schema
        self.json_schema.setPlainText(json.dumps(schema, indent=2) if schema else "")
        for tool, box in self.tool_boxes.items():
            box.setChecked(tool in profile.tools)
        self.mcp.set_ticked(profile.mcp_servers)
        self.knowledge.set_ticked(profile.knowledge)
        self._show_files(profile)
        self.avatar_color.setText(profile.avatar_color)
        self.tags.setText(", ".join(profile.tags))
        self._on_model_changed(profile.model)
        self._on_format_changed()

    def _show_files(self, profile: AssistantProfile) -> None:
        names = ", ".join(f.name for f in profile.files)
        self.files_label.setText(f"Files: {names}" if names else "No files for file search yet.")

    def set_files(self, profile: AssistantProfile) -> None:
        """After an upload: keep what is typed, take the new files and vector store."""
        if self._base is not None:
            self._base = replace(
                self._base, files=profile.files, vector_store_id=profile.vector_store_id
            )
        self._show_files(profile)

    def profile(self) -> AssistantProfile:
        """The profile as typed. Raises ValueError with `.problem` for a value that is not
        even a number or not JSON; range checks are `core.assistants.validate`'s job."""
        base = self._base or AssistantProfile("", "")
        schema_text = self.json_schema.toPlainText().strip()
        schema = None
        if schema_text:
            try:
                schema = loads(schema_text)
            except json.JSONDecodeError as exc:
                where = f"{exc.msg} on line {exc.lineno}, column {exc.colno}"
                raise FieldError(
                    Problem("json_schema", f"This is not valid JSON ({where}).")
                ) from None
            except JsonTooDeep as exc:
                raise FieldError(
                    Problem("json_schema", f"This schema cannot be used: {exc.msg}.")
                ) from None
            if not isinstance(schema, dict):
                raise FieldError(Problem("json_schema", "The schema must be a JSON object."))
        return AssistantProfile(
            name=self.name.text().strip(),
            model=self.model.model_id.strip(),
            provider=self.model.provider_id,
            instructions=self.instructions.toPlainText().strip(),
            description=self.description.text().strip(),
            temperature=_number(self.temperature.text(), "temperature", "Temperature"),
            top_p=_number(self.top_p.text(), "top_p", "Top P"),
            max_output_tokens=_number(
                self.max_output_tokens.text(), "max_output_tokens", "Max output tokens", True
            ),  # type: ignore[arg-type]
            reasoning_effort=self.reasoning_effort.currentData() or "",
            response_format=self.response_format.currentData(),
            json_schema=schema,
            tools=tuple(t for t, box in self.tool_boxes.items() if box.isChecked()),
            files=base.files,
            vector_store_id=base.vector_store_id,
            avatar_color=self.avatar_color.text().strip(),
            tags=parse_tags(self.tags.text()),
            mcp_servers=self.mcp_servers(),
            knowledge=self.knowledge.ticked(),
            source_id=base.source_id,
            id=base.id,
        )

    # --- problems --------------------------------------------------------------------------

    def show_problems(self, problems: list[Problem]) -> None:
        self.clear_problems()
        for problem in problems:
            label = self.errors.get(problem.field)
            if label is not None:
                label.setText(problem.message)
                label.show()
            widget = self.fields.get(problem.field)
            if widget is not None:
                widget.setStyleSheet(error_style())
        if problems:
            first = self.fields.get(problems[0].field)
            if first is not None:
                first.setFocus()

    def clear_problems(self) -> None:
        for label in self.errors.values():
            label.clear()
            label.hide()
        for widget in self.fields.values():
            widget.setStyleSheet("")

    def problem_text(self, field: str) -> str:
        label = self.errors.get(field)
        return label.text() if label is not None and not label.isHidden() else ""

    # --- reactions -------------------------------------------------------------------------

    def _on_model_changed(self, model: str) -> None:
        found = self.retirement(model.strip()) if self.retirement else None
        show_retirement(self.model_retirement, found, self.today())
        thinking = model_has_reasoning(model)
        self.reasoning_effort.setEnabled(thinking)
        for edit in (self.temperature, self.top_p):
            edit.setEnabled(not thinking)
            edit.setToolTip("Reasoning models take no temperature or top P." if thinking else "")

    def _on_format_changed(self) -> None:
        self._form.setRowVisible(
            self.rows["json_schema"], self.response_format.currentData() == "json_schema"
        )

    def _on_color_changed(self, text: str) -> None:
        chosen = text.strip()
        color = chosen if chosen.startswith("#") else theme_colors().border.name()
        self.swatch.setStyleSheet(f"background:{color}; border-radius:9px")
