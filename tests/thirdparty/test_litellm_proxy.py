"""Parley against a real LiteLLM proxy (1.80, mock responses), driven as a user drives it."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop_app.core.dialogue import Status
from desktop_app.services.settings import Settings
from tests.support.chat import send_and_wait, type_and_send
from tests.support.loop import run_until
from tests.thirdparty.litellm_server import (
    ASSISTANT_MODEL,
    ASSISTANT_TEXT,
    CHAT_MODEL,
    CHAT_TEXT,
    LONG_MODEL,
    LONG_TEXT,
    MOCKS,
)


def click(qtbot, widget) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def test_the_first_run_offer_leads_to_a_first_message_on_the_proxys_model(
    qloop,
    qtbot,
    start_parley,
    litellm_proxy,
) -> None:
    parley = start_parley(discovery_candidates=[litellm_proxy.url])
    tab = parley.chat_tab
    run_until(qloop, lambda: "is running on this computer" in tab.banner.text, timeout=30)
    assert f"{len(MOCKS)} models" in tab.banner.text
    click(qtbot, tab.banner.action_button)
    # Named by what it answers (/health/liveliness), not by its port.
    assert (parley.settings.provider, parley.settings.base_url) == ("litellm", litellm_proxy.url)
    run_until(qloop, lambda: parley.window.connection_state == "online", timeout=30)
    run_until(qloop, lambda: tab.model_picker.count() == len(MOCKS))
    assert tab.model == CHAT_MODEL  # the proxy's first model, not the OpenAI preset's

    send_and_wait(qloop, qtbot, tab, "Hello, proxy")
    reply = parley.store.messages(tab.dialogue_id)[-1]
    assert reply.status is Status.COMPLETE and reply.model == CHAT_MODEL
    assert reply.content == CHAT_TEXT  # every 3-character chunk, in order
    assert "word39" in tab.transcript.toPlainText()

    # LiteLLM sends usage in the last chunk (Parley asks with include_usage); it counts the
    # mock's text with its own tokenizer, and Parley records exactly that, unpriced.
    said = litellm_proxy.stream_usage(CHAT_MODEL, [{"role": "user", "content": "Hello, proxy"}])
    (entry,) = parley.store.usage_entries(0, 2**40)
    assert entry.model == CHAT_MODEL and not entry.tokens.estimated
    assert entry.tokens.output == said["completion_tokens"] > 0
    assert entry.tokens.input > 0
    # Found as a LiteLLM proxy, a gateway to paid models wherever it runs: priced by the model's
    # name, and the table has no price for this one: unpriced, not free.
    assert parley.settings.provider == "litellm" and entry.cost is None
    assert (reply.prompt_tokens, reply.completion_tokens) == (
        entry.tokens.input,
        entry.tokens.output,
    )


def test_stop_mid_reply_keeps_the_partial_text(
    qloop,
    qtbot,
    start_parley,
    litellm_proxy,
) -> None:
    settings = Settings(provider="custom", base_url=litellm_proxy.url, default_model=LONG_MODEL)
    parley = start_parley(settings)
    tab = parley.chat_tab
    run_until(qloop, lambda: parley.tasks.running == 0, timeout=30)
    assert tab.model == LONG_MODEL
    type_and_send(qtbot, tab, "Tell me something long")
    run_until(qloop, lambda: tab.busy and "part00050" in tab.transcript.toPlainText(), 30)
    click(qtbot, tab.stop_button)
    run_until(qloop, lambda: not tab.busy)

    reply = parley.store.messages(tab.dialogue_id)[-1]
    assert reply.status is Status.INTERRUPTED
    assert "part00050" in reply.content and LONG_TEXT.startswith(reply.content)
    assert len(reply.content) < len(LONG_TEXT)
    assert "Stopped" in tab.banner.text
    # The proxy is fine afterwards: the next message, on its short model, gets a whole reply.
    tab.model_picker.setCurrentIndex(tab.model_picker.findText(CHAT_MODEL))
    assert tab.model == CHAT_MODEL
    send_and_wait(qloop, qtbot, tab, "Now something short")
    again = parley.store.messages(tab.dialogue_id)[-1]
    assert again.status is Status.COMPLETE and again.content == CHAT_TEXT


def test_an_assistant_on_the_automatic_wire_api(
    qloop,
    qtbot,
    start_parley,
    litellm_proxy,
) -> None:
    """LiteLLM 1.80 bridges /v1/responses to the mock, but only without streaming: a streamed
    Responses request answers 500 with its own traceback as an SSE event. The capability
    probe finds Responses ("Invalid model name" names the request), so the automatic wire
    API sends an assistant's turn there.

    The automatic mode falls back to chat completions on that 5xx before any text came,
    says so once, and remembers it for the model: the turn completes."""
    settings = Settings(
        provider="custom",
        base_url=litellm_proxy.url,
        default_model=ASSISTANT_MODEL,
        wire_api="auto",
    )
    parley = start_parley(settings)
    run_until(qloop, lambda: parley.tasks.running == 0, timeout=30)
    tab = parley.assistants_tab
    tab.select_row([p.name for p in tab.model.profiles].index("Translator"))
    click(qtbot, tab.activate_button)
    run_until(qloop, lambda: parley.chat_tab.assistant is not None)
    chat = parley.chat_tab
    assert chat.assistant.model == ASSISTANT_MODEL
    type_and_send(qtbot, chat, "Bonjour")
    run_until(qloop, lambda: chat.dialogue_id is not None and not chat.busy, timeout=60)

    reply = parley.store.messages(chat.dialogue_id)[-1]
    assert reply.status is Status.COMPLETE and reply.content == ASSISTANT_TEXT
    shown = chat.banner.text
    assert "Responses API failed (500" in shown and "chat completions instead" in shown
    for text in (shown, reply.error):  # the proxy's stack stays out of sight
        assert "Traceback" not in text and "proxy_server.py" not in text and "data:" not in text

    # Without an assistant, the automatic mode sends plain chat on chat completions: it works.
    click(qtbot, chat.header.clear_button)
    run_until(qloop, lambda: chat.assistant is None)
    send_and_wait(qloop, qtbot, chat, "And now plainly")
    plain = parley.store.messages(chat.dialogue_id)[-1]
    assert plain.status is Status.COMPLETE and plain.content == ASSISTANT_TEXT
