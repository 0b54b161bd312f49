"""Pricing in core: the shipped table, lookups (fine-tuned, snapshots), costs, estimates, edits."""

from __future__ import annotations

import json
from datetime import date

import pytest

from desktop_app.core.price_table import (
    PriceRow,
    PriceTableError,
    apply_edits,
    check_rows,
    editable_rows,
    edits_from_rows,
    parse_price,
    parse_table,
)
from desktop_app.core.pricing import (
    ModelPrice,
    PriceTable,
    TokenUsage,
    base_model,
    estimate_usage,
    format_cost,
    measure_request,
    price,
    usage_label,
)
from desktop_app.services.price_book import PriceBook, load_shipped
from desktop_app.services.resources import resource_path

TABLE = PriceTable(
    "2025-11-20",
    models={
        "gpt-4o-mini": ModelPrice(0.15, 0.60, cached_input=0.075),
        "gpt-4o": ModelPrice(2.5, 10.0, cached_input=1.25),
        "gpt-4o-2024-05-13": ModelPrice(5.0, 15.0),
        "gpt-image-1": ModelPrice(5.0, 40.0, cached_input=1.25, image_input=10.0),
    },
)


def test_the_shipped_table_is_dated_and_prices_every_model() -> None:
    raw = json.loads(resource_path("prices.json").read_text(encoding="utf-8"))
    table = load_shipped()
    assert date.fromisoformat(table.as_of) <= date.today()
    assert table.currency == "USD" and len(table.models) == len(raw["models"]) >= 20
    for name, row in table.models.items():
        assert row.output >= 0 and row.input >= 0, name
        if row.cached_input is not None:
            assert row.cached_input <= row.input, name
    assert table.models["gpt-4.5-preview"].replacement == "gpt-4.1"


def test_a_reply_is_priced_per_million_tokens_with_cached_input_apart() -> None:
    usage = TokenUsage(input=2_000, cached_input=1_000, output=500, reasoning=200)
    charge = price(usage, "gpt-4o-mini", TABLE)
    # 1,000 fresh and 1,000 cached input tokens, 500 output (the reasoning is inside it).
    assert charge.amount == pytest.approx((1_000 * 0.15 + 1_000 * 0.075 + 500 * 0.60) / 1e6)
    assert (charge.priced_as, charge.estimated, charge.currency) == ("gpt-4o-mini", False, "USD")


def test_cached_input_without_its_own_price_costs_as_input() -> None:
    charge = price(TokenUsage(input=100, cached_input=100), "gpt-4o-2024-05-13", TABLE)
    assert charge.amount == pytest.approx(100 * 5.0 / 1e6)


def test_image_tokens_take_the_image_rate_where_a_model_has_one() -> None:
    usage = TokenUsage(input=1_100, image=1_000, output=10)
    assert price(usage, "gpt-image-1", TABLE).amount == pytest.approx(
        (100 * 5.0 + 1_000 * 10.0 + 10 * 40.0) / 1e6
    )
    # A chat model bills image tokens as ordinary input.
    assert price(usage, "gpt-4o", TABLE).amount == pytest.approx((1_100 * 2.5 + 10 * 10) / 1e6)


@pytest.mark.parametrize(
    ("model", "priced_as"),
    [
        ("ft:gpt-4o-mini-2024-07-18:my-org::abc123", "gpt-4o-mini"),
        ("ft:gpt-4o-2024-08-06:org:custom-suffix:xyz", "gpt-4o"),
        ("gpt-4o-mini-2024-07-18", "gpt-4o-mini"),
        ("gpt-4o-2024-05-13", "gpt-4o-2024-05-13"),  # a snapshot with its own row keeps it
        ("openai/gpt-4o", "gpt-4o"),
        ("GPT-4o-Mini", "gpt-4o-mini"),
    ],
)
def test_models_are_priced_by_their_base_or_family(model: str, priced_as: str) -> None:
    assert price(TokenUsage(input=10), model, TABLE).priced_as == priced_as


def test_a_model_the_table_does_not_know_has_no_price() -> None:
    charge = price(TokenUsage(input=10, estimated=True), "llama3.2:3b", TABLE)
    assert (charge.amount, charge.estimated) == (None, True)


def test_base_model() -> None:
    assert base_model("ft:gpt-4.1-nano-2025-04-14:org::id") == "gpt-4.1-nano-2025-04-14"
    assert base_model("davinci:ft-personal-2023-01-01") == "davinci"
    assert base_model("gpt-4o") == "gpt-4o"


def test_an_estimate_counts_four_characters_a_token_and_images() -> None:
    request = [
        {"role": "system", "content": "Be kind"},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is in this?"},
                {"type": "image_url", "image_url": {"url": "data:"}},
            ],
        },
    ]
    assert measure_request(request) == (23, 1)
    usage = estimate_usage(23, 1, "x" * 10)
    assert usage == TokenUsage(input=6 + 85, output=3, image=85, estimated=True)


