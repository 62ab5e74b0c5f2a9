"""The participant's journey in a private chat: join, consent, language, menu, questions,
/mydata and /forget, and a helpful answer to anything unexpected."""

from __future__ import annotations

import contextlib
import time
from collections import defaultdict, deque
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot import texts
from bot.conversations import Conversations
from bot.telegram.callbacks import (
    AnswerCb,
    ConsentCb,
    ForgetCb,
    LanguageCb,
    MenuCb,
    NavCb,
    ToggleCb,
)
from bot.telegram.middlewares import CHANNEL
from bot.telegram.render import (
    Reply,
    esc,
    language_keyboard,
    language_name,
    menu_reply,
    render_outputs,
)
from bot.telegram.sending import Sender
from dialogs import engine
from dialogs.i18n import Translator, available_languages, translator
from dialogs.loader import load_flows
from dialogs.render import describe_answer
from storage.models import Participant, Territory
from storage.repository import Repository, normalise_join_code

MESSAGE_LIMIT = 4096


class JoinGuard:
    """Slows down guessing: after `limit` wrong codes within `window` seconds, wait."""

    def __init__(self, limit: int = 5, window: float = 600.0) -> None:
        self.limit = limit
        self.window = window
        self.failures: defaultdict[int, deque[float]] = defaultdict(deque)

    def wait_minutes(self, user_id: int) -> int:
        now = time.monotonic()
        recent = self.failures.get(user_id)
        while recent and now - recent[0] > self.window:
            recent.popleft()
        if not recent:
            self.failures.pop(user_id, None)
            return 0
        if len(recent) < self.limit:
            return 0
        return max(1, round((self.window - (now - recent[0])) / 60))

    def failed(self, user_id: int) -> None:
        self.failures[user_id].append(time.monotonic())


