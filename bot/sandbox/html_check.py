"""Telegram's HTML parse mode: the tags it accepts, and the text a person then sees."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

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
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


class EntityError(ValueError):
    pass


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            raise EntityError(f'unsupported start tag "{tag}"')
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise EntityError(f'unexpected end tag "{tag}"')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_entityref(self, name: str) -> None:
        self.parts.append(html.unescape(f"&{name};"))

    def handle_charref(self, name: str) -> None:
        self.parts.append(html.unescape(f"&#{name};"))


def html_to_text(markup: str) -> str:
    """The text Telegram shows for HTML markup; raises `EntityError` where Telegram would."""
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
        raise EntityError(f"can't parse entities: can't find end tag \"{parser.stack[-1]}\"")
    return "".join(parser.parts)
