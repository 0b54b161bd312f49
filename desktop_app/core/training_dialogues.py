"""Fine-tuning examples from stored dialogues, steered by the user's 👍/👎 ratings.

Supervised: one example per dialogue, in OpenAI's chat format. A reply rated 👎 stays as
context but gets `weight: 0`, so the model is not taught to say it; with `only_rated_up`, only
👍 replies are taught. The example ends at the last reply that is taught. Images the user sent
become image parts of the user message (vision fine-tuning).

Preference (DPO): Regenerate keeps the replies it replaces, so a prompt can have several
answers; one rated 👍 and one rated 👎 make a pair, with everything before them as the input.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from desktop_app.core.dialogue import Dialogue, Message, Status

UP, DOWN = 1, -1
ImageUrls = Callable[[Message], list[str]]


def _message(message: Message, image_urls: ImageUrls | None) -> dict[str, Any]:
    urls = image_urls(message) if image_urls is not None and message.role == "user" else []
    if not urls:
        return {"role": message.role, "content": message.content}
    parts: list[dict[str, Any]] = []
    if message.content.strip():
        parts.append({"type": "text", "text": message.content})
    parts += [{"type": "image_url", "image_url": {"url": url}} for url in urls]
    return {"role": message.role, "content": parts}


def _usable(message: Message) -> bool:
    return (
        message.role in ("user", "assistant")
        and message.status is Status.COMPLETE
        and bool(message.content.strip() or message.attachments)
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
    superseded: Collection[int],
    image_urls: ImageUrls | None = None,
) -> list[dict[str, Any]]:
    """DPO pairs from a dialogue: `every_message` includes the replies Regenerate replaced
    (their ids in `superseded`), in the order they were written."""
    context: list[dict[str, Any]] = []
    if dialogue.system.strip():
        context.append({"role": "system", "content": dialogue.system})
    pairs: list[dict[str, Any]] = []
    index = 0
    while index < len(every_message):
        m = every_message[index]
        index += 1
        if m.id in superseded or not _usable(m):
            continue
        if m.role != "user":
            context.append(_message(m, image_urls))
            continue
        context.append(_message(m, image_urls))
        answers: list[Message] = []
        while index < len(every_message) and every_message[index].role == "assistant":
            answers.append(every_message[index])
            index += 1
        good = [a for a in answers if _usable(a) and a.rating == UP]
        bad = [a for a in answers if _usable(a) and a.rating == DOWN]
        for i in range(max(len(good), len(bad)) if good and bad else 0):
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
        current = [a for a in answers if a.id not in superseded and _usable(a)]
        context += [_message(a, image_urls) for a in current]
    return pairs
