"""The Responses API's hosted ``mcp`` tool, as the service runs it: the server itself calls the
MCP server named by the request (``server_url``, ``headers``), over Streamable HTTP.

When a request offers ``{"type": "mcp", …}`` and the last user message says ``use <tool>
with {json}``, the reply lists the server's tools (an ``mcp_list_tools`` item) and, for each
call that ``require_approval`` does not waive (``"never"``, or ``{"never": {"tool_names":
[…]}}``), an ``mcp_approval_request`` item — and no text: the response waits for the user.
The next request carries those items and ``mcp_approval_response`` items: each approved call
runs for real against the MCP server and comes back as an ``mcp_call`` item (its ``output``,
or ``error``), then the text quotes the results (``Tool results: add → 42.0``); a refused one
is said in the text. Calls waived from approval run at once, the same way.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from .tool_replies import planned_calls, results_reply


@dataclass
class HostedPlan:
    items: list[dict[str, Any]] = field(default_factory=list)  # output items before the text
    text: str | None = None  # None: the response stops to wait for approvals


def hosted_entries(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in body.get("tools") or [] if isinstance(t, dict) and t.get("type") == "mcp"]


def _waived(entry: dict[str, Any], name: str) -> bool:
    rule = entry.get("require_approval", "always")
    if rule == "never":
        return True
    if isinstance(rule, dict):
        never = rule.get("never") or {}
        return name in (never.get("tool_names") or [])
    return False


def call_mcp(entry: dict[str, Any], name: str, arguments: str) -> tuple[str, str]:
    """Run one tool on the entry's server: (output, "") or ("", error)."""

    async def go() -> tuple[str, str]:
        import httpx2
        from mcp import ClientSession
        from mcp.client.streamable_http import streamable_http_client

        headers = dict(entry.get("headers") or {})
        async with (
            httpx2.AsyncClient(headers=headers, timeout=30.0) as client,
            streamable_http_client(entry["server_url"], http_client=client) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            result = await session.call_tool(name, json.loads(arguments or "{}"))
        text = "\n".join(c.text for c in result.content if getattr(c, "type", "") == "text")
        return ("", text or "the tool failed") if result.is_error else (text, "")

    try:
        return asyncio.run(go())
    except Exception as exc:  # the server is not there, or broke: the item says so
        return "", f"{type(exc).__name__}: {exc}"


def _call_item(entry: dict[str, Any], name: str, arguments: str, request_id: str) -> dict[str, Any]:
    output, error = call_mcp(entry, name, arguments)
    item: dict[str, Any] = {
        "id": f"mcp_{uuid.uuid4().hex[:24]}",
        "type": "mcp_call",
        "status": "failed" if error else "completed",
        "name": name,
        "arguments": arguments,
        "server_label": entry["server_label"],
        "output": output or None,
        "error": {"type": "tool_execution_error", "message": error} if error else None,
    }
    if request_id:
        item["approval_request_id"] = request_id
    return item


def _quote(items: list[dict[str, Any]], refused: list[str]) -> str:
    done = [(i["name"], i["output"] or f"Error: {i['error']['message']}") for i in items]
    text = results_reply(done) if done else ""
    if refused:
        text += f"The user declined {', '.join(refused)}.\n"
    return text


def hosted_plan(body: dict[str, Any], last_user: str) -> HostedPlan | None:
    """What the service does with the hosted tools of a request (None: it offers none)."""
    entries = hosted_entries(body)
    if not entries:
        return None
    value = body.get("input")
    items = [i for i in value if isinstance(i, dict)] if isinstance(value, list) else []
    by_label = {e.get("server_label"): e for e in entries}
    answers = {
        i.get("approval_request_id"): bool(i.get("approve"))
        for i in items
        if i.get("type") == "mcp_approval_response"
    }
    if items and items[-1].get("type") == "mcp_approval_response":
        made, refused = [], []
        for request in items:
            if request.get("type") != "mcp_approval_request" or request["id"] not in answers:
                continue
            entry = by_label.get(request.get("server_label"))
            if entry is None or not answers[request["id"]]:
                refused.append(str(request.get("name")))
                continue
            made.append(_call_item(entry, request["name"], request["arguments"], request["id"]))
        return HostedPlan(made, _quote(made, refused))
    calls = planned_calls(last_user)
    if not calls:
        return None
    entry = entries[0]
    label = entry["server_label"]
    listing = {
        "id": f"mcpl_{uuid.uuid4().hex[:24]}",
        "type": "mcp_list_tools",
        "server_label": label,
        "tools": [{"name": c.name, "input_schema": {"type": "object"}} for c in calls],
    }
    plan = HostedPlan([listing])
    waiting = False
    made = []
    for call in calls:
        if _waived(entry, call.name):
            made.append(_call_item(entry, call.name, call.arguments, ""))
            continue
        waiting = True
        plan.items.append(
            {
                "id": f"mcpr_{uuid.uuid4().hex[:24]}",
                "type": "mcp_approval_request",
                "name": call.name,
                "arguments": call.arguments,
                "server_label": label,
            }
        )
    plan.items += made
    plan.text = None if waiting else _quote(made, [])
    return plan
