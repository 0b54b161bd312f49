"""Reading a list the server gives page by page, always to an end.

A server that answers `has_more: true` for ever (a buggy proxy, a server that ignores the
`after` cursor) once kept the Jobs view paging fine-tuning events without end: about 126
requests in 6 s, polled again and again. Every paged list in Parley goes through
`read_pages`, which stops at a page cap, at an item cap, when the cursor does not move, and
when a page brings nothing new; `Listed.cut` then says the list is not the whole of it, so the
UI can say "showing the first N".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

MAX_PAGES = 10


class Listed(list[T]):
    """The items read. `cut`: reading stopped before the server said there were no more (the
    cap was reached, or the server kept repeating itself)."""

    cut: bool = False


async def read_pages(
    first: Any,
    max_pages: int = MAX_PAGES,
    max_items: int | None = None,
    until: Callable[[Any], bool] | None = None,
) -> Listed[Any]:
    """Every item from the SDK page `first` on, following `get_next_page()`: at most
    `max_pages` requests in all and `max_items` items; stops before the first item for which
    `until` holds (the newest one already known, say). Items seen already are skipped."""
    found: Listed[Any] = Listed()
    seen: set[Any] = set()
    cursors: set[str] = set()
    page, pages = first, 1
    while True:
        fresh = 0
        items = page._get_page_items()
        for index, item in enumerate(items):
            if until is not None and until(item):
                return found
            key = getattr(item, "id", None) or id(item)
            if key in seen:
                continue
            seen.add(key)
            found.append(item)
            fresh += 1
            if max_items is not None and len(found) >= max_items:
                found.cut = index < len(items) - 1 or page.has_next_page()
                return found
        if not page.has_next_page():
            return found
        cursor = repr(page.next_page_info())
        if not fresh or cursor in cursors or pages >= max_pages:
            found.cut = True  # a server that repeats itself, or the cap
            return found
        cursors.add(cursor)
        page = await page.get_next_page()
        pages += 1


def cut_note(count: int, noun: str, rest: str) -> str:
    """The line a view shows over a list `read_pages` cut: "Showing the latest 1,000 events;
    the server kept saying it had more, older ones are not shown." """
    return (
        f"Showing the latest {count:,} {noun}{'s' if count != 1 else ''}; the server kept "
        f"saying it had more, {rest}."
    )
