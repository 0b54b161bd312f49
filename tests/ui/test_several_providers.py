"""Several providers at once: the picker lists each one's models under its name, a message
goes through the provider of the model picked (with that provider's key), and a dialogue goes
on with the provider it was held with."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desktop_app.core.providers import ProviderEntry
from desktop_app.services.settings import Settings
from tests.openai_server import OpenAIServer
from tests.openai_server.models import make_model
from tests.support.chat import send_and_wait
from tests.support.loop import run_until

# The completer's popup on the offscreen platform cannot be raised or grab the keyboard, and
# Qt says so; that says nothing about the picker.
OFFSCREEN_POPUP = pytest.mark.qt_log_ignore(
    "This plugin does not support raise", "This plugin does not support grabbing the keyboard"
)


def chat_requests(server: OpenAIServer) -> list[dict]:
    sent = [r.body for r in server.requests if r.path == "/v1/chat/completions"]
    return [body for body in sent if body.get("messages")]  # not the capability probe


def picker_texts(tab) -> list[str]:  # type: ignore[no-untyped-def]
    """What the picker lists, a provider's section header as "# Name"."""
    picker = tab.model_picker
    return [
        f"# {picker.itemText(i)}" if picker.is_header(i) else picker.itemText(i)
        for i in range(picker.count())
    ]


@OFFSCREEN_POPUP
def test_a_message_goes_through_the_provider_of_the_model_picked_and_the_dialogue_stays_with_it(
    qloop, qtbot, start_parley, openai_server, fake_keyring
) -> None:
    openai_server.models = [make_model("main-model")]
    with OpenAIServer() as gpu_box:
        gpu_box.api_key = "sk-gpu"
        gpu_box.models = [make_model("big-model"), make_model("/models/tiny.gguf")]
        fake_keyring.set_password("Parley", "vllm", "sk-gpu")
        settings = Settings(
            provider="custom",
            base_url=openai_server.url,
            default_model="main-model",
            other_providers=(ProviderEntry("vllm", "vllm", gpu_box.url, name="GPU box"),),
        )
        parley = start_parley(settings)
        tab = parley.chat_tab
        run_until(qloop, lambda: "GPU box › big-model" in picker_texts(tab))
        run_until(qloop, lambda: parley.tasks.running == 0)
        host = openai_server.url.split("//")[1].split("/")[0]
        assert picker_texts(tab) == [
            f"# {host}",
            "main-model",
            "# GPU box",
            "GPU box › big-model",
            "GPU box › tiny.gguf",
        ]
        assert tab.model == "main-model" and tab.provider_id == ""
        # A header is not a model: it cannot be chosen, and typing finds only models.
        header = tab.model_picker.model().item(2)
        assert not header.flags() & Qt.ItemFlag.ItemIsSelectable

        # Found as a user looks for it: the provider's name narrows the list to its models.
        edit = tab.model_picker.lineEdit()
        edit.setFocus()
        edit.selectAll()
        qtbot.keyClicks(edit, "gpu box")
        completer = tab.model_picker.completer()
        run_until(qloop, lambda: completer.popup().isVisible())
        assert completer.completionCount() == 2
        qtbot.keyClick(completer.popup(), Qt.Key.Key_Down)
        qtbot.keyClick(completer.popup(), Qt.Key.Key_Return)
        assert tab.model == "big-model" and tab.provider_id == "vllm"
        send_and_wait(qloop, qtbot, tab, "Hello, GPU box")
        (turn,) = chat_requests(gpu_box)
        assert turn["model"] == "big-model"
        assert gpu_box.requests[-1].headers["authorization"] == "Bearer sk-gpu"
        assert chat_requests(openai_server) == []
        held = tab.dialogue_id
        stored = parley.store.get_dialogue(held)
        assert stored.provider == "vllm" and stored.model == "big-model"
        assert parley.store.messages(held)[-1].status == "complete"

        # A new dialogue on the main provider goes there.
        tab.new_dialogue()
        tab.show_model("main-model")
        send_and_wait(qloop, qtbot, tab, "Hello, main")
        assert [t["model"] for t in chat_requests(openai_server)] == ["main-model"]
        assert parley.store.get_dialogue(tab.dialogue_id).provider == ""

        # Back in the first dialogue: it goes on with the GPU box.
        tab.open_dialogue(held)
        assert tab.model == "big-model" and tab.provider_id == "vllm"
        send_and_wait(qloop, qtbot, tab, "Still there?")
        assert len(chat_requests(gpu_box)) == 2
        assert len(chat_requests(openai_server)) == 1
        run_until(qloop, lambda: parley.tasks.running == 0)


def test_another_provider_without_its_key_says_so_and_sends_nothing(
    qloop, qtbot, start_parley, openai_server
) -> None:
    with OpenAIServer() as router:
        router.models = [make_model("openai/gpt-4o")]
        settings = Settings(
            provider="custom",
            base_url=openai_server.url,
            other_providers=(ProviderEntry("openrouter", "openrouter", router.url),),
        )
        parley = start_parley(settings)
        tab = parley.chat_tab
        # Nothing listed for it yet (it needs a key first): the picker has none of its models.
        run_until(qloop, lambda: parley.tasks.running == 0)
        assert not any("OpenRouter" in text for text in picker_texts(tab))
        parley.store.cache_models(f"openrouter:{router.url}", [("openai/gpt-4o", "", None)])
        tab.show_cached_models()
        tab.show_model("openai/gpt-4o", "openrouter")
        assert tab.model_picker.currentText() == "OpenRouter › openai/gpt-4o"
        tab.input.setFocus()
        qtbot.keyClicks(tab.input, "Hello?")
        qtbot.keyClick(tab.input, Qt.Key.Key_Return)
        run_until(qloop, lambda: "No API key is set for OpenRouter" in tab.banner.text)
        assert tab.input.toPlainText() == "Hello?" and tab.dialogue_id is None
        assert chat_requests(router) == []


def test_a_dialogue_whose_provider_was_removed_says_where_the_next_message_goes(
    qloop, start_parley, openai_server
) -> None:
    parley = start_parley(Settings(provider="custom", base_url=openai_server.url))
    run_until(qloop, lambda: parley.tasks.running == 0)
    held = parley.store.create_dialogue("On a removed box", "big-model", provider="vllm")
    tab = parley.chat_tab
    tab.open_dialogue(held)
    assert "no longer in Settings" in tab.banner.text
    assert "goes to Custom (OpenAI-compatible)" in tab.banner.text
    assert tab.model == "big-model" and tab.provider_id == ""
