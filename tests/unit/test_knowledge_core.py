"""Chunking, Markdown sections, rank fusion and prompt assembly: pure, no server."""

from __future__ import annotations

import itertools

import pytest

from desktop_app.core.knowledge_chunks import Section, chunk_sections, source_label
from desktop_app.core.knowledge_fusion import (
    DoesNotFit,
    KnowledgeLimits,
    Passage,
    PromptPlan,
    fuse,
    plan_prompt,
    with_knowledge,
)
from desktop_app.core.knowledge_sections import markdown_sections, text_sections
from desktop_app.core.token_count import approximate_tokens

MARKDOWN = """Intro before any heading.

# Setup
Setup words.
```sh
# a comment in code, not a heading
```
## Install
pip install parley
Usage
-----
run it
# Other
last words
"""


def test_markdown_sections_carry_heading_paths_and_first_lines() -> None:
    sections = markdown_sections(MARKDOWN)
    assert [(s.heading, s.first_line) for s in sections] == [
        ((), 1),
        (("Setup",), 4),
        (("Setup", "Install"), 9),
        (("Setup", "Usage"), 12),
        (("Other",), 14),
    ]
    assert "# a comment in code" in sections[1].text


def test_chunks_keep_line_ranges_overlap_and_stay_within_budget() -> None:
    text = "\n".join(f"line {i} " + "word " * 30 for i in range(1, 41))
    chunks = chunk_sections("docs/long.txt", text_sections(text), budget=100, overlap=40)
    assert len(chunks) > 5
    assert all(c.tokens <= 100 for c in chunks)
    assert chunks[0].lines is not None and chunks[0].lines[0] == 1
    assert chunks[-1].lines is not None and chunks[-1].lines[1] == 40
    for before, after in itertools.pairwise(chunks):
        assert before.lines and after.lines
        assert after.lines[0] <= before.lines[1]  # overlap: the next starts inside the last
        assert after.lines[1] > before.lines[1]  # and always moves on
    assert chunks[0].source == "long.txt, lines 1–3"
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))


def test_a_line_longer_than_the_budget_is_cut_between_words() -> None:
    line = " ".join(f"w{i}" for i in range(1000))
    chunks = chunk_sections("one.txt", [Section(line, first_line=7)], budget=50, overlap=0)
    assert len(chunks) > 10
    assert all(c.tokens <= 50 and c.lines == (7, 7) for c in chunks)
    assert " ".join(c.text for c in chunks).split() == line.split()


def test_chunk_ids_are_stable_and_change_with_the_text() -> None:
    sections = [Section("Alpha beta gamma.", page=2), Section("Delta.", page=3)]
    first = chunk_sections("a.pdf", sections)
    again = chunk_sections("a.pdf", sections)
    changed = chunk_sections("a.pdf", [sections[0], Section("Delta!", page=3)])
    assert [c.id for c in first] == [c.id for c in again]
    assert first[0].id == changed[0].id and first[1].id != changed[1].id
    assert chunk_sections("b.pdf", sections)[0].id != first[0].id
    assert first[1].source == "a.pdf, page 3"


def test_same_text_twice_on_a_page_gets_two_ids() -> None:
    repeated = "\n".join(["Confidential"] * 2 + ["x " * 60] + ["Confidential"] * 2)
    chunks = chunk_sections("a.pdf", [Section(repeated, page=1)], budget=20, overlap=0)
    assert len({c.id for c in chunks}) == len(chunks)


def test_source_labels() -> None:
    assert source_label("/home/u/notes.md", heading=("Setup", "Install")) == (
        "notes.md › Setup › Install"
    )
    assert source_label("C:\\docs\\a.py", lines=(4, 4)) == "a.py, line 4"


def test_bad_budgets_are_refused() -> None:
    with pytest.raises(ValueError):
        chunk_sections("a.txt", text_sections("x"), budget=10, overlap=10)


def test_fusion_prefers_items_high_in_both_rankings() -> None:
    keyword = ["a", "b", "c", "d"]
    vector = ["c", "e", "a", "f"]
    fused = [item for item, _ in fuse([keyword, vector])]
    assert fused[:2] == ["a", "c"]
    assert set(fused) == {"a", "b", "c", "d", "e", "f"}
    assert fuse([[], []]) == []
    assert [item for item, _ in fuse([["x", "y"]])] == ["x", "y"]


def passage(n: int, words: int = 50) -> Passage:
    return Passage(f"id{n}", "word " * words, f"doc{n}.pdf, page {n}", f"doc{n}.pdf", page=n)


def test_prompt_holds_whole_passages_with_sources_in_rank_order() -> None:
    passages = [passage(1), passage(2, words=400), passage(3)]
    plan = plan_prompt(passages, approximate_tokens, KnowledgeLimits(passage_budget=200), 100, 8192)
    assert isinstance(plan, PromptPlan)
    assert [p.chunk_id for p in plan.used] == ["id1", "id3"]
    assert [p.chunk_id for p in plan.left_out] == ["id2"]  # told, not cut
    content = plan.message["content"]
    assert "[1] Source: doc1.pdf, page 1" in content and "[2] Source: doc3.pdf, page 3" in content
    assert content.count("word") == 100
    messages = [{"role": "system", "content": "Be brief"}, {"role": "user", "content": "Q?"}]
    sent = with_knowledge(messages, plan)
    assert [m["role"] for m in sent] == ["system", "system", "user"] and sent[1] is plan.message


def test_max_passages_is_honoured() -> None:
    plan = plan_prompt(
        [passage(n, 5) for n in range(10)], approximate_tokens, KnowledgeLimits(3), 0, None
    )
    assert isinstance(plan, PromptPlan) and len(plan.used) == 3


def test_a_context_too_small_is_said_not_cut() -> None:
    result = plan_prompt(
        [passage(1, 500)], approximate_tokens, KnowledgeLimits(), 3000, 4096, "tiny-model"
    )
    assert isinstance(result, DoesNotFit)
    assert result.available == 4096 and result.needed > 4096
    assert "tiny-model can hold 4,096" in result.message


def test_a_budget_below_the_best_passage_is_said() -> None:
    result = plan_prompt(
        [passage(1, 500)], approximate_tokens, KnowledgeLimits(passage_budget=100), 0, None
    )
    assert isinstance(result, DoesNotFit) and "knowledge budget of 100" in result.message


def test_no_passages_add_nothing() -> None:
    plan = plan_prompt([], approximate_tokens, KnowledgeLimits(), 0, 1000)
    assert isinstance(plan, PromptPlan) and not plan.used
    messages = [{"role": "user", "content": "Q?"}]
    assert with_knowledge(messages, plan) == messages
