"""Search citation markers in ChatGPT's replies, made links to their sources or removed.

A reply that searched the web carries markers in its text where ChatGPT draws a source chip:
- the older `【3†source】` (or `【11†L23-L30】`), explained by the message's
  `metadata.citations` (`start_ix`/`end_ix` into the text, and the source's `title`/`url`);
- the newer private-use form `\\ue200cite\\ue202turn0search0\\ue202turn0news2\\ue201`, each
  `turnNkindM` a reference to a search result. `metadata.content_references` lists each marker
  as `matched_text` with the sources it stands for (`items`, or a `url`); the results
  themselves are in `metadata.search_result_groups`, each entry under its `ref_id`.
Other private-use spans (`\\ue200entity\\ue202["city","Lisbon",…]\\ue201`, image groups,
file citations) are rendered by ChatGPT's UI alone: an entity becomes its name, the rest goes.

A marker whose source is known becomes Markdown links `([Title](https://…))`; one whose source
the export does not hold is removed, so the reader, search and datasets see only prose.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

_OLD_MARKER = re.compile(r"【[^【】\n]{0,80}†[^【】\n]{0,80}】")
_PRIVATE = re.compile("\ue200([a-z_]+)((?:\ue202[^\ue200\ue201\ue202]*)*)\ue201")
_HIGHLIGHT = re.compile("[\ue203\ue204\ue206]")
_REF = re.compile(r"^turn(\d+)([a-z_]+?)(\d+)$")
MAX_TITLE = 120


@dataclass
class CitationCount:
    linked: int = 0
    removed: int = 0


def _source(item: Any) -> tuple[str, str] | None:
    if not isinstance(item, dict):
        return None
    url = item.get("url")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        return None
    title = item.get("title") or item.get("attribution") or ""
    if not isinstance(title, str) or not title.strip():
        title = re.sub(r"^https?://(www\.)?", "", url).split("/", 1)[0]
    return " ".join(title.split())[:MAX_TITLE], url


def _link(sources: list[tuple[str, str]]) -> str:
    seen: set[str] = set()
    links = []
    for title, url in sources:
        if url in seen:
            continue
        seen.add(url)
        label = title.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
        target = f"<{url}>" if any(c in url for c in " ()<>") else url
        links.append(f"[{label}]({target})")
    return f" ({', '.join(links)})" if links else ""


def _ref_key(value: Any) -> str:
    if not isinstance(value, dict):
        return ""
    turn, kind, index = value.get("turn_index"), value.get("ref_type"), value.get("ref_index")
    if isinstance(turn, int) and isinstance(kind, str) and isinstance(index, int):
        return f"turn{turn}{kind}{index}"
    return ""


def _results_by_ref(metadata: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Every search result the message's metadata holds, by its `turnNkindM` reference."""
    found: dict[str, tuple[str, str]] = {}
    groups = metadata.get("search_result_groups")
    for group in groups if isinstance(groups, list) else ():
        entries = group.get("entries") if isinstance(group, dict) else None
        for entry in entries if isinstance(entries, list) else ():
            key, source = (
                _ref_key(entry.get("ref_id") if isinstance(entry, dict) else None),
                _source(entry),
            )
            if key and source:
                found.setdefault(key, source)
    references = metadata.get("content_references")
    for reference in references if isinstance(references, list) else ():
        items = reference.get("items") if isinstance(reference, dict) else None
        for item in items if isinstance(items, list) else ():
            source = _source(item)
            refs = item.get("refs") if isinstance(item, dict) else None
            for ref in refs if isinstance(refs, list) and source else ():
                if key := _ref_key(ref):
                    found.setdefault(key, source)  # type: ignore[arg-type]
    return found


def _reference_sources(reference: dict[str, Any]) -> list[tuple[str, str]]:
    items = reference.get("items")
    sources = [s for s in map(_source, items if isinstance(items, list) else ()) if s]
    if not sources and (own := _source(reference)):
        sources = [own]
    if not sources:
        urls = reference.get("safe_urls")
        sources = [
            s for u in (urls if isinstance(urls, list) else ()) if (s := _source({"url": u}))
        ]
    return sources


