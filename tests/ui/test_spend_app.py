"""Spend and model lifecycles in the running app: costs in the transcript and per dialogue,
the Usage tab, budget warnings, prices edited in Settings, and retiring models flagged."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from desktop_app.core.assistants import AssistantProfile
from desktop_app.core.pricing import Charge, TokenUsage
from desktop_app.self_test import TAB_NAMES
from desktop_app.services.settings import Settings
from tests.openai_server import Fault
from tests.openai_server.models import RETIRING_MODEL, retiring_date
from tests.support.chat import type_and_send
from tests.support.loop import run, run_until

RETIRING = f"⚠ retiring {retiring_date()} → use o4-mini"


def send(qloop, qtbot, parley, text: str):  # type: ignore[no-untyped-def]
    tab = parley.chat_tab
    count = len(parley.store.usage_entries(0, 2e10))
    type_and_send(qtbot, tab, text)
    run_until(
        qloop,
        lambda: (
            not tab.busy
            and len(parley.store.usage_entries(0, 2e10)) > count
            and parley.tasks.running == 0
            and tab.tasks.running == 0
            and parley.spend.tasks.running == 0  # the budget check after the reply is priced
        ),
    )
    return parley.store.messages(tab.dialogue_id)[-1]


def test_replies_show_their_cost_and_the_dialogue_its_total(qloop, qtbot, parley) -> None:
    tab = parley.chat_tab
    first = send(qloop, qtbot, parley, "Hello there")
    second = send(qloop, qtbot, parley, "And again")
    shown = tab.transcript.toPlainText()
    for reply in (first, second):
        assert reply.usage is not None and not reply.usage.tokens.estimated
        assert reply.usage.label in shown  # "123 tokens · $0.0001" in the reply's header
    total = parley.store.dialogue_spend(tab.dialogue_id)
    assert tab.spend_label.text() == f"This dialogue: {total.label}"
    assert total.tokens.total == first.usage.tokens.total + second.usage.tokens.total
    tab.new_dialogue()
    assert tab.spend_label.text() == ""
    tab.open_dialogue(second.dialogue_id)  # a re-opened dialogue shows the same
    run_until(qloop, lambda: tab.spend_label.text() != "")
    assert first.usage.label in tab.transcript.toPlainText()
    assert tab.spend_label.text() == f"This dialogue: {total.label}"


def test_a_reply_cut_short_shows_an_estimate(qloop, qtbot, parley) -> None:
    parley.test_server.add_fault(Fault(cut_after=4))
    reply = send(qloop, qtbot, parley, "Will this be priced?")
    assert reply.usage.tokens.estimated
    assert reply.usage.label.startswith("≈") and reply.usage.label in (
        parley.chat_tab.transcript.toPlainText()
    )


def test_the_usage_tab_comes_after_history_and_shows_new_replies(qloop, qtbot, parley) -> None:
    window = parley.window
    names = tuple(window.tabs.tabText(i) for i in range(window.tabs.count()))
    assert names == TAB_NAMES and names[-2:] == ("History", "Usage")
    usage = window.tab("Usage")
    assert usage is parley.usage_tab
    window.tabs.setCurrentWidget(usage)
    run_until(qloop, lambda: usage.summary is not None and usage.tasks.running == 0)
    assert usage.summary.total.replies == 0
    window.tabs.setCurrentWidget(parley.chat_tab)
    send(qloop, qtbot, parley, "Count me")
    window.tabs.setCurrentWidget(usage)
    run_until(qloop, lambda: usage.summary.total.replies == 1)
    assert "no monthly budget" in usage.budget_label.text()


def test_budget_warnings_fire_once_at_each_threshold(
    qloop, qtbot, start_parley, openai_server, fake_keyring
) -> None:
    # The test server stands in for OpenAI (as "Custom" on 127.0.0.1 its replies are free).
    fake_keyring.set_password("Parley", "openai", "sk-test")
    settings = Settings(
        provider="openai",
        base_url=openai_server.url,
        default_model="gpt-4o-mini",
        monthly_budget=10.0,
    )
    parley = start_parley(settings)
    run_until(qloop, lambda: parley.tasks.running == 0)
    notices: list[str] = []
    show_notice = parley.chat_tab.show_notice
    parley.chat_tab.show_notice = lambda text, level="error", *a: (  # type: ignore[method-assign]
        notices.append(text) if level == "warning" else None,
        show_notice(text, level, *a),
    )

    def spend(amount: float) -> None:
        parley.store.record_usage(None, None, None, "m", TokenUsage(1), Charge(amount))

    spend(8.0 - 1e-6)
    send(qloop, qtbot, parley, "Over eighty now")  # its few tokens pass 80%
    assert len(notices) == 1 and "past 80%" in notices[0]
    assert parley.chat_tab.banner.level == "warning" and parley.chat_tab.banner.isVisible()
    send(qloop, qtbot, parley, "Still between")
    spend(1.0)
    send(qloop, qtbot, parley, "Still under a hundred")
    assert len(notices) == 1
    spend(1.5)
    send(qloop, qtbot, parley, "Over the budget")
    assert len(notices) == 2 and "reached your monthly budget of $10.00" in notices[1]
    qtbot.mouseClick(parley.chat_tab.banner.action_button, Qt.MouseButton.LeftButton)
    assert parley.window.tabs.currentWidget() is parley.usage_tab  # "Show usage"
    assert not parley.chat_tab.banner.isVisible()
    parley.window.tabs.setCurrentWidget(parley.chat_tab)
    send(qloop, qtbot, parley, "And more")
    assert len(notices) == 2  # each threshold warns once a month
    flags = [f"budget_warned:{parley.today():%Y-%m}:{t}" for t in (80, 100)]
    assert all(parley.store.get_flag(flag) for flag in flags)


def test_budget_and_prices_are_set_in_settings(qloop, qtbot, parley, paths) -> None:
    parley.window.settings_requested.emit()
    dialog = parley.settings_dialog
    dialog.budget.setValue(42.5)
    qtbot.mouseClick(dialog.prices_button, Qt.MouseButton.LeftButton)
    prices = parley.spend.prices_dialog
    assert prices.isVisible()
    row = next(r for r in range(prices.table.rowCount()) if prices.cell(r, 0) == "gpt-4o-mini")
    prices.table.item(row, 1).setText("abc")  # not a price: marked at once
    assert "not a number" in prices.table.item(row, 1).toolTip()
    save = prices.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save)
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert prices.isVisible() and "gpt-4o-mini, input" in prices.error.text()
    prices.table.item(row, 1).setText("1000")
    prices.table.item(row, 2).setText("")
    prices.table.item(row, 3).setText("2000")
    qtbot.mouseClick(save, Qt.MouseButton.LeftButton)
    assert not prices.isVisible()
    assert "gpt-4o-mini" in (paths.config_dir / "prices.json").read_text(encoding="utf-8")
    ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    assert parley.settings.monthly_budget == 42.5
    reply = send(qloop, qtbot, parley, "Priced anew")
    tokens = reply.usage.tokens
    assert reply.usage.charge.amount == (tokens.input * 1000 + tokens.output * 2000) / 1e6


def test_a_retiring_model_is_flagged_in_the_picker_and_on_its_assistant(
    qloop, qtbot, parley
) -> None:
    picker = parley.chat_tab.model_picker
    index = picker.findText(RETIRING_MODEL)
    assert index >= 0
    tip = picker.itemData(index, Qt.ItemDataRole.ToolTipRole)
    assert retiring_date() in tip and "o4-mini" in tip
    assert not picker.itemIcon(index).isNull()
    assert picker.itemData(picker.findText("gpt-4o"), Qt.ItemDataRole.ToolTipRole) is None
    assert parley.chat_tab.retirement.isHidden()
    picker.setCurrentIndex(index)
    assert parley.chat_tab.model == RETIRING_MODEL
    assert parley.chat_tab.retirement.text() == RETIRING
    assert not parley.chat_tab.retirement.isHidden()

    assistants = parley.assistants_tab
    parley.window.tabs.setCurrentWidget(assistants)
    run(qloop, assistants.new_assistant())
    assistants.editor.name.setText("Old thinker")
    assistants.editor.model.setCurrentText(RETIRING_MODEL)
    assert assistants.editor.model_retirement.text() == RETIRING
    saved = run(qloop, assistants.save())
    assert saved is not None and saved.model == RETIRING_MODEL
    row = assistants.model.row_of(saved.id)
    shown = assistants.model.index(row).data()
    assert shown == f"Old thinker  {RETIRING}"
    assert retiring_date() in assistants.model.index(row).data(Qt.ItemDataRole.ToolTipRole)
    assert not assistants.editor.model_retirement.isHidden()
    editor_models = assistants.editor.model
    assert not editor_models.itemIcon(editor_models.findText(RETIRING_MODEL)).isNull()


def test_a_dialogue_on_a_retiring_model_says_so_when_opened(qloop, parley) -> None:
    dialogue = parley.store.create_dialogue("Old", RETIRING_MODEL)
    parley.store.save_assistant(AssistantProfile("Unrelated", "gpt-4o"))
    parley.chat_tab.open_dialogue(dialogue)
    banner = parley.chat_tab.banner
    assert banner.level == "warning" and retiring_date() in banner.text
    assert "o4-mini" in banner.text and parley.chat_tab.retirement.text() == RETIRING
