"""Replies: what one update's handling says, gathered while its transaction runs and sent after
it commits (so nothing is sent for work that is rolled back or done again), and the sender
that delivers them, retiring the keyboard of a question the person has moved past."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import Enum

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
)
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup

from bot.telegram.render import Reply, esc, with_answer

log = logging.getLogger(__name__)
CAPTION_LIMIT = 1024
"""Telegram's limit on a caption (UTF-16 code units)."""
REPEAT_WINDOW = 10.0
"""Seconds within which the same voice note asked again for one chat is a double tap."""


@dataclass(frozen=True)
class Send:
    text: str
    keyboard: InlineKeyboardMarkup | None = None
    question: bool = False
    """Shows a question: the keyboard of the question shown before it is retired."""
    menu: bool = False
    """Shows the menu of blocks: the keyboard of the menu shown before it is retired."""


@dataclass(frozen=True)
class Edit:
    message_id: int
    text: str | None
    """None: only the keyboard changes."""
    keyboard: InlineKeyboardMarkup | None = None
    closes: bool = False
    """The question in this message is answered: it no longer needs retiring."""


@dataclass(frozen=True)
class CloseQuestion:
    """The question shown last was answered by a message (text, a typed level, a voice note):
    its buttons go and the answer is noted under it, as a press does."""

    label: str
    """Plain text: how the answer reads, e.g. "2 · Established" or "Voice note, 14 s"."""
    answered: bool = True
    """False for a comment: the question is asked again below, so no ✓."""


@dataclass(frozen=True)
class Document:
    filename: str
    data: bytes | Callable[[], bytes]
    """The file, or how to make it: then it is made after the commit, in a worker thread, so
    a large file (an export) holds neither a transaction nor the event loop."""
    caption: str = ""
    failed: str = ""
    """Plain text said instead of the file if making it fails."""


@dataclass(frozen=True)
class Photo:
    filename: str
    image: bytes | Callable[[], bytes]
    """The image, or how to draw it: drawn when it is sent, after the commit (a chart takes a
    quarter of a second; no transaction waits for it, and a retried one does not draw twice)."""
    caption: str = ""
    keyboard: InlineKeyboardMarkup | None = None


@dataclass(frozen=True)
class Voice:
    """A voice note Telegram already has (its file id), sent again to this chat."""

    file_id: str
    caption: str = ""
    duration: int | None = None


@dataclass(frozen=True)
class Later:
    """Replies gathered after the commit, by `gather` (e.g. from a long read beside the
    writer: see `storage.db.Database.snapshot`), then sent in this one's place."""

    gather: Callable[[Replies], Awaitable[None]]
    failed: str = ""
    """Plain text said instead if gathering fails."""


Action = Send | Edit | CloseQuestion | Document | Photo | Voice | Later

DRAWING = ThreadPoolExecutor(max_workers=1, thread_name_prefix="charts")
"""Charts are drawn one at a time, outside the event loop (matplotlib's pyplot keeps global
state, so one thread draws them all)."""


