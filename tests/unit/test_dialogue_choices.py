"""What a conversation has on, kept per conversation: an explicit "all off" is a choice."""

from __future__ import annotations

from desktop_app.ui.chat.dialogue_choices import DialogueChoice


class Flags:
    def __init__(self) -> None:
        self.values: dict[str, str | None] = {}

    def get_flag(self, name: str) -> str | None:
        return self.values.get(name)

    def set_flag(self, name: str, value: str | None) -> None:
        self.values[name] = value


def test_a_new_conversation_keeps_what_was_chosen_before_it_existed_even_nothing() -> None:
    flags = Flags()
    choice = DialogueChoice(lambda: flags, "x:{}", lambda: ("maths",))
    assert choice.get(None) == ("maths",)  # the assistant's
    choice.choose(None, ())  # the user turned everything off
    assert choice.get(None) == ()
    choice.keep_unsaved(7)
    assert choice.get(7) == () and flags.values == {"x:7": "[]"}
    assert choice.get(8) == ("maths",)  # a conversation that chose nothing has the default
    choice.choose(8, ("files",))
    assert choice.get(8) == ("files",)
    flags.values["x:9"] = "{not json"
    assert choice.get(9) == ()  # damaged: nothing on, the safe side
