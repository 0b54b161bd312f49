"""Assistant profiles: a named model + instructions + parameters + tools, kept on this computer.

OpenAI shut its Assistants API down on 2026-08-26; Parley keeps assistants locally and sends
them through the Responses API (or chat completions) itself. A profile is a frozen value:
editing makes a new one (`dataclasses.replace`), so a snapshot recorded with a reply can never
change under it.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

TOOLS = ("web_search", "file_search", "code_interpreter")
TOOL_LABELS = {
    "web_search": "Web search",
    "file_search": "File search (your files)",
    "code_interpreter": "Code interpreter",
}
REASONING_EFFORTS = ("minimal", "low", "medium", "high")
RESPONSE_FORMATS = ("text", "json_schema")
TEMPERATURE_RANGE = (0.0, 2.0)
TOP_P_RANGE = (0.0, 1.0)
MAX_OUTPUT_TOKENS_RANGE = (1, 1_000_000)
NAME_LENGTH = 80
DEFAULT_COLOR = "#5b7cfa"
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
# Model families that think before answering: they take a reasoning effort, and the API
# refuses temperature and top_p for them.
_REASONING_PREFIXES = ("o1", "o3", "o4", "gpt-5")


@dataclass(frozen=True)
class KnowledgeFile:
    """A file the user added for file search, as uploaded to the server."""

    name: str
    file_id: str = ""


@dataclass(frozen=True)
class AssistantProfile:
    name: str
    model: str
    instructions: str = ""
    description: str = ""
    temperature: float | None = None  # None: the server's default
    top_p: float | None = None
    max_output_tokens: int | None = None
    reasoning_effort: str = ""  # "" or one of REASONING_EFFORTS
    response_format: str = "text"
    json_schema: dict[str, Any] | None = field(default=None, hash=False)
    tools: tuple[str, ...] = ()
    files: tuple[KnowledgeFile, ...] = ()
    vector_store_id: str = ""
    avatar_color: str = DEFAULT_COLOR
    tags: tuple[str, ...] = ()
    # The MCP servers (by name, as in Settings → Tools) whose tools the assistant uses: a new
    # chat with it starts with these on.
    mcp_servers: tuple[str, ...] = ()
    # The local knowledge bases (their ids) it answers from, searched before each reply.
    knowledge: tuple[str, ...] = ()
    source_id: str = ""  # the server assistant (asst_…) it was copied or imported from
    # Who runs it: "" the main provider, else the id of one of Settings' other providers.
    provider: str = ""
    id: int | None = None  # row id in the local store

    @property
    def has_reasoning(self) -> bool:
        return model_has_reasoning(self.model)

    def uses(self, tool: str) -> bool:
        return tool in self.tools


def model_has_reasoning(model: str) -> bool:
    name = model.strip().lower().rsplit("/", 1)[-1]
    return name.startswith(_REASONING_PREFIXES) and "chat" not in name


@dataclass(frozen=True)
class Problem:
    """A value the user must fix; `field` names the profile attribute, for the editor to mark."""

    field: str
    message: str


def _check_range(
    name: str, value: float | None, bounds: tuple[float, float], what: str
) -> list[Problem]:
    if value is None:
        return []
    low, high = bounds
    if not low <= value <= high:
        return [Problem(name, f"{what} must be between {low:g} and {high:g}.")]
    return []


def validate(profile: AssistantProfile, known_models: Collection[str] = ()) -> list[Problem]:
    """Everything wrong with a profile, one problem per field. `known_models` (when the list
    is known) makes an unknown model an error rather than a surprise at send time."""
    problems: list[Problem] = []
    if not profile.name.strip():
        problems.append(Problem("name", "Give the assistant a name."))
    elif len(profile.name) > NAME_LENGTH:
        problems.append(Problem("name", f"Keep the name under {NAME_LENGTH} characters."))
    model = profile.model.strip()
    if not model:
        problems.append(Problem("model", "Pick a model."))
    elif known_models and model not in known_models and not profile.provider:
        problems.append(Problem("model", f"The server has no model called “{model}”."))
    problems += _check_range("temperature", profile.temperature, TEMPERATURE_RANGE, "Temperature")
    problems += _check_range("top_p", profile.top_p, TOP_P_RANGE, "Top P")
    tokens = profile.max_output_tokens
    if tokens is not None and not (
        MAX_OUTPUT_TOKENS_RANGE[0] <= tokens <= MAX_OUTPUT_TOKENS_RANGE[1]
    ):
        problems.append(
            Problem(
                "max_output_tokens",
                f"Max output tokens must be between {MAX_OUTPUT_TOKENS_RANGE[0]} and "
                f"{MAX_OUTPUT_TOKENS_RANGE[1]:,}.",
            )
        )
    if profile.reasoning_effort and profile.reasoning_effort not in REASONING_EFFORTS:
        problems.append(Problem("reasoning_effort", f"Use one of: {', '.join(REASONING_EFFORTS)}."))
    if profile.response_format not in RESPONSE_FORMATS:
        problems.append(Problem("response_format", "Use text or JSON schema."))
    elif profile.response_format == "json_schema":
        schema = profile.json_schema
        if not isinstance(schema, dict) or not schema:
            problems.append(Problem("json_schema", "Give a JSON schema (a JSON object)."))
        elif "type" not in schema and "$ref" not in schema and "anyOf" not in schema:
            problems.append(Problem("json_schema", "The schema needs a “type”, e.g. “object”."))
    unknown = [t for t in profile.tools if t not in TOOLS]
    if unknown:
        problems.append(Problem("tools", f"Unknown tool(s): {', '.join(unknown)}."))
    if not _COLOR.match(profile.avatar_color):
        problems.append(Problem("avatar_color", "Use a colour like #5b7cfa."))
    return problems


def parse_tags(text: str) -> tuple[str, ...]:
    """Comma-separated tags, trimmed, without duplicates (case-insensitive), in order."""
    seen: dict[str, str] = {}
    for tag in text.split(","):
        tag = " ".join(tag.split())
        if tag and tag.lower() not in seen:
            seen[tag.lower()] = tag
    return tuple(seen.values())


def unique_name(name: str, taken: Iterable[str]) -> str:
    """`name`, or `name 2`, `name 3`… — the first one not in `taken` (case-insensitive)."""
    used = {t.casefold() for t in taken}
    base = name.strip() or "Assistant"
    if base.casefold() not in used:
        return base
    number = 2
    while f"{base} {number}".casefold() in used:
        number += 1
    return f"{base} {number}"


def duplicate(profile: AssistantProfile, taken: Iterable[str]) -> AssistantProfile:
    """A copy to edit: new name, no row id. Uploaded files are shared, not copied."""
    return replace(profile, id=None, name=unique_name(f"{profile.name} copy", taken))


def json_schema_name(profile: AssistantProfile) -> str:
    """The schema's name as the API wants it: letters, digits, _ and -, at most 64."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", profile.name).strip("_")
    return (slug or "reply")[:64]


