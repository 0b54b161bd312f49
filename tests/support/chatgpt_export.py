"""ChatGPT exports as ChatGPT writes them: conversations with every field an export carries,
voice conversations, web-search citations, uploaded images and PDFs, generated images, and the
.zip that holds them (conversations.json beside the files, named after their file ids).

The field names and shapes follow real exports (2024–2025): message nodes under "mapping" with
a null-message root and a hidden system message, `image_asset_pointer` parts pointing at
`file-service://file-…` or `sediment://file_…`, `audio_transcription` parts in voice
conversations, `metadata.citations` for `【0†source】` markers and `content_references` /
`search_result_groups` for the private-use `\\ue200cite\\ue202turn0search0\\ue201` ones.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

T0 = 1_717_000_000.0  # 2024-05-29


def part_image(file_id: str, scheme: str = "file-service", size: int = 48_213) -> dict[str, Any]:
    return {
        "content_type": "image_asset_pointer",
        "asset_pointer": f"{scheme}://{file_id}",
        "size_bytes": size,
        "width": 1024,
        "height": 768,
        "fovea": None,
        "metadata": {
            "dalle": None,
            "gizmo": None,
            "generation": None,
            "container_pixel_height": None,
            "container_pixel_width": None,
            "emu_omit_glimpse_image": None,
            "emu_patches_override": None,
            "sanitized": True,
            "asset_pointer_link": None,
            "watermarked_asset_pointer": None,
        },
    }


def part_voice(text: str, direction: str, file_id: str) -> list[dict[str, Any]]:
    """What a voice turn holds: the transcript, the recording, and (for the user) the
    real-time pointer that wraps it."""
    audio = {
        "content_type": "audio_asset_pointer",
        "asset_pointer": f"sediment://{file_id}",
        "size_bytes": 187_244,
        "format": "wav",
        "metadata": {
            "start_timestamp": None,
            "end_timestamp": None,
            "pretokenized_vq": None,
            "interruptions": None,
            "original_audio_source": None,
            "transcription": None,
            "word_transcription": None,
            "start": 0.0,
            "end": 3.9,
        },
    }
    parts: list[dict[str, Any]] = [
        {"content_type": "audio_transcription", "text": text, "direction": direction,
         "decoding_id": None},
    ]  # fmt: skip
    if direction == "in":
        parts.append(
            {
                "content_type": "real_time_user_audio_video_asset_pointer",
                "frames_asset_pointers": [],
                "video_container_asset_pointer": None,
                "audio_asset_pointer": audio,
                "audio_start_timestamp": 2.41,
            }
        )
    else:
        parts.append(audio)
    return parts


@dataclass
class Turn:
    role: str
    parts: list[Any]
    content_type: str = "text"
    metadata: dict[str, Any] = field(default_factory=dict)
    recipient: str = "all"
    author_name: str | None = None
    hidden: bool = False


def user(text: str = "", *more: Any, attachments: list[dict[str, Any]] | None = None) -> Turn:
    parts = [text, *more] if text or not more else list(more)
    kind = "multimodal_text" if any(isinstance(p, dict) for p in parts) else "text"
    metadata: dict[str, Any] = {"request_id": "8a1f2c", "message_source": None,
                                "timestamp_": "absolute", "message_type": None}  # fmt: skip
    if attachments:
        metadata["attachments"] = attachments
    return Turn("user", parts or [""], kind, metadata)


def assistant(text: str, model: str = "gpt-4o", **metadata: Any) -> Turn:
    meta = {"finish_details": {"type": "stop", "stop_tokens": [200002]}, "is_complete": True,
            "citations": [], "content_references": [], "model_slug": model,
            "default_model_slug": model, "parent_id": "", "request_id": "8a1f2c",
            "timestamp_": "absolute"}  # fmt: skip
    meta.update(metadata)
    return Turn("assistant", [text], "text", meta)


def tool(name: str, parts: list[Any], content_type: str = "multimodal_text") -> Turn:
    return Turn("tool", parts, content_type, {"command": "search"}, author_name=name)


def _message(node_id: str, turn: Turn, when: float) -> dict[str, Any]:
    metadata = dict(turn.metadata)
    if turn.hidden:
        metadata["is_visually_hidden_from_conversation"] = True
    return {
        "id": node_id,
        "author": {"role": turn.role, "name": turn.author_name, "metadata": {}},
        "create_time": when,
        "update_time": None,
        "content": {"content_type": turn.content_type, "parts": turn.parts},
        "status": "finished_successfully",
        "end_turn": True if turn.role == "assistant" else None,
        "weight": 1.0,
        "metadata": metadata,
        "recipient": turn.recipient,
        "channel": None,
    }


def conversation(
    conversation_id: str, title: str, turns: Iterable[Turn], start: float = T0,
    voice: str | None = None, model: str = "gpt-4o",
) -> dict[str, Any]:  # fmt: skip
    """One conversation, one branch: a null root, the hidden system message, then `turns`."""
    system = Turn("system", [""], hidden=True)
    chain = [("client-created-root", None), (f"{conversation_id}-sys", system)]
    chain += [(f"{conversation_id}-{i}", t) for i, t in enumerate(turns)]
    mapping: dict[str, Any] = {}
    for i, (node_id, turn) in enumerate(chain):
        mapping[node_id] = {
            "id": node_id,
            "message": None if turn is None else _message(node_id, turn, start + i * 7.5),
            "parent": chain[i - 1][0] if i else None,
            "children": [chain[i + 1][0]] if i + 1 < len(chain) else [],
        }
    return {
        "title": title,
        "create_time": start,
        "update_time": start + len(chain) * 7.5,
        "mapping": mapping,
        "moderation_results": [],
        "current_node": chain[-1][0],
        "plugin_ids": None,
        "conversation_id": conversation_id,
        "conversation_template_id": None,
        "gizmo_id": None,
        "gizmo_type": None,
        "is_archived": False,
        "is_starred": None,
        "safe_urls": [],
        "blocked_urls": [],
        "default_model_slug": model,
        "conversation_origin": None,
        "voice": voice,
        "async_status": None,
        "disabled_tool_ids": [],
        "is_do_not_remember": False,
        "memory_scope": "global_enabled",
        "sugar_item_id": None,
        "id": conversation_id,
    }


def write_zip(
    path: Path, conversations: list[dict[str, Any]], files: dict[str, bytes] | None = None
) -> Path:
    """The export's .zip: conversations.json (deflated, as ChatGPT does), the files by their
    names, and the other members an export has."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("user.json", json.dumps({"id": "user-Ab12Cd34", "email": "a@b.c"}))
        archive.writestr("conversations.json", json.dumps(conversations, ensure_ascii=False))
        archive.writestr("message_feedback.json", "[]")
        archive.writestr("chat.html", "<html><body>…</body></html>")
        for name, data in (files or {}).items():
            archive.writestr(name, data)
    return path