def test_labels_mark_estimates() -> None:
    exact = TokenUsage(input=1_000, output=234)
    assert usage_label(exact, price(exact, "gpt-4o-mini", TABLE)) == "1,234 tokens · $0.00029"
    guess = TokenUsage(input=1_000, output=234, estimated=True)
    assert usage_label(guess, price(guess, "gpt-4o", TABLE)) == "≈1,234 tokens · ≈$0.0048"
    assert usage_label(exact, price(exact, "unknown", TABLE)) == "1,234 tokens"
    assert format_cost(12.345) == "$12.35" and format_cost(0) == "$0.00"
    assert format_cost(1.5, "EUR") == "1.50 EUR"


def test_edits_change_add_and_remove_models_and_keep_retirement_facts() -> None:
    shipped = parse_table(
        {
            "as_of": "2025-11-20",
            "models": {
                "a": {"input": 1, "output": 2, "shutdown_date": "2026-01-01", "replacement": "b"},
                "b": {"input": 3, "output": 4},
            },
        }
    )
    rows = editable_rows(shipped)
    rows[0] = PriceRow("a", 1.5, 0.5, 2.0)
    del rows[1]
    rows.append(PriceRow("My-Local", 0.0, None, 0.0))
    edits = edits_from_rows(shipped, rows)
    assert edits == {
        "models": {
            "a": {"input": 1.5, "cached_input": 0.5, "output": 2.0},
            "my-local": {"input": 0.0, "cached_input": None, "output": 0.0},
            "b": None,
        }
    }
    table = apply_edits(shipped, json.loads(json.dumps(edits)))
    assert sorted(table.models) == ["a", "my-local"]
    assert table.models["a"] == ModelPrice(
        1.5, 2.0, cached_input=0.5, shutdown_date="2026-01-01", replacement="b"
    )
    assert edits_from_rows(shipped, editable_rows(shipped)) == {"models": {}}


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"models": {"a": {"input": 1}}},
        {"models": {"a": {"input": -1, "output": 1}}},
        {"models": {"a": {"input": "cheap", "output": 1}}},
        {"models": {"a": {"input": 1, "output": 1, "shutdown_date": "soon"}}},
    ],
)
def test_a_broken_table_says_what_is_wrong(data: object) -> None:
    with pytest.raises(PriceTableError):
        parse_table(data)


def test_typed_prices_are_checked() -> None:
    assert parse_price(" 0.15 ") == 0.15
    assert parse_price("0,075") == 0.075
    assert parse_price("$2.50") == 2.5
    assert parse_price("", optional=True) is None
    for bad in ("", "abc", "-1", "nan", "inf"):
        with pytest.raises(ValueError):
            parse_price(bad)
    rows = [PriceRow("a", 1, None, 1), PriceRow(" A ", 1, None, 1), PriceRow("", 1, None, 1)]
    assert [index for index, _text in check_rows(rows)] == [1, 2]


def test_the_price_book_keeps_edits_apart_and_survives_a_broken_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    book = PriceBook(tmp_path / "config" / "prices.json")
    assert book.table.models["gpt-4o-mini"].input == load_shipped().models["gpt-4o-mini"].input
    rows = [r for r in editable_rows(book.table) if r.model != "gpt-4"]
    rows = [PriceRow(r.model, 9.0, None, 9.0) if r.model == "gpt-4o" else r for r in rows]
    book.save_rows(rows)
    saved = json.loads(book.edits_path.read_text(encoding="utf-8"))
    assert saved == {
        "models": {"gpt-4o": {"input": 9.0, "cached_input": None, "output": 9.0}, "gpt-4": None}
    }
    again = PriceBook(book.edits_path)
    assert again.table.models["gpt-4o"].output == 9.0 and "gpt-4" not in again.table.models
    book.save_rows(editable_rows(book.shipped))  # back to the shipped prices: no edits file
    assert not book.edits_path.exists()
    book.edits_path.write_text("{not json", encoding="utf-8")
    broken = PriceBook(book.edits_path)
    assert broken.table == broken.shipped and "not usable" in broken.problem


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (0.000014, "$0.000014"),
        (0.0000145, "$0.000015"),
        (0.00000123, "$0.0000012"),
        (0.0012, "$0.0012"),
        (0.00999, "$0.0100"),
        (0.05, "$0.0500"),
        (0.12345, "$0.1235"),
        (0.99994, "$0.9999"),
        (1, "$1.00"),
        (1234.5, "$1,234.50"),
        (0, "$0.00"),
        (0.000000001, "<$0.00000001"),
        (-0.25, "-$0.2500"),
        (None, "no price"),
    ],
)
def test_costs_under_a_cent_keep_their_significant_digits(amount, shown: str) -> None:  # type: ignore[no-untyped-def]
    assert format_cost(amount) == shown


def test_other_currencies_keep_them_too() -> None:
    assert format_cost(0.000014, "EUR") == "0.000014 EUR"
    assert format_cost(2, "EUR") == "2.00 EUR"


def test_a_cheap_reply_shows_what_it_cost_in_its_header() -> None:
    usage = TokenUsage(input=40, output=10)
    assert usage_label(usage, price(usage, "gpt-4o-mini", TABLE)) == "50 tokens · $0.000012"
