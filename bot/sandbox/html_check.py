"""Telegram's HTML parse mode: the tags it accepts, the text a person sees, and its entities."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Any

ALLOWED_TAGS = {
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "a",
    "code",
    "pre",
    "tg-spoiler",
    "span",
    "blockquote",
    "tg-emoji",
}
_KINDS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
"""The MessageEntity type each tag gives (a `span` is only accepted as a spoiler)."""
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


class EntityError(ValueError):
    pass


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[tuple[str, dict[str, Any]]] = []
        """Open tags, each with its entity (offset in UTF-16 code units, as Telegram counts)."""
        self.parts: list[str] = []
        self.length = 0
        self.entities: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise EntityError(f'unsupported start tag "{tag}"')
        given = {name: value or "" for name, value in attrs}
        entity: dict[str, Any] = {"type": _KINDS[tag], "offset": self.length}
        if tag == "a":
            entity["url"] = given.get("href", "")
        elif tag == "span" and given.get("class") != "tg-spoiler":
            raise EntityError('unsupported start tag "span"')
        elif tag == "blockquote" and "expandable" in given:
            entity["type"] = "expandable_blockquote"
        elif tag == "tg-emoji":
            entity["custom_emoji_id"] = given.get("emoji-id", "")
        elif tag == "code" and self.stack and self.stack[-1][0] == "pre":
            language = given.get("class", "")
            if language.startswith("language-"):  # <pre><code class="language-x">: one entity
                self.stack[-1][1]["language"] = language.removeprefix("language-")
                entity["type"] = ""
        self.stack.append((tag, entity))

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1][0] != tag:
            raise EntityError(f'unexpected end tag "{tag}"')
        entity = self.stack.pop()[1]
        entity["length"] = self.length - entity["offset"]
        if entity["type"] and entity["length"] > 0:
            self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self.length += len(data.encode("utf-16-le")) // 2

    def handle_entityref(self, name: str) -> None:
        self.handle_data(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.handle_data(html.unescape(f"&#{name};"))


def html_to_text(markup: str) -> str:
    """The text Telegram shows for HTML markup; raises `EntityError` where Telegram would."""
    return parse_html(markup)[0]


def parse_html(markup: str) -> tuple[str, list[dict[str, Any]]]:
    """The text Telegram shows for HTML markup and its entities (MessageEntity objects, sorted
    as Telegram sends them: by offset, an enclosing one first); raises `EntityError` where
    Telegram would."""
    for match in re.finditer(r"&", markup):
        if not _ENTITY.match(markup, match.start()):
            raise EntityError(f"can't parse entities: unescaped '&' at byte offset {match.start()}")
    for match in re.finditer(r"<", markup):
        if not re.match(r"</?[a-z-]+[\s>/]", markup[match.start() :]):
            raise EntityError(f"can't parse entities: unescaped '<' at offset {match.start()}")
    parser = _Parser()
    parser.feed(markup)
    parser.close()
    if parser.stack:
        raise EntityError(f"can't parse entities: can't find end tag \"{parser.stack[-1][0]}\"")
    entities = sorted(parser.entities, key=lambda e: (e["offset"], -e["length"]))
    return "".join(parser.parts), entities
