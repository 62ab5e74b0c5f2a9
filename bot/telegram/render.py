"""Engine outputs and interface texts as Telegram messages: escaped HTML, inline keyboards."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.conversations import BlockStatus
from bot.telegram.callbacks import AnswerCb, LanguageCb, MenuCb, NavCb, ToggleCb
from bot.texts import MENU
from dialogs import engine
from dialogs.i18n import Translator, available_languages, language_name
from dialogs.render import render_question, render_say


@dataclass(frozen=True)
class Reply:
    """One message to send, or (with `refresh`) the question message to edit in place."""

    text: str
    keyboard: InlineKeyboardMarkup | None = None
    refresh: bool = False
    question: engine.Ask | None = None
    menu: bool = False
    """A menu of blocks: the one shown before it is retired."""


def esc(text: str) -> str:
    return html.escape(text, quote=False)


ButtonData = Callable[[engine.Ask, str, str], str]
"""The callback data of a question's button: (question, kind, id), where kind is "answer",
"toggle" (a multi-select's choice) or "nav" (done, back, skip)."""


def block_button(ask: engine.Ask, kind: str, value: str) -> str:
    """A block's buttons, answered by the participant's handlers."""
    if kind == "nav":
        return NavCb(flow=ask.flow, question=ask.question, action=value).pack()
    if kind == "toggle":
        return ToggleCb(flow=ask.flow, question=ask.question, choice=value).pack()
    return AnswerCb(flow=ask.flow, question=ask.question, choice=value).pack()


def question_reply(
    ask: engine.Ask, tr: Translator, before: str = "", data: ButtonData = block_button
) -> Reply:
    """A question with its buttons, under `before` (HTML: what was said just before it)."""
    shown = render_question(ask, tr)
    rows: list[list[InlineKeyboardButton]] = []
    for button in shown.options:
        kind = "toggle" if ask.kind == "multi" and button.id not in ("dk", "na") else "answer"
        rows.append(
            [InlineKeyboardButton(text=button.label, callback_data=data(ask, kind, button.id))]
        )
    navigation = [
        (
            action.id,
            InlineKeyboardButton(text=action.label, callback_data=data(ask, "nav", action.id)),
        )
        for action in shown.actions
    ]
    done = [b for action, b in navigation if action == "done"]
    if done:
        rows.append(done)
    rows.append([b for action, b in navigation if action != "done"])
    text = join_html(before, esc(shown.text))
    return Reply(text, InlineKeyboardMarkup(inline_keyboard=rows), ask.refresh, ask)


def with_answer(html: str, label: str, *, kept: bool = True) -> str:
    """A question's message closed with what became of it, under it: "✓ answer" in bold, or
    (`kept` False: nothing was answered, e.g. "Skipped") in italics. `label` is plain text."""
    mark = f"<b>✓ {esc(label)}</b>" if kept else f"<i>{esc(label)}</i>"
    return f"{html}\n\n{mark}"


def join_html(*parts: str) -> str:
    return "\n\n".join(part for part in parts if part)


def says_html(says: list[engine.Say], tr: Translator) -> str:
    return join_html(
        *(
            f"<b>{esc(render_say(s, tr))}</b>" if s.role == "title" else esc(render_say(s, tr))
            for s in says
        )
    )


def render_outputs(
    outputs: list[engine.Output], tr: Translator, data: ButtonData = block_button
) -> list[Reply]:
    """One message per question, with what was said just before it on top (a block's intro,
    a problem, a notice); what is said after the last question is one message of its own."""
    replies: list[Reply] = []
    says: list[engine.Say] = []
    for output in outputs:
        if isinstance(output, engine.Say):
            says.append(output)
        elif isinstance(output, engine.Ask):
            replies.append(question_reply(output, tr, says_html(says, tr), data))
            says.clear()
    if says:
        replies.append(Reply(says_html(says, tr)))
    return replies


def menu_reply(
    territory_id: int,
    blocks: list[BlockStatus],
    tr: Translator,
    text: str | None = None,
    before: str = "",
) -> Reply:
    """A territory's blocks as buttons with each one's progress, under `text` (plain; default:
    MENU), itself under `before` (HTML, e.g. the end of a block)."""
    rows = []
    for block in blocks:
        title = tr(block.flow.short_title)
        progress = block.progress
        if progress.status == "finished" and progress.answered >= progress.total:
            label = f"✅ {title}"
        elif progress.status != "new" or progress.answered:  # begun, or left for later
            label = f"{title} · {progress.answered}/{progress.total}"
        else:
            label = title
        rows.append(
            [
                InlineKeyboardButton(
                    text=label,
                    callback_data=MenuCb(territory=territory_id, flow=block.flow.id).pack(),
                )
            ]
        )
    text_html = join_html(before, esc(text or tr(MENU)))
    return Reply(text_html, InlineKeyboardMarkup(inline_keyboard=rows), menu=True)


def language_keyboard(current: str) -> InlineKeyboardMarkup:
    row = [
        InlineKeyboardButton(
            text=("✓ " if lang == current else "") + language_name(lang),
            callback_data=LanguageCb(language=lang).pack(),
        )
        for lang in available_languages()
    ]
    return InlineKeyboardMarkup(inline_keyboard=[row])
