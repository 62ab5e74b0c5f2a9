"""The join-code slow-down, counted in the database: per person, overall, in a window."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.join_guard import JoinGuard
from storage.models import JoinAttempt
from storage.repository import Repository

Sessions = async_sessionmaker[AsyncSession]


async def test_wrong_codes_slow_down_one_person_then_everyone(sessions: Sessions) -> None:
    guard = JoinGuard(b"secret", per_person=2, overall=3, window=timedelta(minutes=10))
    async with sessions() as session, session.begin():
        repo = Repository(session)
        assert await guard.wait_minutes(repo, 1) == 0
        await guard.failed(repo, 1)
        assert await guard.wait_minutes(repo, 1) == 0
        await guard.failed(repo, 1)
        assert await guard.wait_minutes(repo, 1) == 10
        assert await guard.wait_minutes(repo, 2) == 0, "another person is not held up"
        await guard.failed(repo, 2)
        assert await guard.wait_minutes(repo, 3) == 10, "too many failures overall"
    async with sessions() as session:  # a new process would read the same
        assert await guard.wait_minutes(Repository(session), 1) == 10
        stored = (await session.scalars(select(JoinAttempt.who))).all()
    assert "1" not in stored and guard.who(1) in stored, "a one-way key, never the id"


async def test_the_wait_ends_when_failures_leave_the_window(sessions: Sessions) -> None:
    guard = JoinGuard(b"secret", per_person=2, overall=100, window=timedelta(minutes=10))
    async with sessions() as session, session.begin():
        repo = Repository(session)
        await guard.failed(repo, 7)
        await guard.failed(repo, 7)
        assert await guard.wait_minutes(repo, 7) == 10
        await earlier(session, timedelta(minutes=7))
        assert await guard.wait_minutes(repo, 7) == 3
        await earlier(session, timedelta(minutes=4))
        assert await guard.wait_minutes(repo, 7) == 0


async def earlier(session: AsyncSession, by: timedelta) -> None:
    """Move every recorded failure back in time."""
    for attempt in (await session.scalars(select(JoinAttempt))).all():
        attempt.failed_at -= by
    await session.flush()