@dataclass
class Replies:
    """Everything to send for one update, in order; text is HTML (use `say` for plain text)."""

    chat_id: int | None
    callback_query_id: str | None = None
    toast_text: str | None = None
    actions: list[Action] = field(default_factory=list)

    def toast(self, text: str | None) -> None:
        """The short notice shown when a button press is answered (every press is answered)."""
        self.toast_text = text

    def say(self, text: str, keyboard: InlineKeyboardMarkup | None = None) -> None:
        self.actions.append(Send(esc(text), keyboard))

    def send(self, reply: Reply) -> None:
        self.actions.append(
            Send(reply.text, reply.keyboard, reply.question is not None, reply.menu)
        )

    def edit(
        self,
        message_id: int,
        text: str | None,
        keyboard: InlineKeyboardMarkup | None = None,
        *,
        closes: bool = False,
    ) -> None:
        self.actions.append(Edit(message_id, text, keyboard, closes))

    def close_question(self, label: str, *, answered: bool = True) -> None:
        """Close the question shown last with the answer a message gave (plain text), or with
        the comment it was (`answered` False)."""
        self.actions.append(CloseQuestion(label, answered))

    def document(
        self,
        filename: str,
        data: bytes | Callable[[], bytes],
        caption: str = "",
        *,
        failed: str = "",
    ) -> None:
        self.actions.append(Document(filename, data, caption, failed))

    def photo(
        self,
        filename: str,
        image: bytes | Callable[[], bytes],
        caption: str = "",
        keyboard: InlineKeyboardMarkup | None = None,
    ) -> None:
        """An image (PNG), or a function that draws it when it is sent; the caption is HTML."""
        self.actions.append(Photo(filename, image, caption, keyboard))

    def picture(self, filename: str, image: bytes | Callable[[], bytes], text: str) -> None:
        """A picture with `text` (HTML) as its caption, or after the text when the text is
        longer than a caption may be."""
        if len(text.encode("utf-16-le")) // 2 <= CAPTION_LIMIT:
            self.photo(filename, image, text)
        else:
            self.actions.append(Send(text))
            self.photo(filename, image)

    def later(self, gather: Callable[[Replies], Awaitable[None]], *, failed: str = "") -> None:
        """Replies that `gather` adds after the commit, outside the transaction (for work that
        must not hold it: reading a whole territory)."""
        self.actions.append(Later(gather, failed))

    def voice(self, file_id: str, caption: str = "", duration: int | None = None) -> None:
        """A voice note by its Telegram file id; the caption is HTML."""
        self.actions.append(Voice(file_id, caption, duration))


class Delivery(Enum):
    SENT = "sent"
    INCOMPLETE = "incomplete"
    """Telegram kept failing after retries: what was stored stays stored."""
    BLOCKED = "blocked"
    """The person blocked the bot (or deleted their account): nothing can reach them."""


@dataclass(frozen=True)
class Shown:
    """A message the bot sent, with the HTML text it shows."""

    message_id: int
    text: str


