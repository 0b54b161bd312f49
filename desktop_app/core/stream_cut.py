"""Where to cut a long streaming paragraph so that the two pieces look like the whole.

The view knows where the lines of the laid-out paragraph start, in the *rendered* text (the
Markdown marks gone, line breaks become spaces); the splitter needs an offset in the *source*.
`source_offset` walks both together, skipping what rendering removed. The caller then checks
the guess by rendering the head alone (it must end exactly where that line started).
"""

from __future__ import annotations

_MARKS = set("*_`~\\[]()<>!#")


def source_offset(source: str, rendered: str, position: int) -> int | None:
    """The offset in `source` of rendered character `position`, or None if the two texts
    cannot be matched (a link's target, an entity: anything rendering rewrote)."""
    i = j = 0
    # Leading blank lines and indentation are not rendered.
    while i < len(source) and source[i] in " \n":
        i += 1
    while j < position:
        if i >= len(source):
            return None
        s, r = source[i], rendered[j]
        if s == r or (s.isspace() and r.isspace()):
            i, j = i + 1, j + 1
        elif s.isspace() and not r.isspace():
            i += 1  # collapsed whitespace
        elif s in _MARKS:
            i += 1  # a Markdown mark rendering took away
        else:
            return None
    while i < len(source) and source[i] in _MARKS and source[i] not in "[(<!#":
        i += 1  # closing marks belong to the text before the cut
    return i if 0 < i < len(source) else None


def hard_offset(source: str, limit: int) -> int | None:
    """Past the hard limit: the last space before `limit` (any character if there is none)."""
    if len(source) <= limit:
        return None
    space = source.rfind(" ", limit // 2, limit)
    return space + 1 if space > 0 else limit
