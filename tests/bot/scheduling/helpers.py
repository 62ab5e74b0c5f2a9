"""Helpers of the scheduling tests: the bot's planner and dispatcher on the test's clock, and
a territory and people set up as a test needs them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sandbox.server import SandboxUser
from bot.scheduling.runner import Scheduling
from bot.telegram.scheduled import TelegramChannel
from dialogs.loader import load_flows
from storage.models import Conversation, OutboxMessage, Territory
from storage.repository import Repository
from tests.bot.harness import RunningBot

Sessions = async_sessionmaker[AsyncSession]


def scheduling(running_bot: RunningBot) -> Scheduling:
    """The bot's planner and dispatcher, driven by the test's clock instead of a timer."""
    assert running_bot.polling is not None
    channel = TelegramChannel(running_bot.polling.bot)
    return Scheduling(running_bot.database, channel, load_flows(), running_bot.polling.pace)


async def quiet_for(sessions: Sessions, hours: float) -> datetime:
    """Make every open block look untouched for `hours`; the time the clock now shows."""
    now = datetime.now(UTC)
    async with sessions() as session, session.begin():
        await session.execute(update(Conversation).values(updated_at=now - timedelta(hours=hours)))
    return now


async def rows(sessions: Sessions) -> list[OutboxMessage]:
    async with sessions() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def daytime(sessions: Sessions, territory: Territory) -> None:
    """No quiet hours in this territory: the test runs at any hour of the day."""
    async with sessions() as session, session.begin():
        await session.execute(
            update(Territory)
            .where(Territory.id == territory.id)
            .values(schedule={"quiet": ["00:00", "00:00"]})
        )


async def joined_long_ago(
    sessions: Sessions, territory: Territory, people: list[SandboxUser]
) -> None:
    """These people agreed and joined two days ago, and never opened a block: each is due
    an invitation."""
    async with sessions() as session, session.begin():
        repo = Repository(session)
        place = await session.get(Territory, territory.id)
        assert place is not None
        for someone in people:
            person = await repo.ensure_participant("telegram", str(someone.id))
            await repo.record_consent(person, language="en", display_name=None)
            membership = await repo.join(person, place)
            membership.joined_at = datetime.now(UTC) - timedelta(days=2)


async def new_message(user: SandboxUser, before: int) -> str:
    await user.wait(lambda: len(user.messages) > before)
    return user.messages[before].text
