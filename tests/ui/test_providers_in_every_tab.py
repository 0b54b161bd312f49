"""Other providers beyond Chat: an assistant runs on the provider its model was picked from,
the Images tab describes through another provider's vision model, and the pickers list each
provider's models under a header that cannot be chosen."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt

from desktop_app.core.assistant_json import export_json, profile_from_dict
from desktop_app.core.assistants import AssistantProfile, validate
from desktop_app.core.providers import ProviderEntry, provider_label
from desktop_app.services.image_describer import ItemState
from desktop_app.services.settings import Settings
from tests.openai_server import OpenAIServer
from tests.openai_server.models import make_model
from tests.support.chat import send_and_wait
from tests.support.drops import drop_on, file_urls
from tests.support.images import write_image
from tests.support.loop import run_until


def posts(server: OpenAIServer, path: str) -> list[dict]:
    sent = [r.body for r in server.requests if r.path == path and r.method == "POST"]
    return [body for body in sent if body.get("model") != "parley-capability-probe"]


def settings_with(main: OpenAIServer, other: OpenAIServer) -> Settings:
    return Settings(
        provider="custom",
        base_url=main.url,
        default_model="main-model",
        wire_api="chat_completions",
        other_providers=(ProviderEntry("vllm", "vllm", other.url, name="GPU box"),),
    )


def choose(picker, text: str) -> None:  # type: ignore[no-untyped-def]
    """Pick the entry shown as `text`, as a click in the open list does."""
    index = picker.findText(text)
    assert index >= 0, [picker.itemText(i) for i in range(picker.count())]
    picker.setCurrentIndex(index)


def test_an_assistant_picked_on_another_provider_answers_from_there(
    qloop, qtbot, start_parley, openai_server, fake_keyring
) -> None:
    openai_server.models = [make_model("main-model")]
    with OpenAIServer() as gpu_box:
        gpu_box.api_key = "sk-gpu"
        gpu_box.models = [make_model("big-model")]
        fake_keyring.set_password("Parley", "vllm", "sk-gpu")
        parley = start_parley(settings_with(openai_server, gpu_box))
        run_until(qloop, lambda: parley.chat_tab.model_picker.findText("GPU box › big-model") >= 0)
        run_until(qloop, lambda: parley.tasks.running == 0, timeout=30)

        tab = parley.assistants_tab
        parley.window.tabs.setCurrentWidget(tab)  # showing the tab offers every model
        editor = tab.editor
        picker = editor.model
        header = picker.findText("GPU box")
        assert header >= 0 and picker.is_header(header)
        assert not picker.model().item(header).flags() & Qt.ItemFlag.ItemIsEnabled
        choose(picker, "GPU box › big-model")
        assert editor.model_id == "big-model"
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
        run_until(qloop, lambda: tab.tasks.running == 0)
        saved = tab.selected
        assert saved is not None and saved.provider == "vllm" and saved.model == "big-model"
        # Kept as it was saved: the stored profile says where it runs.
        assert parley.store.get_assistant(saved.id).provider == "vllm"

        qtbot.mouseClick(tab.activate_button, Qt.MouseButton.LeftButton)
        chat = parley.chat_tab
        run_until(qloop, lambda: chat.assistant is not None)
        assert chat.model == "big-model" and chat.provider_id == "vllm"
        assert chat.model_picker.currentText() == "GPU box › big-model"
        send_and_wait(qloop, qtbot, chat, "Hello from the assistant")
        (sent,) = posts(gpu_box, "/v1/chat/completions")
        assert sent["model"] == "big-model"
        assert sent["messages"][0]["role"] in ("system", "developer")  # its instructions
        assert posts(openai_server, "/v1/chat/completions") == []
        assert parley.store.get_dialogue(chat.dialogue_id).provider == "vllm"


def test_an_assistant_whose_provider_was_removed_says_where_it_goes_now(
    qloop, start_parley, openai_server
) -> None:
    parley = start_parley(Settings(provider="custom", base_url=openai_server.url))
    run_until(qloop, lambda: parley.tasks.running == 0, timeout=30)
    away = AssistantProfile("Far away", "remote-model", provider="gone-box")
    parley.chat_tab.set_assistant(away)
    text = parley.chat_tab.banner.text
    assert "The provider “Far away” runs on is no longer in Settings" in text
    assert parley.chat_tab.provider_id == "" and parley.chat_tab.model == "remote-model"


def test_the_images_tab_describes_through_another_providers_vision_model(
    qloop, qtbot, start_parley, openai_server, fake_keyring, tmp_path: Path
) -> None:
    openai_server.models = [make_model("main-model")]
    with OpenAIServer() as gpu_box:
        gpu_box.api_key = "sk-gpu"
        gpu_box.models = [make_model("llava-13b"), make_model("text-only-model")]
        fake_keyring.set_password("Parley", "vllm", "sk-gpu")
        parley = start_parley(settings_with(openai_server, gpu_box))
        images = parley.images_tab
        run_until(qloop, lambda: images.model_picker.findText("GPU box › llava-13b") >= 0)
        run_until(qloop, lambda: parley.tasks.running == 0, timeout=30)
        texts = [images.model_picker.itemText(i) for i in range(images.model_picker.count())]
        assert "GPU box › text-only-model" not in texts  # it does not take images

        parley.window.tabs.setCurrentWidget(images)
        sky = write_image(tmp_path / "sky.png", (60, 40), "blue")
        assert drop_on(qloop, images.drop_zone, file_urls(sky))
        run_until(qloop, lambda: images.model.items and images.model.items[0].facts is not None)
        choose(images.model_picker, "GPU box › llava-13b")
        images.table.selectRow(0)
        qtbot.mouseClick(images.describe_button, Qt.MouseButton.LeftButton)
        run_until(qloop, lambda: images.model.items[0].state is ItemState.DONE)
        (sent,) = posts(gpu_box, "/v1/chat/completions")
        assert sent["model"] == "llava-13b"
        assert sent["messages"][0]["content"][1]["type"] == "image_url"
        assert gpu_box.requests[-1].headers["authorization"] == "Bearer sk-gpu"
        assert posts(openai_server, "/v1/chat/completions") == []
        dialogue = parley.store.get_dialogue(images.model.items[0].dialogue_id)
        assert dialogue.provider == "vllm" and dialogue.model == "llava-13b"


def test_a_profile_keeps_its_provider_through_export_and_import() -> None:
    profile = AssistantProfile("Local helper", "big-model", provider="vllm")
    (entry,) = json.loads(export_json([profile]))["assistants"]
    assert entry["provider"] == "vllm"
    assert profile_from_dict(entry, "fallback").provider == "vllm"
    plain = json.loads(export_json([AssistantProfile("Plain", "gpt-4o")]))["assistants"][0]
    assert "provider" not in plain  # the main provider's: nothing to say
    # The main provider's model list says nothing about another provider's models.
    assert validate(profile, known_models=["gpt-4o"]) == []
    assert [p.field for p in validate(AssistantProfile("X", "nope"), ["gpt-4o"])] == ["model"]


def test_a_custom_provider_is_called_by_its_address_in_the_pickers() -> None:
    assert provider_label("custom", "http://127.0.0.1:8080/v1") == "127.0.0.1:8080"
    assert provider_label("custom", "") == "Custom (OpenAI-compatible)"
    assert provider_label("ollama", "http://localhost:11434/v1") == "Ollama"


def test_the_open_list_shows_models_under_their_provider_without_repeating_its_name(
    qtbot,
) -> None:
    from PySide6.QtWidgets import QStyleOptionViewItem

    from desktop_app.services.provider_sessions import ModelGroup
    from desktop_app.ui.widgets.model_picker import ModelPicker

    picker = ModelPicker()
    qtbot.addWidget(picker)
    picker.fill("OpenAI", ["gpt-4o"], [ModelGroup("vllm", "GPU box", ("big-model",))], "gpt-4o")
    assert [picker.itemText(i) for i in range(picker.count())] == [
        "OpenAI", "gpt-4o", "GPU box", "GPU box › big-model"
    ]
    assert picker.currentText() == "gpt-4o" and picker.grouped
    delegate = picker.itemDelegate()
    model = picker.model()

    def shown(row: int) -> str:
        option = QStyleOptionViewItem()
        option.initFrom(picker.view())
        delegate.initStyleOption(option, model.index(row, 0))
        return option.text

    assert shown(3) == "big-model"  # under its header; the field still says whose it is
    option = QStyleOptionViewItem()
    option.initFrom(picker.view())
    header, row = model.index(2, 0), model.index(3, 0)
    assert delegate.sizeHint(option, header).height() > delegate.sizeHint(option, row).height()
    # One provider: no headers at all, just its models.
    picker.fill("OpenAI", ["gpt-4o", "o4-mini"], [], "o4-mini")
    assert [picker.itemText(i) for i in range(picker.count())] == ["gpt-4o", "o4-mini"]
    assert not picker.grouped and picker.currentText() == "o4-mini"
