"""Build fine-tuning examples from table rows (CSV, TSV, JSON records) and labels.

A column mapping says which column is the prompt, the reply, the system message and the label.
Labels decide what goes in: supervised (SFT) data keeps the positive replies; a preference
(DPO) dataset pairs a preferred (positive) and a non-preferred (negative) reply to the same
prompt. Labels may be spelled many ways (positive/negative, 1/0, 👍/👎, yes/no, good/bad…);
a spelling that is neither is a row-numbered problem, and the row stays out.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from desktop_app.core.text_guard import replaced_note
from desktop_app.core.training_checks import ERROR, NOTE, WARNING, Problem

SFT, DPO = "supervised", "dpo"
POSITIVE = frozenset(
    {"positive", "pos", "1", "1.0", "+1", "+", "yes", "y", "true", "t", "good", "up", "👍", "👍🏻",
     "👍🏼", "👍🏽", "👍🏾", "👍🏿", "preferred", "chosen", "accept", "accepted"}
)  # fmt: skip
NEGATIVE = frozenset(
    {"negative", "neg", "0", "0.0", "-1", "-", "no", "n", "false", "f", "bad", "down", "👎",
     "👎🏻", "👎🏼", "👎🏽", "👎🏾", "👎🏿", "non_preferred", "rejected", "reject"}
)  # fmt: skip
MAX_PROBLEMS = 10_000


class UnknownLabel(ValueError):
    pass


def is_blank(value: Any) -> bool:
    """Empty cell: None, NaN (pandas' missing value), or only whitespace."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def cell_text(value: Any) -> str:
    if is_blank(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_label(value: Any) -> bool | None:
    """True (positive), False (negative) or None (blank); UnknownLabel otherwise."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    text = cell_text(value).lower()
    if text in POSITIVE:
        return True
    if text in NEGATIVE:
        return False
    raise UnknownLabel(text)


@dataclass(frozen=True)
class ColumnMapping:
    prompt: str
    reply: str
    system: str = ""
    label: str = ""

    def missing(self, columns: Iterable[str]) -> list[str]:
        have = set(columns)
        wanted = [self.prompt, self.reply, self.system, self.label]
        return [c for c in wanted if c and c not in have]


def guess_mapping(columns: list[str]) -> ColumnMapping:
    """A first guess from common column names; the user corrects it in the mapping step."""
    lowered = {c.lower().strip(): c for c in columns}

    def pick(*names: str) -> str:
        return next((lowered[n] for n in names if n in lowered), "")

    prompt = pick("prompt", "question", "input", "user", "instruction", "query", "text")
    reply = pick("reply", "response", "answer", "output", "completion", "assistant", "target")
    rest = [c for c in columns if c not in (prompt, reply)]
    return ColumnMapping(
        prompt or (rest.pop(0) if rest else ""),
        reply or (rest.pop(0) if rest else ""),
        pick("system", "system_prompt", "instructions", "system message"),
        pick("label", "labels", "sentiment", "rating", "score", "class", "feedback"),
    )


def chat(prompt: str, reply: str, system: str = "") -> dict[str, Any]:
    messages = [{"role": "system", "content": system}] if system else []
    messages += [{"role": "user", "content": prompt}, {"role": "assistant", "content": reply}]
    return {"messages": messages}


def preference(prompt: str, preferred: str, other: str, system: str = "") -> dict[str, Any]:
    messages = [{"role": "system", "content": system}] if system else []
    messages.append({"role": "user", "content": prompt})
    return {
        "input": {"messages": messages},
        "preferred_output": [{"role": "assistant", "content": preferred}],
        "non_preferred_output": [{"role": "assistant", "content": other}],
    }


@dataclass
class Built:
    """Examples built so far, what was left out and why. Every row left out has its own
    problem (up to MAX_PROBLEMS; `unlisted` counts the rest). `read` holds what is already in
    the dataset — dialogue ids and file paths — so adding it again adds nothing; `again` names
    what was skipped for that reason."""

    kind: str
    examples: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows_read: int = 0
    left_out: int = 0
    sources: list[str] = field(default_factory=list)
    replaced: int = 0  # lone surrogates replaced by U+FFFD while reading
    read: set[int | str] = field(default_factory=set)
    again: list[str] = field(default_factory=list)
    unlisted: int = 0

    def problem(self, source: str, row: int, severity: str, code: str, message: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(row, severity, code, message, source))
        else:
            self.unlisted += 1

    def summary(self) -> str:
        kind = "preference pairs" if self.kind == DPO else "examples"
        text = f"{len(self.examples):,} {kind} from {self.rows_read:,} rows"
        if self.sources:
            text += " of " + ", ".join(self.sources[:3]) + ("…" if len(self.sources) > 3 else "")
        if self.left_out:
            text += f"; {self.left_out:,} rows left out"
        if self.unlisted:
            text += f" (the first {MAX_PROBLEMS:,} reasons are listed)"
        return text + "." + (f" {replaced_note(self.replaced)}" if self.replaced else "")


class RowBuilder:
    """Feeds rows (row number, {column: value}) from one source into a `Built`."""

    def __init__(self, built: Built, mapping: ColumnMapping, source: str) -> None:
        self.built = built
        self.mapping = mapping
        self.source = source
        # DPO: (system, prompt) → ([(row, preferred)], [(row, non-preferred)])
        self.pending: dict[tuple[str, str], tuple[list[tuple[int, str]], list[tuple[int, str]]]]
        self.pending = {}
        self.spellings: Counter[str] = Counter()
        built.sources.append(source)

    def add(self, rows: Iterable[tuple[int, Mapping[str, Any]]]) -> None:
        m, built = self.mapping, self.built
        for row, values in rows:
            built.rows_read += 1
            prompt, reply = cell_text(values.get(m.prompt)), cell_text(values.get(m.reply))
            system = cell_text(values.get(m.system)) if m.system else ""
            label: bool | None = True
            if m.label:
                raw = values.get(m.label)
                try:
                    label = parse_label(raw)
                except UnknownLabel as exc:
                    self._leave_out(
                        row,
                        ERROR,
                        "unknown_label",
                        f"The label {str(exc)!r} is neither positive nor negative (use "
                        "positive/negative, 1/0 or 👍/👎).",
                    )
                    continue
                if label is None:
                    self._leave_out(row, WARNING, "missing_label", "No label; the row is left out.")
                    continue
                self.spellings[cell_text(raw).lower()] += 1
            if not prompt:
                self._leave_out(row, ERROR, "empty_prompt", f"The prompt ({m.prompt}) is empty.")
                continue
            if not reply:
                self._leave_out(row, ERROR, "empty_reply", f"The reply ({m.reply}) is empty.")
                continue
            if built.kind == SFT:
                if label:
                    built.examples.append(chat(prompt, reply, system))
                else:
                    self._leave_out(
                        row,
                        NOTE,
                        "negative_label",
                        "Labelled negative: supervised data teaches only the positive replies "
                        "(a preference dataset would pair it with a positive one).",
                    )
            else:
                pair = self.pending.setdefault((system, prompt), ([], []))
                pair[0 if label else 1].append((row, reply))

    def _leave_out(self, row: int, severity: str, code: str, message: str) -> None:
        self.built.left_out += 1
        self.built.problem(self.source, row, severity, code, message)

    def finish(self) -> None:
        """Pair DPO replies (the n-th preferred with the n-th non-preferred; the shorter list
        is reused) and note the label spellings seen."""
        built = self.built
        for (system, prompt), (good, bad) in self.pending.items():
            if not good or not bad:
                missing = "non-preferred (negative)" if good else "preferred (positive)"
                for row, _reply in good or bad:
                    self._leave_out(
                        row,
                        WARNING,
                        "unpaired_prompt",
                        f"Its prompt has no {missing} reply to pair with; left out.",
                    )
                continue
            for i in range(max(len(good), len(bad))):
                preferred, other = good[i % len(good)][1], bad[i % len(bad)][1]
                built.examples.append(preference(prompt, preferred, other, system))
        self.pending.clear()
        if len(self.spellings) > 2:
            spelled = ", ".join(f"{s!r} ×{n}" for s, n in self.spellings.most_common(8))
            built.problem(
                self.source, 0, NOTE, "mixed_labels", f"Labels are spelled several ways: {spelled}."
            )
