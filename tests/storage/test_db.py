"""The database layer: SQLite inline in the loop's thread, one writer at a time, retries of
what may pass and nothing else."""

from __future__ import annotations

import asyncio
import socket
import threading

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

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


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("sqlite:///bot.db", "DATABASE_URL says sqlite://; use sqlite+aiosqlite:///bot.db"),
        ("sqlite+pysqlite:////srv/bot.db",
         "DATABASE_URL says sqlite+pysqlite://; use sqlite+aiosqlite:////srv/bot.db"),
        ("postgresql://bot:s3cret@db.example:5433/sse",
         "DATABASE_URL says postgresql://; use postgresql+asyncpg://bot:***@db.example:5433/sse"),
        ("postgres://bot:s3cret@db.example/sse",
         "DATABASE_URL says postgres://; use postgresql+asyncpg://bot:***@db.example/sse"),
        ("postgresql+psycopg2://bot:s3cret@db.example/sse",
         "DATABASE_URL says postgresql+psycopg2://; use postgresql+asyncpg://bot:***@db.example/sse"),
        ("sqlite+aiosqlite:////no/such/folder/bot.db",
         "the folder '/no/such/folder' of the SQLite file in DATABASE_URL does not exist; "
         "create it or give another path"),
        ("mysql://bot:s3cret@db.example/sse",
         "DATABASE_URL says mysql://, a database sse-facilitator does not support; use "
         "sqlite+aiosqlite:///sse-facilitator.db or postgresql+asyncpg://USER:PASSWORD@HOST/NAME"),
        ("::not a url::", "DATABASE_URL is not a database URL; e.g. sqlite+aiosqlite:///"),
    ],
)  # fmt: skip
def test_a_wrong_database_url_names_the_fix(url: str, says: str) -> None:
    with pytest.raises(db.UrlProblem) as raised:
        db.check_url(url)
    assert str(raised.value).startswith(says)
    assert "s3cret" not in str(raised.value) and "\n" not in str(raised.value)


@pytest.mark.parametrize(
    "url",
    [
        "sqlite+aiosqlite:///sse-facilitator.db",
        "sqlite+aiosqlite://",
        "sqlite+aiosqlite:///:memory:",
        "postgresql+asyncpg://bot:s3cret@db.example/sse",
    ],
)
def test_a_right_database_url_passes(url: str) -> None:
    db.check_url(url)


def test_failures_say_what_to_do_without_the_password() -> None:
    class PgError(Exception):
        def __init__(self, sqlstate: str) -> None:
            self.sqlstate = sqlstate

    url = "postgresql+asyncpg://bot:s3cret@db.example:6000/sse"
    where = "cannot use the database at postgresql+asyncpg://bot:***@db.example:6000/sse: "
    missing = DBAPIError("connect", {}, PgError("3D000"))
    refused = DBAPIError("connect", {}, PgError("28P01"))
    assert db.describe_failure(missing, url) == (
        where + "there is no database 'sse' on that server; create it (createdb sse) or change "
        "DATABASE_URL"
    )
    assert db.describe_failure(refused, url) == (
        where + "the server refused the user 'bot' or its password"
    )
    assert db.describe_failure(ConnectionRefusedError(111, "refused"), url) == (
        where + "nothing answers at db.example:6000 (is the database server running there?)"
    )
    assert db.describe_failure(socket.gaierror(-2, "Name or service not known"), url) == (
        where + "the host 'db.example' is not known; check the address"
    )
    assert db.describe_failure(ModuleNotFoundError(name="asyncpg"), url) == (
        "PostgreSQL needs its driver: pip install 'sse-facilitator[postgres]'"
    )
    assert db.describe_failure(KeyError("x"), url) == where + "KeyError"


async def test_the_start_up_check_names_what_to_do(tmp_path: object, database_url: str) -> None:
    await db.open_checked(database_url)  # a current database passes
    if db.is_sqlite(database_url):
        fresh = f"sqlite+aiosqlite:///{tmp_path}/fresh.db"
        await db.open_checked(fresh)  # an SQLite file is made and upgraded by itself
        engine = db.create_engine(fresh)
        assert await db.schema_is_current(engine)
        await engine.dispose()
    else:
        await asyncio.to_thread(command.downgrade, db.alembic_config(database_url), "0004")
        with pytest.raises(db.NotCurrent, match="is not up to date; run: sse-facilitator db up"):
            await db.open_checked(database_url)
        await db.upgrade_checked(database_url)
        await db.open_checked(database_url)