def build_router(sender: Sender, guard: JoinGuard | None = None) -> Router:
    router = Router(name="participant")
    router.message.filter(F.chat.type == "private")
    router.callback_query.filter(F.message.chat.type == "private")
    guard = guard or JoinGuard()
    flows = load_flows()

    async def say(
        message: Message, text: str, keyboard: InlineKeyboardMarkup | None = None
    ) -> None:
        await message.answer(esc(text), reply_markup=keyboard)

    async def show_menu(
        bot: Bot,
        chat_id: int,
        data: dict[str, Any],
        *,
        who: Participant | None = None,
        where: Territory | None = None,
        tr: Translator | None = None,
    ) -> None:
        """The block menu, for the person of this update (or the one who just agreed)."""
        conv: Conversations = data["conversations"]
        tr = tr or data["tr"]
        blocks = await conv.blocks(who or data["participant"], where or data["territory"])
        reply = menu_reply(blocks, tr)
        await bot.send_message(chat_id, reply.text, reply_markup=reply.keyboard)

    # ------------------------------------------------------------ joining

    def consent_reply(territory: Territory, language: str) -> Reply:
        tr = translator(language)
        code = territory.join_code

        def button(text: str, answer: str, lang: str = language) -> InlineKeyboardButton:
            data = ConsentCb(code=code, language=lang, answer=answer).pack()
            return InlineKeyboardButton(text=text, callback_data=data)

        languages = [
            button(("✓ " if lang == language else "") + language_name(lang), "lang", lang)
            for lang in available_languages()
        ]
        rows = [[button(tr(texts.AGREE), "yes"), button(tr(texts.DECLINE), "no")], languages]
        return Reply(
            esc(tr(texts.CONSENT, territory=territory.name)),
            InlineKeyboardMarkup(inline_keyboard=rows),
        )

    async def join(message: Message, code_text: str, data: dict[str, Any]) -> None:
        repo: Repository = data["repo"]
        tr: Translator = data["tr"]
        user_id = message.from_user.id if message.from_user else message.chat.id
        minutes = guard.wait_minutes(user_id)
        if minutes:
            await say(message, tr.text(texts.code_wait(minutes)))
            return
        code = normalise_join_code(code_text)
        territory = await repo.territory_by_join_code(code) if code else None
        if territory is None:
            guard.failed(user_id)
            await say(message, tr(texts.CODE_MALFORMED if code is None else texts.CODE_UNKNOWN))
            return
        participant: Participant | None = data["participant"]
        if participant is None:
            reply = consent_reply(territory, tr.language)
            await message.answer(reply.text, reply_markup=reply.keyboard)
            return
        current: Territory | None = data["territory"]
        if current is not None and current.id == territory.id:
            await say(message, tr(texts.ALREADY_JOINED, territory=territory.name))
        else:
            await repo.join(participant, territory)
            await data["checkpoint"]()
            await say(message, tr(texts.JOINED, territory=territory.name))
        await show_menu(message.bot, message.chat.id, data, where=territory)

    @router.message(CommandStart(deep_link=True))
    async def start_with_code(message: Message, command: CommandObject, **data: Any) -> None:
        await join(message, command.args or "", data)

    @router.message(CommandStart())
    @router.message(Command("menu"))
    async def menu(message: Message, **data: Any) -> None:
        """/start without a code, and /menu: the blocks, or how to join."""
        participant, territory, tr = data["participant"], data["territory"], data["tr"]
        if participant is None or territory is None:
            await say(message, tr(texts.WELCOME))
            return
        await show_menu(message.bot, message.chat.id, data)

    @router.message(Command("join"))
    async def join_command(message: Message, command: CommandObject, **data: Any) -> None:
        if not command.args:
            await say(message, data["tr"](texts.JOIN_HOW))
            return
        await join(message, command.args, data)

    @router.callback_query(ConsentCb.filter())
    async def consent(query: CallbackQuery, callback_data: ConsentCb, **data: Any) -> None:
        repo: Repository = data["repo"]
        language = callback_data.language
        if language not in available_languages():
            language = data["tr"].language
        tr = translator(language)
        territory = await repo.territory_by_join_code(callback_data.code)
        message = query.message if isinstance(query.message, Message) else None
        if territory is None or message is None:
            await query.answer(tr(texts.BUTTON_GONE))
            return
        if callback_data.answer == "lang":
            reply = consent_reply(territory, language)
            with contextlib.suppress(TelegramBadRequest):
                await message.edit_text(reply.text, reply_markup=reply.keyboard)
            await query.answer()
            return
        await query.answer()
        if callback_data.answer != "yes":
            await message.edit_text(esc(tr(texts.DECLINED)))
            return
        participant = await repo.ensure_participant(CHANNEL, str(query.from_user.id))
        if participant.consent_at is None:
            await repo.record_consent(
                participant, language=language, display_name=query.from_user.full_name
            )
        await repo.join(participant, territory)
        await data["checkpoint"]()
        await message.edit_reply_markup(reply_markup=None)
        await message.answer(esc(tr(texts.JOINED, territory=territory.name)))
        await show_menu(message.bot, message.chat.id, data, who=participant, where=territory, tr=tr)

    # ------------------------------------------------------------ commands

    @router.message(Command("language"))
    async def language(message: Message, **data: Any) -> None:
        tr: Translator = data["tr"]
        await say(message, tr(texts.LANGUAGE_PROMPT), language_keyboard(tr.language))

    @router.callback_query(LanguageCb.filter())
    async def language_chosen(query: CallbackQuery, callback_data: LanguageCb, **data: Any) -> None:
        chosen = callback_data.language
        if chosen not in available_languages():
            await query.answer(data["tr"](texts.BUTTON_GONE))
            return
        participant: Participant | None = data["participant"]
        if participant is not None:
            await data["repo"].set_language(participant, chosen)
            await data["checkpoint"]()
        tr = translator(chosen)
        await query.answer()
        if isinstance(query.message, Message):
            with contextlib.suppress(TelegramBadRequest):
                await query.message.edit_text(
                    esc(tr(texts.LANGUAGE_SET, language=language_name(chosen)))
                )
            if participant is None:
                await say(query.message, tr(texts.WELCOME))

    @router.message(Command("help"))
    async def help_(message: Message, tr: Translator) -> None:
        await say(message, tr(texts.HELP))

    @router.message(Command("about"))
    async def about(message: Message, tr: Translator) -> None:
        await say(message, tr(texts.ABOUT))

    @router.message(Command("mydata"))
    async def mydata(message: Message, **data: Any) -> None:
        participant, territory, tr = data["participant"], data["territory"], data["tr"]
        if participant is None:
            await say(message, tr(texts.MYDATA_NOTHING))
            return
        lines = [
            tr(
                texts.MYDATA_NAME,
                name=participant.display_name or "-",
                language=language_name(participant.language or tr.language),
            )
        ]
        if territory is not None:
            lines.insert(0, tr(texts.MYDATA_HEADER, territory=territory.name))
            answers = await data["repo"].current_answers(participant, territory)
            for flow in flows.values():
                given = answers.get(flow.id, {})
                if not given:
                    continue
                lines.append("")
                lines.append(f"【{tr(flow.title)}】")
                for question in flow.questions:
                    if question.id in given:
                        shown = describe_answer(question, given[question.id], tr)
                        lines.append(f"• {tr(question.text)}\n  → {shown}")
            if not answers:
                lines.append(tr(texts.MYDATA_EMPTY))
        for chunk in fit_messages("\n".join(lines)):
            await message.answer(chunk)

    @router.message(Command("forget"))
    async def forget(message: Message, **data: Any) -> None:
        tr: Translator = data["tr"]
        if data["participant"] is None:
            await say(message, tr(texts.MYDATA_NOTHING))
            return
        buttons = [
            InlineKeyboardButton(text=tr(label), callback_data=ForgetCb(answer=answer).pack())
            for label, answer in ((texts.FORGET_YES, "yes"), (texts.FORGET_NO, "no"))
        ]
        keyboard = InlineKeyboardMarkup(inline_keyboard=[buttons])
        await say(message, tr(texts.FORGET_CONFIRM), keyboard)

    @router.callback_query(ForgetCb.filter())
    async def forget_confirmed(query: CallbackQuery, callback_data: ForgetCb, **data: Any) -> None:
        tr: Translator = data["tr"]
        participant: Participant | None = data["participant"]
        await query.answer()
        if not isinstance(query.message, Message):
            return
        if callback_data.answer == "yes" and participant is not None:
            await data["repo"].forget_participant(participant)
            await data["checkpoint"]()
            await query.message.edit_text(esc(tr(texts.FORGOTTEN)))
        else:
            await query.message.edit_text(esc(tr(texts.KEPT)))

    @router.message(F.text.startswith("/"))
    async def unknown_command(message: Message, tr: Translator) -> None:
        await say(message, tr(texts.UNKNOWN_COMMAND))

    # ------------------------------------------------------------ answering

    async def step(data: dict[str, Any], flow_id: str, event: engine.Input) -> list[engine.Output]:
        conv: Conversations = data["conversations"]
        outputs = await conv.step(data["participant"], data["territory"], flow_id, event)
        await data["checkpoint"]()  # the answer is safe before anything is sent
        return outputs

    async def show(
        bot: Bot,
        chat_id: int,
        data: dict[str, Any],
        outputs: list[engine.Output],
        pressed: Message | None = None,
    ) -> None:
        await sender.send(bot, chat_id, render_outputs(outputs, data["tr"]), pressed)
        if any(isinstance(o, engine.Finished) for o in outputs):
            await show_menu(bot, chat_id, data)

    async def run(
        bot: Bot, chat_id: int, data: dict[str, Any], flow_id: str, event: engine.Input
    ) -> None:
        await show(bot, chat_id, data, await step(data, flow_id, event))

    async def ready(query: CallbackQuery, data: dict[str, Any], flow_id: str) -> Message | None:
        """The pressed message, when the person may act on this flow; else say why not."""
        tr: Translator = data["tr"]
        if data["participant"] is None or data["territory"] is None or flow_id not in flows:
            await query.answer(tr(texts.BUTTON_GONE))
            return None
        if not isinstance(query.message, Message):
            await query.answer(tr(texts.BUTTON_GONE))
            return None
        return query.message

    async def close_pressed(pressed: Message, label: str | None) -> None:
        """Show the answer under the question and remove its keyboard."""
        sender.forget(pressed.chat.id, pressed.message_id)
        with contextlib.suppress(TelegramBadRequest):
            if label:
                await pressed.edit_text(f"{pressed.html_text}\n\n<b>✓ {esc(label)}</b>")
            else:
                await pressed.edit_reply_markup(reply_markup=None)

    async def press(
        query: CallbackQuery,
        data: dict[str, Any],
        flow_id: str,
        question_id: str,
        event: engine.Input,
    ) -> None:
        """A question's button: step the engine, then update the pressed message (edited in
        place after a toggle; else closed, with the answer the engine accepted) and reply."""
        pressed = await ready(query, data, flow_id)
        if pressed is None:
            return
        tr: Translator = data["tr"]
        outputs = await step(data, flow_id, event)
        accepted = next(
            (
                o.answer
                for o in outputs
                if isinstance(o, engine.Recorded) and o.question == question_id
            ),
            None,
        )
        await query.answer(tr(texts.SAVED) if accepted is not None else None)
        if any(isinstance(o, engine.Ask) and o.refresh for o in outputs):
            await show(query.bot, pressed.chat.id, data, outputs, pressed)
            return
        question = flows[flow_id].question(question_id)
        label = describe_answer(question, accepted, tr) if accepted and question else None
        await close_pressed(pressed, label)
        await show(query.bot, pressed.chat.id, data, outputs)

    @router.callback_query(MenuCb.filter())
    async def open_block(query: CallbackQuery, callback_data: MenuCb, **data: Any) -> None:
        pressed = await ready(query, data, callback_data.flow)
        if pressed is None:
            return
        await query.answer()
        await run(query.bot, pressed.chat.id, data, callback_data.flow, engine.Start())

    @router.callback_query(AnswerCb.filter())
    async def answer(query: CallbackQuery, callback_data: AnswerCb, **data: Any) -> None:
        event = engine.Choose(callback_data.choice, callback_data.question)
        await press(query, data, callback_data.flow, callback_data.question, event)

    @router.callback_query(ToggleCb.filter())
    async def toggle(query: CallbackQuery, callback_data: ToggleCb, **data: Any) -> None:
        event = engine.Toggle(callback_data.choice, callback_data.question)
        await press(query, data, callback_data.flow, callback_data.question, event)

    @router.callback_query(NavCb.filter())
    async def navigate(query: CallbackQuery, callback_data: NavCb, **data: Any) -> None:
        actions: dict[str, type[engine.Done | engine.Back | engine.Skip]] = {
            "done": engine.Done,
            "back": engine.Back,
            "skip": engine.Skip,
        }
        action = actions.get(callback_data.action)
        if action is None:
            await query.answer(data["tr"](texts.BUTTON_GONE))
            return
        event = action(callback_data.question)
        await press(query, data, callback_data.flow, callback_data.question, event)

    @router.callback_query()
    async def stale_or_forged(query: CallbackQuery, tr: Translator) -> None:
        await query.answer(tr(texts.BUTTON_GONE))

    async def typed(message: Message, data: dict[str, Any], event: engine.Input) -> None:
        participant, territory, tr = data["participant"], data["territory"], data["tr"]
        if participant is None or territory is None:
            await say(message, tr(texts.WELCOME))
            return
        conv: Conversations = data["conversations"]
        flow_id = await conv.current_flow(participant, territory)
        if flow_id is None:
            await say(message, tr(texts.NO_BLOCK_OPEN))
            await show_menu(message.bot, message.chat.id, data)
            return
        await run(message.bot, message.chat.id, data, flow_id, event)

    @router.message(F.text)
    async def text(message: Message, **data: Any) -> None:
        await typed(message, data, engine.Text(message.text or ""))

    @router.message(F.voice)
    async def voice(message: Message, **data: Any) -> None:
        assert message.voice is not None
        await typed(message, data, engine.Voice(message.voice.file_id, message.voice.duration))

    @router.message()
    async def anything_else(message: Message, tr: Translator) -> None:
        await say(message, tr(texts.UNEXPECTED))

    @router.edited_message()
    async def edited(message: Message, tr: Translator) -> None:
        if message.chat.type == "private":
            await say(message, tr(texts.EDITED))

    return router


def build_group_router() -> Router:
    """In groups the bot only asks people to write to it privately."""
    router = Router(name="groups")
    router.message.filter(F.chat.type.in_({"group", "supergroup"}))

    @router.message()
    async def in_group(message: Message, tr: Translator) -> None:
        me = await message.bot.me()
        link = f"https://t.me/{me.username}"
        await message.answer(esc(tr(texts.GROUP, link=link)))

    return router


def fit_messages(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Escaped HTML messages that each fit Telegram's limit, split at line ends when possible."""
    escaped = esc(text)
    if len(escaped) <= limit:
        return [escaped] if text.strip() else []
    cut = text.rfind("\n", 0, len(text) // 2 + 1)
    cut = cut if cut > 0 else len(text) // 2
    return fit_messages(text[:cut], limit) + fit_messages(text[cut:].lstrip("\n"), limit)