def jpeg(color: tuple[int, int, int] = (200, 40, 40), size: tuple[int, int] = (32, 24)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


def picture(color: tuple[int, int, int] = (20, 90, 200), fmt: str = "PNG") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (16, 16), color).save(out, fmt)
    return out.getvalue()


# --- the conversations of a realistic export ----------------------------------------------

PHOTO_ID = "file-Q1w2E3r4T5y6U7i8"
PDF_ID = "file-Pd7Fq2Lm9Xz4Rt6Y"
DALLE_ID = "file_00000000c4a861f7a2b3d4e5f6071829"
VOICE_IN = "file_00000000aa11bb22cc33dd44ee55ff66"
VOICE_OUT = "file_0000000011aa22bb33cc44dd55ee66ff"

SEARCH_TEXT = (
    "Lisbon in May is usually sunny, around 22 °C by day.【4†source】 The jacaranda trees "
    "bloom from late May. \ue200cite\ue202turn0search0\ue202turn0search3\ue201 Book a tram 28 "
    "ride early. \ue200cite\ue202turn0news9\ue201 Try the pastéis in "
    '\ue200entity\ue202["district","Belém","Lisbon"]\ue201.'
)


def search_metadata(text: str = SEARCH_TEXT) -> dict[str, Any]:
    old = text.index("【4†source】")
    new = text.index("\ue200cite\ue202turn0search0")
    new_end = text.index("\ue201", new) + 1
    return {
        "citations": [
            {
                "start_ix": old,
                "end_ix": old + len("【4†source】"),
                "citation_format_type": "tether_og",
                "metadata": {
                    "type": "webpage",
                    "title": "Lisbon weather in May",
                    "url": "https://www.weather-lisbon.example/may",
                    "text": "",
                    "pub_date": None,
                    "extra": {
                        "cited_message_idx": 4,
                        "search_result_idx": None,
                        "evidence_text": "source",
                    },
                },
                "og_tags": None,
            }
        ],
        "content_references": [
            {
                "matched_text": text[new:new_end],
                "start_idx": new,
                "end_idx": new_end,
                "safe_urls": ["https://visitlisboa.example/jacarandas"],
                "refs": [
                    {"turn_index": 0, "ref_type": "search", "ref_index": 0},
                    {"turn_index": 0, "ref_type": "search", "ref_index": 3},
                ],
                "alt": "([Visit Lisboa](https://visitlisboa.example/jacarandas))",
                "prompt_text": None,
                "type": "grouped_webpages",
                "items": [
                    {
                        "title": "Jacarandas in bloom",
                        "url": "https://visitlisboa.example/jacarandas",
                        "pub_date": None,
                        "snippet": "…",
                        "attribution": "visitlisboa.example",
                        "refs": [{"turn_index": 0, "ref_type": "search", "ref_index": 0}],
                    },
                    {
                        "title": "Lisbon [spring] guide",
                        "url": "https://guide.example/lisbon",
                        "pub_date": None,
                        "snippet": "…",
                        "attribution": "guide.example",
                        "refs": [{"turn_index": 0, "ref_type": "search", "ref_index": 3}],
                    },
                ],
                "fallback_items": [],
                "status": "done",
                "error": None,
                "style": None,
            },
            {
                "matched_text": " ",
                "start_idx": len(text),
                "end_idx": len(text),
                "safe_urls": [],
                "refs": [],
                "alt": "",
                "prompt_text": None,
                "type": "sources_footnote",
                "sources": [],
                "has_images": False,
            },
        ],
        "search_result_groups": [
            {
                "type": "search_result_group",
                "domain": "visitlisboa.example",
                "entries": [
                    {
                        "type": "search_result",
                        "url": "https://visitlisboa.example/jacarandas",
                        "title": "Jacarandas in bloom",
                        "snippet": "…",
                        "ref_id": {"turn_index": 0, "ref_type": "search", "ref_index": 0},
                        "pub_date": None,
                        "attribution": "visitlisboa.example",
                    },
                ],
            }
        ],
        "search_queries": [{"type": "search", "q": "Lisbon weather May"}],
        "model_slug": "gpt-4o",
    }


