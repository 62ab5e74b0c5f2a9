"""Engine outputs as plain text in a language: what a person reads, channel-neutral.

Channels add their own markup (Telegram escapes this text for HTML and draws the buttons).
"""

from __future__ import annotations

from dataclasses import dataclass

from dialogs.engine import PROGRESS, Ask, Option, Say
from dialogs.i18n import Translator
from dialogs.texts import msg


@dataclass(frozen=True)
class Button:
    id: str
    label: str


@dataclass(frozen=True)
class RenderedQuestion:
    text: str
    options: tuple[Button, ...]
    actions: tuple[Button, ...]


def option_label(option: Option, tr: Translator) -> str:
    label = tr.text(option.label)
    return f"✓ {label}" if option.selected else label


def render_question(ask: Ask, tr: Translator) -> RenderedQuestion:
    lines = [tr.text(msg(PROGRESS, position=ask.position, total=ask.total)), "", tr.text(ask.text)]
    described = [o for o in ask.options if o.description is not None]
    if described:
        lines.append("")
        for option in described:
            assert option.description is not None
            lines.append(f"{tr.text(option.label)} — {tr.text(option.description)}")
    if ask.hint is not None:
        lines += ["", tr.text(ask.hint)]
    return RenderedQuestion(
        "\n".join(lines),
        tuple(Button(o.id, option_label(o, tr)) for o in ask.options),
        tuple(Button(a.id, tr.text(a.label)) for a in ask.actions),
    )


def render_say(say: Say, tr: Translator) -> str:
    return tr.text(say.text)
