"""The database layer: SQLite inline in the loop's thread, one writer at a time, retries of
what may pass and nothing else."""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from storage import db
from storage.repository import ConversationConflict


async def test_sqlite_runs_in_the_loops_own_thread(tmp_path: object) -> None:
    database = db.Database(f"sqlite+aiosqlite:///{tmp_path}/inline.db")
    threads = threading.active_count()
    try:
        async with database.transaction() as session:
            await session.execute(text("CREATE TABLE t (x INTEGER)"))
            await session.execute(text("INSERT INTO t VALUES (1)"))
        async with database.transaction() as session:
            assert await session.scalar(text("SELECT sum(x) FROM t")) == 1
        assert threading.active_count() == threads, "no worker thread per connection"
    finally:
        await database.dispose()


async def test_transactions_take_turns_and_none_waits_on_sqlite(database_url: str) -> None:
    database = db.Database(database_url)
    inside = 0
    most = 0

    async def work(session: object) -> None:
        nonlocal inside, most
        inside += 1
        most = max(most, inside)
        await asyncio.sleep(0.01)
        inside -= 1

    try:
        await asyncio.gather(*(database.run(work) for _ in range(20)))
    finally:
        await database.dispose()
    assert most == (1 if database.is_sqlite else min(20, db.POOL_SIZE))


async def test_run_does_again_what_may_pass_and_only_that(database_url: str) -> None:
    database = db.Database(database_url)
    calls = 0

    async def conflicted_twice(session: object) -> str:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise ConversationConflict("legal")
        return "done"

    async def broken(session: object) -> None:
        raise ValueError("a bug, not a passing failure")

    try:
        assert await database.run(conflicted_twice, first_wait=0.001) == "done"
        assert calls == 3
        with pytest.raises(ValueError):
            await database.run(broken)
    finally:
        await database.dispose()


def test_what_counts_as_passing() -> None:
    locked = OperationalError("INSERT", {}, Exception("database is locked"))
    duplicate = IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed"))
    assert db.is_transient(locked) and db.is_transient(ConversationConflict("x"))
    assert db.is_transient(ConnectionResetError())
    assert not db.is_transient(duplicate) and not db.is_transient(KeyError("x"))


async def test_a_long_read_neither_waits_for_the_writer_nor_holds_it(database_url: str) -> None:
    """A facilitator's export reads beside people's answers: a write commits while the read
    is open, the read sees one state throughout, and it cannot write."""
    database = db.Database(database_url)
    try:
        async with database.transaction() as session:
            await session.execute(text("CREATE TABLE t (x INTEGER)"))
            await session.execute(text("INSERT INTO t VALUES (1)"))
        async with database.snapshot() as reading:
            assert await reading.scalar(text("SELECT sum(x) FROM t")) == 1

            async def answer(session: object) -> None:
                await session.execute(text("INSERT INTO t VALUES (2)"))  # type: ignore[attr-defined]

            await asyncio.wait_for(database.run(answer), timeout=5)  # the writer is free
            assert await reading.scalar(text("SELECT sum(x) FROM t")) == 1  # one state
            with pytest.raises(Exception, match=r"(?i)read.only|readonly"):
                await reading.execute(text("INSERT INTO t VALUES (3)"))
        async with database.snapshot() as reading:
            assert await reading.scalar(text("SELECT sum(x) FROM t")) == 3
    finally:
        await database.dispose()