def photo_conversation() -> dict[str, Any]:
    """An image-only turn (with the image in the zip), then a PDF-only turn (not in it)."""
    return conversation(
        "6650a1b2-0000-4000-8000-000000000001",
        "What is this plant",
        [
            user(part_image(PHOTO_ID), attachments=[
                {"id": PHOTO_ID, "size": 48_213, "name": "IMG_2031.jpeg",
                 "mime_type": "image/jpeg", "width": 1024, "height": 768}]),
            assistant("That is a Monstera deliciosa."),
            user("", attachments=[
                {"id": PDF_ID, "size": 183_402, "name": "care-report.pdf",
                 "mime_type": "application/pdf", "file_token_size": 2_311}]),
            assistant("The report says to water it every ten days."),
            user("Thanks!"),
        ],
    )  # fmt: skip


def voice_conversation() -> dict[str, Any]:
    return conversation(
        "6650a1b2-0000-4000-8000-000000000002",
        "Weather chat",
        [
            Turn("user", part_voice("What's the weather like in Lisbon in May?", "in",
                                    VOICE_IN), "multimodal_text"),
            Turn("assistant", part_voice("Mostly sunny and warm, about 22 degrees.", "out",
                                         VOICE_OUT), "multimodal_text",
                 {"model_slug": "gpt-4o", "voice_mode_message": True}),
        ],
        voice="cove",
    )  # fmt: skip


def search_conversation() -> dict[str, Any]:
    return conversation(
        "6650a1b2-0000-4000-8000-000000000003",
        "Lisbon trip",
        [
            user("Plan a day in Lisbon in May"),
            Turn("assistant", ['search("Lisbon weather May")'], "code",
                 {"model_slug": "gpt-4o"}, recipient="web"),
            tool("web", [""], "text"),
            assistant(SEARCH_TEXT, **search_metadata()),
        ],
    )  # fmt: skip


def dalle_conversation() -> dict[str, Any]:
    return conversation(
        "6650a1b2-0000-4000-8000-000000000004",
        "Lighthouse picture",
        [
            user("Draw a lighthouse at dusk"),
            Turn("assistant", ['{"prompt": "a lighthouse at dusk", "size": "1024x1024"}'],
                 "text", {"model_slug": "gpt-4o"}, recipient="dalle.text2im"),
            tool("dalle.text2im", [part_image(DALLE_ID, "sediment")]),
            assistant("Here is your lighthouse at dusk."),
        ],
    )  # fmt: skip


def realistic_export(path: Path) -> Path:
    """A zip with the four conversations above and the files an export holds for them: the
    photo, the generated image, the voice clips — and no PDF (exports leave documents out)."""
    return write_zip(
        path,
        [photo_conversation(), voice_conversation(), search_conversation(), dalle_conversation()],
        {
            f"{PHOTO_ID}-IMG_2031.jpeg": jpeg(),
            f"dalle-generations/{DALLE_ID}-5c1e2a9b-7d3f-4a60-9e21-0b8c7f6d5e4a.webp": picture(
                fmt="WEBP"
            ),
            f"6650a1b2-0000-4000-8000-000000000002/audio/{VOICE_IN}-0b1c.wav": b"RIFF\0\0WAVE",
            f"6650a1b2-0000-4000-8000-000000000002/audio/{VOICE_OUT}-9f8e.wav": b"RIFF\0\0WAVE",
        },
    )