def _replace(text: str, start: int, end: int, link: str, count: CitationCount) -> str:
    before = text[:start]
    if not link:
        count.removed += 1
        after = text[end:]
        if not after[:1] or after[:1] in ".,;:!?)\n":
            before = before.rstrip(" \t")
        elif before[-1:] in (" ", "\t") and after[:1] in (" ", "\t"):
            after = after.lstrip(" \t")
        return before + after
    count.linked += 1
    return before.rstrip(" \t") + link + text[end:]


def _indexed_citations(text: str, metadata: dict[str, Any], count: CitationCount) -> str:
    """The older `citations` list: spans of the text, replaced from the last one back."""
    citations = metadata.get("citations")
    spans = []
    for citation in citations if isinstance(citations, list) else ():
        if not isinstance(citation, dict):
            continue
        start, end = citation.get("start_ix"), citation.get("end_ix")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            continue
        if not _OLD_MARKER.fullmatch(text[start:end]):
            continue
        inner = citation.get("metadata")
        source = _source(inner) if isinstance(inner, dict) else None
        spans.append((start, end, [source] if source else []))
    last = len(text) + 1
    for start, end, sources in sorted(spans, reverse=True):
        if end <= last:  # overlapping spans (a damaged list): the later one wins
            text = _replace(text, start, end, _link(sources), count)
            last = start
    return text


def _referenced(text: str, metadata: dict[str, Any], count: CitationCount) -> str:
    """The newer `content_references`: each names the marker it explains (`matched_text`)."""
    references = metadata.get("content_references")
    cursor = 0
    for reference in references if isinstance(references, list) else ():
        if not isinstance(reference, dict):
            continue
        matched = reference.get("matched_text")
        if not isinstance(matched, str) or not matched.strip():
            continue  # the sources footnote (" "), which marks no place in the text
        if not (_OLD_MARKER.fullmatch(matched) or _PRIVATE.fullmatch(matched)):
            continue  # an entity, an image group…: handled with the other private-use spans
        if _PRIVATE.fullmatch(matched) and not matched.startswith("\ue200cite"):
            continue
        at = text.find(matched, cursor)
        if at < 0:
            at = text.find(matched)
        if at < 0:
            continue
        link = _link(_reference_sources(reference))
        text = _replace(text, at, at + len(matched), link, count)
        cursor = at + len(link)
    return text


def _private_span(match: re.Match[str], results: dict[str, tuple[str, str]]) -> tuple[str, bool]:
    kind, args = match.group(1), [a for a in match.group(2).split("\ue202") if a]
    if kind == "entity" and args:
        try:
            value = json.loads(args[0])
        except ValueError:
            value = None
        if isinstance(value, list) and len(value) > 1 and isinstance(value[1], str):
            return value[1], False
        return "", False
    if kind in ("cite", "filecite"):
        sources = [results[a] for a in args if _REF.match(a) and a in results]
        return _link(sources), True
    return "", False


def resolve_citations(text: str, metadata: Any) -> tuple[str, CitationCount]:
    """`text` with every citation marker made a link to its source or removed."""
    count = CitationCount()
    if "【" not in text and "\ue200" not in text and not _HIGHLIGHT.search(text):
        return text, count
    meta = metadata if isinstance(metadata, dict) else {}
    text = _indexed_citations(text, meta, count)
    text = _referenced(text, meta, count)
    results = _results_by_ref(meta)
    while match := _PRIVATE.search(text):
        replacement, is_citation = _private_span(match, results)
        if is_citation:
            text = _replace(text, match.start(), match.end(), replacement, count)
        else:
            text = text[: match.start()] + replacement + text[match.end() :]
    while match := _OLD_MARKER.search(text):
        text = _replace(text, match.start(), match.end(), "", count)
    text = (
        _HIGHLIGHT.sub("", text).replace("\ue200", "").replace("\ue201", "").replace("\ue202", "")
    )
    return text, count
