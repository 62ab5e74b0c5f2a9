"""Engine outputs as plain text in a language: what a person reads, channel-neutral.

Channels add their own markup (Telegram escapes this text for HTML and draws the buttons).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dialogs.conditions import COMMENTS, is_answer
from dialogs.engine import PROGRESS, SCALE_EXTRA_LABELS, Ask, Option, Say
from dialogs.i18n import Translator
from dialogs.model import DONT_KNOW, NOT_APPLICABLE, Question
from dialogs.texts import N_, msg

SKIPPED = N_("Skipped")
NA_AUTOMATIC = N_("Not applicable (not a local power)")
VOICE_NOTE = N_("voice note ({seconds} s)")
COMMENT = N_("Comment: {text}")


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
    lines = (
        [tr.text(msg(PROGRESS, position=ask.position, total=ask.total)), ""] if ask.position else []
    )
    lines.append(tr.text(ask.text))
    if any(o.description is not None for o in ask.options):
        lines.append("")  # every option, so that a group can read them out in order
        for option in ask.options:
            if option.id in (DONT_KNOW, NOT_APPLICABLE):
                continue
            label = tr.text(option.label)
            if option.description is not None:
                label += f" — {tr.text(option.description)}"
            lines.append(label)
    if ask.given is not None:
        lines += ["", tr.text(ask.given)]
    if ask.hint is not None:
        lines += ["", tr.text(ask.hint)]
    return RenderedQuestion(
        "\n".join(lines),
        tuple(Button(o.id, option_label(o, tr)) for o in ask.options),
        tuple(Button(a.id, tr.text(a.label)) for a in ask.actions),
    )


def render_say(say: Say, tr: Translator) -> str:
    return tr.text(say.text)


def describe_answer(question: Question, answer: Mapping[str, Any] | None, tr: Translator) -> str:
    """An answer as a person reads it back (e.g. in /mydata), with its comments."""
    if answer is None:
        return tr(SKIPPED)
    comments = [describe_comment(c, tr) for c in answer.get(COMMENTS, ())]
    if comments:  # a comment alone (the answer came later, or not) is no skip
        given = [_answer(question, answer, tr)] if is_answer(answer) else []
        return "\n".join([*given, *(tr(COMMENT, text=c) for c in comments)])
    return _answer(question, answer, tr)


def describe_comment(comment: Mapping[str, Any], tr: Translator) -> str:
    """A comment's words, or "voice note (14 s)"."""
    if "voice" in comment:
        return tr(VOICE_NOTE, seconds=comment["voice"].get("duration", 0))
    return str(comment.get("text", ""))


def _answer(question: Question, answer: Mapping[str, Any], tr: Translator) -> str:
    if answer.get("auto"):
        return tr(NA_AUTOMATIC)
    if answer.get("dk"):
        return tr(SCALE_EXTRA_LABELS["dk"])
    if answer.get("na"):
        return tr(SCALE_EXTRA_LABELS["na"])
    if "choice" in answer:
        choice = question.choice(answer["choice"])
        return tr.text(choice.label_text) if choice else str(answer["choice"])
    if "choices" in answer:
        labels = [tr.text(c.label_text) for c in question.choices if c.id in answer["choices"]]
        return ", ".join(labels) or tr(SKIPPED)
    if "voice" in answer:
        return tr(VOICE_NOTE, seconds=answer["voice"].get("duration", 0))
    if "number" in answer:
        return tr.value(answer["number"])
    return str(answer.get("text", ""))
