"""Translatable messages as data: a gettext message id, its parameters and its plural form.

The engine returns `Msg` values; a `dialogs.i18n.Translator` turns them into text in a language.
`N_` and `Np_` only mark strings for `pybabel extract`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def N_(msgid: str) -> str:
    """Mark a string for extraction; it is translated later, when shown."""
    return msgid


@dataclass(frozen=True)
class Msg:
    """A message id with `{name}` parameters; a parameter may itself be a `Msg`."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)
    plural: str | None = None
    count: int | None = None
    context: str | None = None
    """The gettext context (msgctxt): where the text is used, so that one English text may be
    translated differently in two places (e.g. "None." under two questions)."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key}
        if self.context is not None:
            out["context"] = self.context
        if self.params:
            out["params"] = {
                k: v.to_dict() if isinstance(v, Msg) else v for k, v in self.params.items()
            }
        if self.plural is not None:
            out["plural"] = self.plural
            out["count"] = self.count
        return out


def shortened(text: str, limit: int) -> str:
    """A text cut to at most `limit` characters, with "…" where it was cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def msg(key: str, **params: Any) -> Msg:
    return Msg(key, params)


def Np_(singular: str, plural: str, count: int, **params: Any) -> Msg:
    """A message with a plural form; `{count}` is available as a parameter."""
    return Msg(singular, {"count": count, **params}, plural=plural, count=count)
