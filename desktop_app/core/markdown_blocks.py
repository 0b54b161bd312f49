"""Split Markdown into prose and fenced code blocks.

Qt renders the prose as Markdown; code blocks are highlighted separately (Pygments) and get a
Copy action. A fence still open at the end — a reply still streaming — counts as code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([\w+#.-]*)[^\n]*$")


@dataclass(frozen=True)
class Block:
    kind: str  # "text" | "code"
    text: str
    language: str = ""


def split_blocks(markdown: str) -> list[Block]:
    blocks: list[Block] = []
    prose: list[str] = []
    code: list[str] = []
    fence = ""
    language = ""
    for line in markdown.split("\n"):
        if not fence:
            match = _FENCE.match(line)
            if match:
                if prose:
                    blocks.append(Block("text", "\n".join(prose)))
                    prose = []
                fence, language = match.group(1), match.group(2)
            else:
                prose.append(line)
        elif line.strip().startswith(fence[0] * len(fence)) and not line.strip().strip(fence[0]):
            blocks.append(Block("code", "\n".join(code), language))
            code, fence, language = [], "", ""
        else:
            code.append(line)
    if fence:
        blocks.append(Block("code", "\n".join(code).rstrip("\n"), language))
    elif prose and any(p.strip() for p in prose):
        blocks.append(Block("text", "\n".join(prose)))
    return blocks
