"""Translate `Msg` values with the gettext catalogs in `locales/`, read directly with Babel.

No compile step: `.po` files are read at first use. A message with no (or a fuzzy, or an
empty) translation falls back to English, never to an empty string or a key.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from functools import cache, lru_cache
from typing import Any

from babel import Locale
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from dialogs.texts import Msg
from locales import LOCALES_DIR

SOURCE_LANGUAGE = "en"
CONTEXT_SEPARATOR = "\x04"
"""Between a message's context and its id, as in compiled gettext catalogs."""


@cache
def available_languages() -> tuple[str, ...]:
    """English, then every language with a catalog, in alphabetical order (read once)."""
    found = sorted(p.parent.parent.name for p in LOCALES_DIR.glob("*/LC_MESSAGES/messages.po"))
    return (SOURCE_LANGUAGE, *[lang for lang in found if lang != SOURCE_LANGUAGE])


def pick_language(code: str | None) -> str:
    """A language we have for a client's language code ('es-AR' -> 'es'); English otherwise."""
    if code:
        base = code.replace("_", "-").split("-")[0].lower()
        if base in available_languages():
            return base
    return SOURCE_LANGUAGE


def language_name(language: str) -> str:
    """A language's name in that language, capitalised, as on a button ('es' -> 'Español')."""
    name = Locale.parse(language).get_display_name(language) or language
    return name[:1].upper() + name[1:]


def language_in(language: str, reader: str) -> str:
    """A language's name inside a sentence in the reader's language, written as that language
    writes it ('fr' for 'fr' -> 'français', 'es' for 'fr' -> 'espagnol', 'fr' for 'en' ->
    'French')."""
    return Locale.parse(language).get_display_name(reader) or language


class Translator:
    """Texts in one language."""

    def __init__(
        self,
        language: str,
        messages: dict[str, str | tuple[str, ...]],
        plural: Callable[[int], int],
    ) -> None:
        self.language = language
        self._messages = messages
        self._plural = plural

    def gettext(self, key: str, context: str | None = None) -> str:
        found = self._messages.get(key if context is None else f"{context}{CONTEXT_SEPARATOR}{key}")
        return found if isinstance(found, str) and found else key

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        forms = self._messages.get(singular)
        if isinstance(forms, tuple):
            index = self._plural(count)
            if 0 <= index < len(forms) and forms[index]:
                return forms[index]
        return singular if count == 1 else plural

    def value(self, value: Any) -> str:
        if isinstance(value, Msg):
            return self.text(value)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return str(value)
        return _decimal(value, self.language)

    def text(self, message: Msg) -> str:
        template = (
            self.ngettext(message.key, message.plural, message.count or 0)
            if message.plural is not None
            else self.gettext(message.key, message.context)
        )
        params = {k: self.value(v) for k, v in message.params.items()}
        if not params:
            return template
        try:
            return template.format(**params)
        except (KeyError, IndexError, ValueError):
            # A broken translation must not break the conversation: use the English text.
            english = (
                message.key if message.plural is None or message.count == 1 else message.plural
            )
            return english.format(**params)

    def __call__(self, key: str, **params: Any) -> str:
        return self.text(Msg(key, params))


def _load(language: str) -> Translator:
    path = LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"
    messages: dict[str, str | tuple[str, ...]] = {}
    plural_expr = get_plural(language).plural_expr if language != SOURCE_LANGUAGE else "(n != 1)"
    if language != SOURCE_LANGUAGE and path.exists():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        plural_expr = catalog.plural_expr
        for message in catalog:
            if not message.id or message.fuzzy:
                continue
            prefix = f"{message.context}{CONTEXT_SEPARATOR}" if message.context else ""
            if isinstance(message.id, tuple | list):
                messages[prefix + message.id[0]] = tuple(message.string)
            elif message.string:
                messages[prefix + message.id] = message.string
    return Translator(language, messages, gettext.c2py(plural_expr))


@lru_cache(maxsize=4096)
def _decimal(value: float, language: str) -> str:
    """A number as written in a language (Babel is slow, and the same few numbers recur)."""
    return format_decimal(value, locale=language)


@cache
def translator(language: str) -> Translator:
    """The translator for a language (English for one we do not have)."""
    return _load(language if language in available_languages() else SOURCE_LANGUAGE)
