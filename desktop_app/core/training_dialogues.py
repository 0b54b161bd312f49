"""Fine-tuning examples from stored dialogues, steered by the user's 👍/👎 ratings.

Supervised: one example per dialogue, in OpenAI's chat format. A reply rated 👎 stays as
context but gets `weight: 0`, so the model is not taught to say it; with `only_rated_up`, only
👍 replies are taught. The example ends at the last reply that is taught. Images the user sent
become image parts of the user message (vision fine-tuning).

Preference (DPO): a dialogue is a tree, and Regenerate adds sibling replies, so a prompt can
have several answers; one rated 👍 and one rated 👎 make a pair, with the branch before them as
the input.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from desktop_app.core.dialogue import Dialogue, Message, Status
from desktop_app.core.message_tree import MessageTree

UP, DOWN = 1, -1
ImageUrls = Callable[[Message], list[str]]


def _message(message: Message, image_urls: ImageUrls | None) -> dict[str, Any]:
    if message.role == "tool":
        return {"role": "tool", "tool_call_id": message.tool_call_id, "content": message.content}
    if message.tool_calls:
        return {
            "role": "assistant",
            "content": message.content or None,
            "tool_calls": message.tool_calls,
        }
    urls = image_urls(message) if image_urls is not None and message.role == "user" else []
    if not urls:
        return {"role": message.role, "content": message.content}
    parts: list[dict[str, Any]] = []
    if message.content.strip():
        parts.append({"type": "text", "text": message.content})
    parts += [{"type": "image_url", "image_url": {"url": url}} for url in urls]
    return {"role": message.role, "content": parts}


def _usable(message: Message) -> bool:
    if message.status is not Status.COMPLETE:
        return False
    if message.role == "tool":
        return bool(message.tool_call_id)
    return message.role in ("user", "assistant") and bool(
        message.content.strip() or message.attachments or message.tool_calls
    )


def supervised_example(
    dialogue: Dialogue,
    only_rated_up: bool = False,
    image_urls: ImageUrls | None = None,
) -> tuple[dict[str, Any] | None, str]:
    """One chat example from a dialogue, or None and the reason it has none."""
    messages: list[dict[str, Any]] = []
    if dialogue.system.strip():
        messages.append({"role": "system", "content": dialogue.system})
    last_taught = -1
    for m in dialogue.messages:
        if not _usable(m):
            continue
        entry = _message(m, image_urls)
        if m.role == "assistant":
            taught = m.rating == UP if only_rated_up else m.rating != DOWN
            if not taught:
                entry["weight"] = 0
            else:
                last_taught = len(messages)
        messages.append(entry)
    if last_taught < 0:
        why = "no reply rated 👍" if only_rated_up else "no reply to learn from"
        return None, f"{dialogue.title!r} has {why}"
    messages = messages[: last_taught + 1]
    if not any(m["role"] == "user" for m in messages):
        return None, f"{dialogue.title!r} has no user message before its reply"
    return {"messages": messages}, ""


def preference_examples(
    dialogue: Dialogue,
    every_message: list[Message],
    image_urls: ImageUrls | None = None,
) -> list[dict[str, Any]]:
    """DPO pairs from a dialogue tree: `every_message` holds every branch, each message with
    its parent. Replies to the same user message (Regenerate adds them as siblings) rated 👍
    and 👎 make pairs, whatever branch they are on; the input is the branch down to that user
    message. Replies to different versions of a message (an edit) answer different prompts,
    so they never pair."""
    tree = MessageTree((m.id, m.parent_id) for m in every_message if m.id is not None)
    by_id = {m.id: m for m in every_message if m.id is not None}
    system = [{"role": "system", "content": dialogue.system}] if dialogue.system.strip() else []
    pairs: list[dict[str, Any]] = []
    for prompt in every_message:
        if prompt.id is None or prompt.role != "user" or not _usable(prompt):
            continue
        answers = [by_id[i] for i in tree.children(prompt.id)]
        usable = [a for a in answers if a.role == "assistant" and _usable(a)]
        good = [a for a in usable if a.rating == UP]
        bad = [a for a in usable if a.rating == DOWN]
        if not (good and bad):
            continue
        path = [by_id[i] for i in tree.path_to(prompt.id)]
        context = system + [_message(m, image_urls) for m in path if _usable(m)]
        for i in range(max(len(good), len(bad))):
            pairs.append(
                {
                    "input": {"messages": list(context)},
                    "preferred_output": [
                        {"role": "assistant", "content": good[i % len(good)].content}
                    ],
                    "non_preferred_output": [
                        {"role": "assistant", "content": bad[i % len(bad)].content}
                    ],
                }
            )
    return pairs
