"""Filters: the kind of chat, who the person is (from what the middlewares found), and what a
message holds. All are async: aiogram runs a plain function or an `F` magic filter in a
thread (`asyncio.to_thread`), which costs a thread hop per filter per update."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import Chat, ChatMemberUpdated, Message, TelegramObject, User

from bot.telegram.middlewares import CHANNEL
from storage.models import Participant, PendingDialog, Territory
from storage.repository import Repository


class ChatType(Filter):
    """The update comes from a chat of one of these types (private, group, supergroup)."""

    def __init__(self, *types: str) -> None:
        self.types = frozenset(types)

    async def __call__(self, event: TelegramObject, event_chat: Chat | None = None) -> bool:
        return event_chat is not None and event_chat.type in self.types


class Joined(Filter):
    """The person agreed to the notice and takes part in a territory."""

    async def __call__(
        self,
        event: TelegramObject,
        participant: Participant | None = None,
        territory: Territory | None = None,
    ) -> bool:
        return participant is not None and territory is not None


class Facilitates(Filter):
    """The person facilitates their current territory."""

    async def __call__(
        self,
        event: TelegramObject,
        territory: Territory | None = None,
        role: str | None = None,
    ) -> bool:
        return territory is not None and role == "facilitator"


class Organiser(Filter):
    """The person is an organiser (their Telegram id is in ADMIN_TELEGRAM_IDS)."""

    async def __call__(
        self,
        event: TelegramObject,
        event_from_user: User | None = None,
        organisers: frozenset[int] = frozenset(),
    ) -> bool:
        return event_from_user is not None and event_from_user.id in organisers


class Slash(Filter):
    """A message that starts with "/" (a command the routers above did not know)."""

    async def __call__(self, message: Message) -> bool:
        return (message.text or "").startswith("/")


class TextOrVoice(Filter):
    async def __call__(self, message: Message) -> bool:
        return message.text is not None or message.voice is not None


class Added(Filter):
    """The bot was added to the chat (it was not in it before, and now it is)."""

    OUTSIDE = frozenset({"left", "kicked"})

    async def __call__(self, event: ChatMemberUpdated) -> bool:
        return (
            event.old_chat_member.status in self.OUTSIDE
            and event.new_chat_member.status not in self.OUTSIDE
        )


class PendingDialogOf(Filter):
    """A short dialog of this kind waits for the person's answer; the handler gets it as
    `dialog`. (Put it after a cheaper filter: it reads the database.)"""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    async def __call__(
        self, event: TelegramObject, repo: Repository, event_from_user: User | None = None
    ) -> bool | dict[str, PendingDialog]:
        if event_from_user is None:
            return False
        dialog = await repo.pending_dialog(CHANNEL, str(event_from_user.id), self.kind)
        return {"dialog": dialog} if dialog is not None else False


class NoPendingDialog(Filter):
    """No short dialog of any kind waits for the person's answer."""

    async def __call__(
        self, event: TelegramObject, repo: Repository, event_from_user: User | None = None
    ) -> bool:
        return event_from_user is None or not await repo.has_pending_dialog(
            CHANNEL, str(event_from_user.id)
        )
