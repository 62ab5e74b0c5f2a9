"""A Babel extractor for the flow files: every text a person reads, with a translator comment.

A question's choices and levels are extracted with the question's id as their gettext
context (msgctxt "entities"), so that a short label such as "None." is translated to agree
with its own question. Registered as `sse_flows` (entry point) and usable from `babel.cfg` as
`dialogs.babel_extractor:extract_flows`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from dialogs.loader import clean_text, question_context, read_yaml
from dialogs.model import LEVEL_BUTTON_LIMIT

Extracted = tuple[int, str | None, str | tuple[str, str], list[str]]
LEVEL_LABEL_LIMIT = LEVEL_BUTTON_LIMIT - len("0 · ")


def _texts(raw: Any) -> Iterator[tuple[int, str, str, str | None]]:
    """(line, text, translator comment, context) for every text of a flow file."""
    flow_id = raw.get("id", "?")
    for key in ("title", "short_title", "intro", "example", "closing"):
        if isinstance(raw.get(key), str):
            note = " (menu button, max 30 characters)" if key == "short_title" else ""
            yield raw.key_lines[key], raw[key], f"flow {flow_id}: {key}{note}", None
    for q in raw.get("questions") or []:
        where = f"flow {flow_id}, question {q.get('id', '?')}"
        context = question_context(q.get("id", "?"))
        if isinstance(q.get("text"), str):
            yield q.key_lines["text"], q["text"], f"{where}: question (max 300 characters)", None
        levels = q.get("levels")
        if hasattr(levels, "items"):
            for level, node in sorted(levels.items(), key=lambda item: str(item[0])):
                if not hasattr(node, "get"):
                    continue
                if isinstance(node.get("label"), str):
                    note = f"level {level} button, after '{level} · ' (max {LEVEL_LABEL_LIMIT})"
                    yield node.key_lines["label"], node["label"], f"{where}: {note}", context
                if isinstance(node.get("description"), str):
                    note = f"{where}: what level {level} looks like (one short line)"
                    yield node.key_lines["description"], node["description"], note, context
        for choice in q.get("choices") or []:
            if isinstance(choice.get("label"), str):
                note = "button label (max 40 characters)"
                yield choice.key_lines["label"], choice["label"], f"{where}: {note}", context
            if isinstance(choice.get("description"), str):
                note = f"{where}: choice"
                yield choice.key_lines["description"], choice["description"], note, context


def extract_flows(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[Extracted]:
    raw = read_yaml(fileobj.read().decode("utf-8"))
    if not hasattr(raw, "get"):
        return
    for line, text, comment, context in _texts(raw):
        if context is None:
            yield line, None, clean_text(text), [comment]
        else:
            yield line, "pgettext", (context, clean_text(text)), [comment]
