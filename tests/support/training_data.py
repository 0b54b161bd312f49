"""Small fine-tuning datasets for tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def chat_example(i: int) -> dict[str, Any]:
    return {
        "messages": [
            {"role": "system", "content": "You answer in one short sentence."},
            {"role": "user", "content": f"What is {i} plus {i}?"},
            {"role": "assistant", "content": f"{i} plus {i} is {2 * i}."},
        ]
    }


def write_jsonl(path: Path, examples: list[Any]) -> Path:
    path.write_text("".join(json.dumps(e) + "\n" for e in examples), "utf-8")
    return path


def chat_file(path: Path, count: int = 12) -> Path:
    return write_jsonl(path, [chat_example(i) for i in range(count)])


def labelled_csv(path: Path, rows: int = 12) -> Path:
    """question,answer,label: every prompt has a good and a bad answer."""
    lines = ["question,answer,label"]
    for i in range(rows):
        lines.append(f'"What is {i} plus {i}?","{i} plus {i} is {2 * i}.",positive')
        lines.append(f'"What is {i} plus {i}?","No idea.",negative')
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


# --- a realistic chat dataset, shaped like the OpenAI cookbook's toy one --------------------

_TOPICS = (
    ("my order has not arrived", "I'm sorry it's late! Orders usually arrive in 3–5 working "
     "days; I've checked yours and it left the warehouse yesterday, so it should be with you "
     "by Friday."),
    ("how do I reset my password", "Click “Forgot password” on the sign-in page, enter your "
     "e-mail address and follow the link we send you. The link works for one hour."),
    ("can I change the delivery address", "Yes, as long as the parcel hasn't shipped: open "
     "the order under Account → Orders and choose “Edit address”."),
    ("the app crashes when I upload a photo", "Thanks for telling us. Please update to the "
     "latest version; if it still crashes, send us the photo's size and your phone model."),
    ("do you ship to Canada", "We do! Shipping to Canada takes 7–10 days and costs CA$12, or "
     "nothing for orders over CA$100."),
    ("I was charged twice", "That shouldn't happen — sorry! The second charge is a hold that "
     "your bank releases within 5 days. If it is still there next week, reply here."),
    ("what is your refund policy", "You can return anything within 30 days for a full "
     "refund; we pay the return postage."),
    ("is there a student discount", "Yes: 15 % off with a valid student e-mail address."),
)  # fmt: skip
_FOLLOW_UPS = (
    ("Thanks! And what if it doesn't come by then?", "Then write to us again and we'll send "
     "a replacement at no cost, or refund you — whichever you prefer."),
    ("ok", "Glad I could help. Anything else?"),
    ("Can you explain that again, more slowly?", "Of course. First, open the app. Second, "
     "go to your account page. Third, choose the option I mentioned, and confirm. That's all "
     "there is to it — and if any step looks different on your screen, tell me what you see "
     "and I'll guide you from there."),
)  # fmt: skip
SUPPORT_SYSTEM = "You are Sunny, a cheerful support assistant for an online shop."


def support_examples(count: int = 50, seed: int = 3) -> list[dict[str, Any]]:
    """`count` support conversations: one to three turns, most with a system message, a few
    with a user `name` — varied lengths, like a small real fine-tuning set."""
    import random

    rng = random.Random(seed)
    examples = []
    for i in range(count):
        messages: list[dict[str, Any]] = []
        if i % 6:
            messages.append({"role": "system", "content": SUPPORT_SYSTEM})
        question, answer = _TOPICS[i % len(_TOPICS)]
        user: dict[str, Any] = {"role": "user", "content": f"Hi, {question}? (ticket {i})"}
        if i % 9 == 4:
            user["name"] = f"customer_{i}"
        messages += [user, {"role": "assistant", "content": answer}]
        for _ in range(rng.choice((0, 0, 0, 1, 2))):
            more, reply = rng.choice(_FOLLOW_UPS)
            messages += [
                {"role": "user", "content": more},
                {"role": "assistant", "content": reply},
            ]
        examples.append({"messages": messages})
    return examples
