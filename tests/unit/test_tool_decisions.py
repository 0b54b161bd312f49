"""The standing "always allow" choices in the store's flag: a damaged value is read as nothing
allowed (Parley then asks, the safe side), and is replaced by the next choice."""

from __future__ import annotations

import pytest

from desktop_app.services.tool_decisions import FLAG, StoredDecisions


class Flags:
    def __init__(self, value: str | None = None) -> None:
        self.values: dict[str, str] = {} if value is None else {FLAG: value}

    def get_flag(self, name: str) -> str | None:
        return self.values.get(name)

    def set_flag(self, name: str, value: str | None) -> None:
        if value is None:
            self.values.pop(name, None)
        else:
            self.values[name] = value


@pytest.mark.parametrize("damaged", ['["maths/add"', "not json", '{"maths/add": true}', '"x"', "7"])
def test_a_damaged_value_reads_as_nothing_allowed(damaged: str) -> None:
    assert StoredDecisions(Flags(damaged)).allowed() == set()


def test_only_the_names_in_the_list_count() -> None:
    assert StoredDecisions(Flags('["maths/add", 3, null, ["x"]]')).allowed() == {"maths/add"}


def test_a_choice_after_a_damaged_value_replaces_it() -> None:
    flags = Flags("{oops")
    decisions = StoredDecisions(flags)
    decisions.allow("maths/add")
    assert flags.values[FLAG] == '["maths/add"]'
    decisions.revoke("maths/add")
    assert FLAG not in flags.values  # nothing left: the flag goes
