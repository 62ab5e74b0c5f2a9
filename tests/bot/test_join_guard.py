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
        assert await guard.wait_minutes(repo, 1) == 1, "then a short wait"
        assert await guard.wait_minutes(repo, 2) == 0, "another person is not held up"
        await guard.failed(repo, 2)
        assert await guard.wait_minutes(repo, 3) == 10, "too many failures overall"
    async with sessions() as session:  # a new process would read the same
        assert await guard.wait_minutes(Repository(session), 1) == 1
        stored = (await session.scalars(select(JoinAttempt.who))).all()
    assert "1" not in stored and guard.who(1) in stored, "a one-way key, never the id"


async def test_each_wrong_code_after_the_free_ones_doubles_the_wait(sessions: Sessions) -> None:
    guard = JoinGuard(b"secret", per_person=5, longest_wait=timedelta(minutes=15), overall=10_000)
    waits = []
    async with sessions() as session, session.begin():
        repo = Repository(session)
        for _ in range(5):
            assert await guard.wait_minutes(repo, 7) == 0, "five tries are free"
            await guard.failed(repo, 7)
        for _ in range(6):
            waits.append(await guard.wait_minutes(repo, 7))
            await earlier(session, timedelta(minutes=waits[-1]))
            assert await guard.wait_minutes(repo, 7) == 0, "after the wait, a code is checked"
            await guard.failed(repo, 7)
    assert waits == [1, 2, 4, 8, 15, 15]


async def test_failures_are_forgotten_after_an_hour(sessions: Sessions) -> None:
    guard = JoinGuard(b"secret", per_person=2, overall=100)
    async with sessions() as session, session.begin():
        repo = Repository(session)
        for _ in range(3):
            await guard.failed(repo, 8)
        assert await guard.wait_minutes(repo, 8) == 2
        await earlier(session, timedelta(minutes=59))
        await guard.failed(repo, 8)
        assert await guard.wait_minutes(repo, 8) == 4, "four failures within the hour"
        await earlier(session, timedelta(minutes=2))
        assert await guard.wait_minutes(repo, 8) == 0, "the first three are forgotten"


async def earlier(session: AsyncSession, by: timedelta) -> None:
    """Move every recorded failure back in time."""
    for attempt in (await session.scalars(select(JoinAttempt))).all():
        attempt.failed_at -= by
    await session.flush()
