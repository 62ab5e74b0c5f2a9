"""/newterritory: organisers create a territory in a short guided dialog (kept in the
database, so it survives a restart); /cancel ends it. Others are refused kindly."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from babel.dates import get_timezone_location

from bot import new_territory, texts
from bot.mydata import when
from bot.telegram.callbacks import NewTerritoryCb
from bot.telegram.facilitator.common import private_router
from bot.telegram.filters import NoPendingDialog, Organiser, PendingDialogOf, Slash
from bot.telegram.middlewares import CHANNEL
from bot.telegram.render import with_answer
from bot.telegram.sending import Replies
from bot.territories import country_name, deep_link
from dialogs.i18n import Translator, available_languages, language_in, language_name
from storage.models import PendingDialog
from storage.repository import Repository

KIND = new_territory.KIND
router = private_router("organiser")


def utc_offset(zone: str, now: datetime) -> str:
    """'UTC−3', 'UTC+5:30', 'UTC' for a zone at a moment."""
    offset = now.astimezone(ZoneInfo(zone)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    if not minutes:
        return "UTC"
    sign = "+" if minutes > 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def button(text: str, step: str, value: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=NewTerritoryCb(step=step, value=value).pack()
    )


def keyboard(state: dict[str, Any], tr: Translator, now: datetime) -> InlineKeyboardMarkup | None:
    """The buttons of the current step, if it has any."""
    step = state["step"]
    rows: list[list[InlineKeyboardButton]] = []
    if step == "timezone":
        zones = new_territory.zone_choices(state)
        labels = [
            f"{get_timezone_location(z, tr.language, return_city=True)} ({utc_offset(z, now)})"
            for z in zones
        ]
        buttons = [button(label, step, zone) for label, zone in zip(labels, zones, strict=True)]
        rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    elif step == "language":
        rows = [[button(language_name(lang), step, lang) for lang in available_languages()]]
    elif step == "session":
        rows = [[button(tr(texts.NEW_SKIP), step, "skip")]]
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def question(state: dict[str, Any], tr: Translator) -> str:
    """What the current step asks."""
    match state["step"]:
        case "name":
            return tr(texts.NEW_NAME)
        case "country":
            return tr(texts.NEW_COUNTRY, name=state["name"])
        case "timezone":
            example = new_territory.example_zone(state)
            if new_territory.zone_choices(state):
                return tr(texts.NEW_ZONE_CHOOSE, example=example)
            return tr(texts.NEW_ZONE_TYPE, example=example)
        case "language":
            return tr(texts.NEW_LANGUAGE)
        case _:
            return tr(texts.NEW_SESSION, timezone=state["timezone"])


async def go_on(
    state: dict[str, Any],
    user_id: int,
    repo: Repository,
    out: Replies,
    tr: Translator,
    bot_link: str,
    now: datetime,
) -> None:
    """Store the dialog's new step and ask its question; once done, create the territory. A
    name the country has already is asked again (as `territory create` refuses it)."""
    taken = (
        await repo.territories_named(state["name"], state["country"])
        if state["step"] == "timezone"
        else []
    )
    if taken:
        state = new_territory.name_taken(state)
        await repo.save_pending_dialog(CHANNEL, str(user_id), KIND, state)
        country = country_name(state["country"], tr.language)
        out.say(
            tr(texts.NEW_NAME_TAKEN, name=taken[0].name, country=country, code=taken[0].join_code)
        )
        return
    if state["step"] != "done":
        await repo.save_pending_dialog(CHANNEL, str(user_id), KIND, state)
        out.say(question(state, tr), keyboard(state, tr, now))
        return
    fields = new_territory.fields(state)
    territory = await repo.create_territory(
        name=fields.name,
        country=fields.country,
        timezone=fields.timezone,
        language=fields.language,
        session_at=fields.session_at,
    )
    await repo.end_pending_dialog(CHANNEL, str(user_id), KIND)
    session = (
        when(fields.session_at, tr, fields.timezone)
        if fields.session_at
        else tr(texts.NEW_NO_SESSION)
    )
    out.say(
        tr(
            texts.NEW_CREATED,
            name=territory.name,
            country=country_name(territory.country, tr.language),
            timezone=territory.timezone,
            language=language_in(territory.language, tr.language),
            session=session,
            join_code=territory.join_code,
            facilitator_code=territory.facilitator_code,
            participant_link=deep_link(bot_link, territory.join_code),
            facilitator_link=deep_link(bot_link, territory.facilitator_code),
        )
    )


@router.message(Command("newterritory"), Organiser())
async def begin(message: Message, repo: Repository, out: Replies, tr: Translator) -> None:
    """Start (or start again) the dialog."""
    assert message.from_user is not None  # Organiser() holds
    state = new_territory.start()
    await repo.save_pending_dialog(CHANNEL, str(message.from_user.id), KIND, state)
    out.say(question(state, tr))


@router.message(Command("newterritory"))
async def refuse(message: Message, out: Replies, tr: Translator) -> None:
    out.say(tr(texts.ORGANISERS_ONLY))


@router.message(Command("cancel"), PendingDialogOf(KIND))
async def cancel(message: Message, repo: Repository, out: Replies, tr: Translator) -> None:
    assert message.from_user is not None
    await repo.end_pending_dialog(CHANNEL, str(message.from_user.id), KIND)
    out.say(tr(texts.NEW_CANCELLED))


@router.message(Command("cancel"), NoPendingDialog())
async def nothing_to_cancel(message: Message, out: Replies, tr: Translator) -> None:
    """(A dialog of another kind is left to its own /cancel.)"""
    out.say(tr(texts.NOTHING_TO_CANCEL))


@router.message(~Slash(), Organiser(), PendingDialogOf(KIND))
async def typed(
    message: Message,
    dialog: PendingDialog,
    repo: Repository,
    out: Replies,
    tr: Translator,
    bot_link: str,
) -> None:
    """An answer typed while the dialog waits: taken before any block's open question."""
    assert message.from_user is not None
    now = datetime.now(UTC)
    state = dict(dialog.state)
    if message.text is None:
        out.say(tr(texts.NEW_TYPE_PLEASE), keyboard(state, tr, now))
        return
    state, problem = new_territory.answer(state, message.text.replace("\x00", ""), now)
    if problem is not None:
        out.say(tr.text(problem), keyboard(state, tr, now))
        return
    await go_on(state, message.from_user.id, repo, out, tr, bot_link, now)


