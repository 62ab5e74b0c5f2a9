"""A Babel extractor for the flow files: every text a person reads, with a translator comment.

Registered as `sse_flows` (entry point) and usable from `babel.cfg` as
`dialogs.babel_extractor:extract_flows`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from dialogs.loader import clean_text, read_yaml

Extracted = tuple[int, str | None, str, list[str]]


def _texts(raw: Any) -> Iterator[tuple[int, str, str]]:
    flow_id = raw.get("id", "?")
    for key in ("title", "short_title", "intro", "example", "closing"):
        if isinstance(raw.get(key), str):
            note = " (menu button, max 30 characters)" if key == "short_title" else ""
            yield raw.key_lines[key], raw[key], f"flow {flow_id}: {key}{note}"
    for q in raw.get("questions") or []:
        where = f"flow {flow_id}, question {q.get('id', '?')}"
        if isinstance(q.get("text"), str):
            yield q.key_lines["text"], q["text"], f"{where}: question (max 300 characters)"
        levels = q.get("levels")
        if hasattr(levels, "items"):
            for level, description in levels.items():
                yield levels.line, description, f"{where}: what level {level} looks like (one line)"
        for choice in q.get("choices") or []:
            if isinstance(choice.get("label"), str):
                yield (
                    choice.key_lines["label"],
                    choice["label"],
                    f"{where}: button label (max 40 characters)",
                )
            if isinstance(choice.get("description"), str):
                yield choice.key_lines["description"], choice["description"], f"{where}: choice"


def extract_flows(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[Extracted]:
    raw = read_yaml(fileobj.read().decode("utf-8"))
    if not hasattr(raw, "get"):
        return
    for line, text, comment in _texts(raw):
        yield line, None, clean_text(text), [comment]