class Sender:
    def __init__(self) -> None:
        self.open_question: dict[int, Shown] = {}
        """Per chat, the message that shows the current question with its keyboard. Kept in
        memory only: after a restart an old keyboard may stay, and pressing it is harmless (the
        engine treats it as stale)."""
        self.open_menu: dict[int, int] = {}
        """Per chat, the last menu of blocks sent (its progress marks go stale when another is
        shown). Memory only, like `open_question`: an old menu left after a restart still
        works when pressed."""
        self.voices_sent: dict[tuple[int, str], float] = {}
        """When each voice note was last sent to each chat (monotonic seconds), so that a
        double tap sends it once. Memory only: losing it costs at most one repeat."""

    async def deliver(self, bot: Bot, replies: Replies) -> Delivery:
        """Send everything, in order; never raises for a Telegram or network failure."""
        try:
            if replies.callback_query_id is not None:
                await _quietly(
                    bot.answer_callback_query(replies.callback_query_id, text=replies.toast_text)
                )
            for action in replies.actions:
                assert replies.chat_id is not None, "replies need a chat"
                await self._perform(bot, replies.chat_id, action)
        except TelegramForbiddenError:
            log.info("chat %s is unreachable (blocked or deleted)", replies.chat_id)
            return Delivery.BLOCKED
        except (TelegramAPIError, TelegramNetworkError) as error:
            log.warning(
                "could not reply in chat %s: %s: %s",
                replies.chat_id,
                type(error).__name__,
                error.message,
            )
            return Delivery.INCOMPLETE
        return Delivery.SENT

    async def _perform(self, bot: Bot, chat_id: int, action: Action) -> None:
        match action:
            case Send(text, keyboard, question, menu):
                if question:
                    await self._retire(bot, chat_id)
                if menu:
                    await self._retire_menu(bot, chat_id)
                sent = await bot.send_message(chat_id, text, reply_markup=keyboard)
                if question:
                    self.open_question[chat_id] = Shown(sent.message_id, text)
                if menu:
                    self.open_menu[chat_id] = sent.message_id
            case Edit(message_id, text, keyboard, closes):
                shown = self.open_question.get(chat_id)
                if closes and shown is not None and shown.message_id == message_id:
                    del self.open_question[chat_id]
                if text is None:
                    await _quietly(
                        bot.edit_message_reply_markup(
                            chat_id=chat_id, message_id=message_id, reply_markup=keyboard
                        )
                    )
                else:
                    await _quietly(
                        bot.edit_message_text(
                            text, chat_id=chat_id, message_id=message_id, reply_markup=keyboard
                        )
                    )
            case CloseQuestion(label, answered):
                shown = self.open_question.pop(chat_id, None)
                if shown is not None:
                    await _quietly(
                        bot.edit_message_text(
                            with_answer(shown.text, label, kept=answered),
                            chat_id=chat_id,
                            message_id=shown.message_id,
                            reply_markup=None,
                        )
                    )
            case Document(filename, data, caption, failed):
                if not isinstance(data, bytes):
                    try:
                        data = await asyncio.to_thread(data)
                    except Exception:
                        log.exception("could not make %s", filename)
                        if failed:
                            await bot.send_message(chat_id, esc(failed))
                        return
                await bot.send_document(
                    chat_id, BufferedInputFile(data, filename), caption=caption or None
                )
            case Photo(filename, image, caption, keyboard):
                if callable(image):
                    try:
                        image = await asyncio.get_running_loop().run_in_executor(DRAWING, image)
                    except Exception:  # a chart that cannot be drawn is a bug: say the rest
                        log.exception("could not draw %s", filename)
                        if caption:
                            await bot.send_message(chat_id, caption, reply_markup=keyboard)
                        return
                await bot.send_photo(
                    chat_id,
                    BufferedInputFile(image, filename),
                    caption=caption or None,
                    reply_markup=keyboard,
                )
            case Voice(file_id, caption, duration):
                if self._sent_just_now(chat_id, file_id):
                    return
                await bot.send_voice(chat_id, file_id, caption=caption or None, duration=duration)
            case Later(gather, failed):
                gathered = Replies(chat_id)
                try:
                    await gather(gathered)
                except Exception:
                    log.exception("could not gather the replies of %s", gather)
                    if failed:
                        await bot.send_message(chat_id, esc(failed))
                    return
                for later in gathered.actions:
                    await self._perform(bot, chat_id, later)

    def _sent_just_now(self, chat_id: int, file_id: str) -> bool:
        """True for a voice note sent to this chat less than REPEAT_WINDOW seconds ago (a
        double tap); otherwise it counts as sent now."""
        now = time.monotonic()
        self.voices_sent = {
            key: at for key, at in self.voices_sent.items() if now - at < REPEAT_WINDOW
        }
        if (chat_id, file_id) in self.voices_sent:
            return True
        self.voices_sent[(chat_id, file_id)] = now
        return False

    async def _retire_menu(self, bot: Bot, chat_id: int) -> None:
        message_id = self.open_menu.pop(chat_id, None)
        if message_id is not None:
            await _drop_keyboard(bot, chat_id, message_id)

    async def _retire(self, bot: Bot, chat_id: int) -> None:
        shown = self.open_question.pop(chat_id, None)
        if shown is not None:
            await _drop_keyboard(bot, chat_id, shown.message_id)


async def _drop_keyboard(bot: Bot, chat_id: int, message_id: int) -> None:
    await _quietly(
        bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id, reply_markup=None)
    )


async def _quietly(call: Awaitable[object]) -> None:
    """An edit or a press answer that Telegram refuses as pointless ("message is not modified",
    "message to edit not found", "query is too old") changes nothing the person sees."""
    try:
        await call
    except TelegramBadRequest as error:
        log.debug("ignored: %s", error.message)
