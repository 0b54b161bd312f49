"""Assistants as JSON: Parley's export file, the seed's `assistants.json`, and server objects.

One reader takes all three shapes, because they are one idea written three ways:
- Parley's export: ``{"format": "parley-assistants", "version": 1, "assistants": [...]}``,
  or the same assistants as a bare list, for the original tool (`export_original_json`);
- the seed's file: a list of ``{name, id, …}``, or a mapping whose values are such objects
  (the key is the name when the object has none) or bare ids;
- an Assistants API object (``model``, ``instructions``, ``tools: [{"type": …}]``,
  ``response_format``, ``tool_resources``), which is what "copy to a local assistant" reads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from desktop_app.core.assistants import (
    DEFAULT_COLOR,
    TOOLS,
    AssistantProfile,
    KnowledgeFile,
    parse_tags,
    validate,
)
from desktop_app.core.json_guard import JsonTooDeep, parse_json

FORMAT = "parley-assistants"
VERSION = 1


class AssistantImportError(ValueError):
    """The file cannot be read as assistants at all; the message says why, for the user."""


@dataclass
class ImportResult:
    profiles: list[AssistantProfile] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # one sentence per entry left out
    replaced: int = 0  # lone surrogates replaced by U+FFFD


def profile_to_dict(profile: AssistantProfile) -> dict[str, Any]:
    """The portable form: no local row id; `id` is the server assistant it came from, if any."""
    data: dict[str, Any] = {"name": profile.name}
    if profile.source_id:
        data["id"] = profile.source_id
    data.update(
        description=profile.description,
        model=profile.model,
        instructions=profile.instructions,
        temperature=profile.temperature,
        top_p=profile.top_p,
        max_output_tokens=profile.max_output_tokens,
        reasoning_effort=profile.reasoning_effort or None,
        response_format=profile.response_format,
        json_schema=profile.json_schema,
        tools=list(profile.tools),
        files=[{"name": f.name, "file_id": f.file_id} for f in profile.files],
        vector_store_id=profile.vector_store_id,
        avatar_color=profile.avatar_color,
        tags=list(profile.tags),
    )
    if profile.mcp_servers:
        data["mcp_servers"] = list(profile.mcp_servers)
    if profile.knowledge:
        data["knowledge"] = list(profile.knowledge)
    if profile.provider:  # one of this computer's providers; elsewhere the main one answers
        data["provider"] = profile.provider
    return data


def export_json(profiles: list[AssistantProfile]) -> str:
    document = {
        "format": FORMAT,
        "version": VERSION,
        "assistants": [profile_to_dict(p) for p in profiles],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def export_original_json(profiles: list[AssistantProfile]) -> str:
    """The shape the original tool's `list_assistants` reads from its `assistants.json`: a
    top-level list whose every item has a `name` (it turns each item into an object and
    takes `.name`; an object at the top level, like Parley's own file, gives it nothing).
    Each item is otherwise what Parley exports — `id` is the server assistant's, when there
    is one — so Parley reads the file back completely."""
    return json.dumps([profile_to_dict(p) for p in profiles], ensure_ascii=False, indent=4) + "\n"


class _Bad(ValueError):
    pass


def _str(data: dict[str, Any], key: str, default: str = "") -> str:
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, str):
        raise _Bad(f"“{key}” must be text")
    return value


def _number(data: dict[str, Any], key: str) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Bad(f"“{key}” must be a number")
    return float(value)


def _integer(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad(f"“{key}” must be a whole number")
    return value


def _tools(value: Any) -> tuple[str, ...]:
    """Tool names, from Parley's list of names or the API's list of {"type": …} objects.
    Function tools have no meaning without the code that answered them, so they are dropped."""
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _Bad("“tools” must be a list")
    names = []
    for item in value:
        name = item.get("type") if isinstance(item, dict) else item
        if not isinstance(name, str):
            raise _Bad("each tool must be a name or an object with a “type”")
        name = "web_search" if name.startswith("web_search") else name
        if name in TOOLS and name not in names:
            names.append(name)
    return tuple(names)


def _response_format(data: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    value = data.get("response_format")
    schema = data.get("json_schema")
    if isinstance(value, dict):  # the API's shape
        if value.get("type") == "json_schema":
            inner = value.get("json_schema")
            schema = inner.get("schema") if isinstance(inner, dict) else None
            value = "json_schema"
        else:
            value = "text"
    if value in (None, "auto", "text", "json_object"):
        value = "text"
    if value not in ("text", "json_schema"):
        raise _Bad("“response_format” must be text or json_schema")
    if schema is not None and not isinstance(schema, dict):
        raise _Bad("“json_schema” must be a JSON object")
    return value, schema


def _files(value: Any) -> tuple[KnowledgeFile, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _Bad("“files” must be a list")
    files = []
    for item in value:
        if isinstance(item, str):
            files.append(KnowledgeFile(item))
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            file_id = item.get("file_id")
            files.append(KnowledgeFile(item["name"], file_id if isinstance(file_id, str) else ""))
        else:
            raise _Bad("each file must be a name or {name, file_id}")
    return tuple(files)


def _vector_store(data: dict[str, Any]) -> str:
    if isinstance(data.get("vector_store_id"), str):
        return data["vector_store_id"]
    resources = data.get("tool_resources")
    search = resources.get("file_search") if isinstance(resources, dict) else None
    ids = search.get("vector_store_ids") if isinstance(search, dict) else None
    return ids[0] if isinstance(ids, list) and ids and isinstance(ids[0], str) else ""


def _tags(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return parse_tags(value)
    if isinstance(value, list) and all(isinstance(t, str) for t in value):
        return parse_tags(",".join(value))
    raise _Bad("“tags” must be a list of text")


def _mcp_servers(value: Any) -> tuple[str, ...]:
    """Server names; anything else there (a file from elsewhere, a later version) is left out
    rather than refused: the assistant is still usable without it."""
    if not isinstance(value, list):
        return ()
    names: list[str] = []
    for item in value:
        name = item.strip() if isinstance(item, str) else ""
        if name and name not in names:
            names.append(name)
    return tuple(names)


def profile_from_dict(data: Any, default_model: str, name: str = "") -> AssistantProfile:
    """One entry in any of the accepted shapes. Raises ValueError saying what is wrong."""
    if isinstance(data, str) and name:  # {"Helper": "asst_…"}
        data = {"id": data}
    if not isinstance(data, dict):
        raise _Bad("an assistant must be a JSON object")
    profile_name = _str(data, "name").strip() or name.strip()
    if not profile_name:
        raise _Bad("it has no name")
    response_format, schema = _response_format(data)
    return AssistantProfile(
        name=profile_name,
        model=_str(data, "model").strip() or default_model,
        instructions=_str(data, "instructions"),
        description=_str(data, "description"),
        temperature=_number(data, "temperature"),
        top_p=_number(data, "top_p"),
        max_output_tokens=_integer(data, "max_output_tokens"),
        reasoning_effort=_str(data, "reasoning_effort"),
        response_format=response_format,
        json_schema=schema,
        tools=_tools(data.get("tools")),
        files=_files(data.get("files")),
        vector_store_id=_vector_store(data),
        avatar_color=_str(data, "avatar_color", DEFAULT_COLOR) or DEFAULT_COLOR,
        tags=_tags(data.get("tags")),
        mcp_servers=_mcp_servers(data.get("mcp_servers")),
        knowledge=_mcp_servers(data.get("knowledge")),  # names alike: a list of texts
        source_id=_str(data, "id"),
        provider=_str(data, "provider").strip(),
    )


def _entries(document: Any) -> list[tuple[str, Any]]:
    """(name from the key, entry) pairs from any accepted top-level shape."""
    if isinstance(document, dict) and "assistants" in document:
        document = document["assistants"]
        if not isinstance(document, list | dict):
            raise AssistantImportError("“assistants” must be a list of assistants.")
    if isinstance(document, list):
        return [("", entry) for entry in document]
    if isinstance(document, dict):
        return [(str(key), entry) for key, entry in document.items()]
    raise AssistantImportError(
        "Expected a list of assistants or an object mapping names to assistants."
    )


def import_json(text: str, default_model: str) -> ImportResult:
    """Profiles from a file's text. Entries that cannot be used are skipped and listed; a file
    with nothing usable (or that is not JSON at all) raises AssistantImportError."""
    try:
        document, replaced = parse_json(text)
    except JsonTooDeep as exc:
        raise AssistantImportError(f"The file cannot be read: {exc.msg}.") from None
    except json.JSONDecodeError as exc:
        raise AssistantImportError(
            f"This is not valid JSON ({exc.msg} on line {exc.lineno}, column {exc.colno})."
        ) from exc
    entries = _entries(document)
    if not entries:
        raise AssistantImportError("The file holds no assistants.")
    result = ImportResult(replaced=replaced)
    for number, (key, entry) in enumerate(entries, start=1):
        label = f"“{key}”" if key else f"entry {number}"
        try:
            profile = profile_from_dict(entry, default_model, key)
        except ValueError as exc:
            result.skipped.append(f"{label}: {exc}.")
            continue
        problems = validate(profile)
        if problems:
            result.skipped.append(f"{label}: {problems[0].message}")
            continue
        result.profiles.append(profile)
    if not result.profiles:
        raise AssistantImportError(
            "No assistant in the file could be used. " + " ".join(result.skipped[:3])
        )
    return result


def snapshot_json(profile: AssistantProfile) -> str:
    """The settings a reply was written with, kept beside it: what History shows and filters
    by, unchanged by later edits of the assistant."""
    return json.dumps({"assistant_id": profile.id, **profile_to_dict(profile)}, ensure_ascii=False)