def starter_profiles(model: str) -> list[AssistantProfile]:
    """The assistants a new user finds on first run (theirs to edit or delete)."""
    return [
        AssistantProfile(
            "General helper",
            model,
            "You are a helpful, friendly assistant. Answer clearly and concisely; ask when the "
            "question is ambiguous.",
            description="Everyday questions, writing and explanations.",
            avatar_color="#5b7cfa",
            tags=("general",),
        ),
        AssistantProfile(
            "Code reviewer",
            model,
            "You are a careful senior engineer reviewing code. Point out bugs, unclear names, "
            "missing tests and security problems, most important first, with short fixes.",
            description="Reviews a snippet or a diff and suggests fixes.",
            temperature=0.2,
            avatar_color="#188038",
            tags=("code", "review"),
        ),
        AssistantProfile(
            "Translator",
            model,
            "Translate the user's text. Into English when it is in another language, otherwise "
            "into the language the user names. Keep the tone and formatting; add nothing.",
            description="Faithful translations that keep tone and formatting.",
            temperature=0.3,
            avatar_color="#e37400",
            tags=("language",),
        ),
        AssistantProfile(
            "Image describer",
            model,
            "Describe images precisely: the subject, setting, text visible in the image, "
            "colours and anything unusual. Say when something cannot be made out.",
            description="Describes the images you attach.",
            avatar_color="#a142f4",
            tags=("images", "vision"),
        ),
    ]