@router.callback_query(NewTerritoryCb.filter(), Organiser())
async def pressed(
    query: CallbackQuery,
    callback_data: NewTerritoryCb,
    repo: Repository,
    out: Replies,
    tr: Translator,
    bot_link: str,
) -> None:
    """A button of the dialog: only the current step's buttons still work."""
    dialog = await repo.pending_dialog(CHANNEL, str(query.from_user.id), KIND)
    shown = query.message if isinstance(query.message, Message) else None
    if dialog is None or shown is None or dialog.state.get("step") != callback_data.step:
        out.toast(tr(texts.BUTTON_GONE))
        return
    now = datetime.now(UTC)
    state: dict[str, Any] = dict(dialog.state)
    if callback_data.step == "session" and callback_data.value == "skip":
        state, problem = new_territory.skip_session(state), None
    else:
        state, problem = new_territory.answer(state, callback_data.value, now)
    if problem is not None:  # a forged value
        out.toast(tr(texts.BUTTON_GONE))
        return
    label = next(
        (
            b.text
            for row in (shown.reply_markup.inline_keyboard if shown.reply_markup else [])
            for b in row
            if b.callback_data == callback_data.pack()
        ),
        callback_data.value,
    )
    out.edit(shown.message_id, with_answer(shown.html_text, label))
    await go_on(state, query.from_user.id, repo, out, tr, bot_link, now)
