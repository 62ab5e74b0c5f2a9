"""The database: URL from the environment (checked, naming the fix), async engine and sessions,
short transactions that never wait on SQLite's lock or on the pool, long reads beside them,
retries of what may pass, schema upgrades and the start-up check."""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///sse-facilitator.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
POOL_SIZE = 10
"""PostgreSQL connections kept open; as many transactions may run at once in one process."""
READERS = 2
"""Long reads (a facilitator's summary or export) running at once, beside the writer."""
TRANSIENT_SQLSTATES = frozenset(
    {"40001", "40P01", "55P03", "57P01", "57P02", "57P03", "08000", "08001", "08003", "08006"}
)
"""PostgreSQL errors that pass: serialization failure, deadlock, lock not available, server
shutting down or restarting, lost connection."""

log = logging.getLogger(__name__)
T = TypeVar("T")


class TransientError(Exception):
    """A failure that may not happen again if the same work is done again (e.g. a conflict)."""


class DatabaseProblem(Exception):
    """The database cannot be used: the message says why and what to do, in one line, with
    no password. `status` is the command line's exit status for it."""

    status = 1


class UrlProblem(DatabaseProblem):
    """DATABASE_URL itself is wrong (a setting to fix)."""

    status = 2


class NotCurrent(DatabaseProblem):
    """The database answers but its schema is not the one this version uses."""

    status = 2


EXAMPLES = "sqlite+aiosqlite:///sse-facilitator.db or postgresql+asyncpg://USER:PASSWORD@HOST/NAME"


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL


def check_url(url: str, name: str = "DATABASE_URL") -> None:
    """Raise `UrlProblem` naming the fix when `url` cannot work: not a URL, SQLite or
    PostgreSQL without their async driver, an SQLite file in a folder that does not exist,
    a database this project does not support. `name` is where the URL came from (a variable
    or an option). Cheap; touches no database."""
    try:
        parsed = make_url(url)
    except exc.ArgumentError:
        raise UrlProblem(f"{name} is not a database URL; e.g. {EXAMPLES}") from None
    backend, _, driver = parsed.drivername.partition("+")
    if backend == "sqlite":
        if driver != "aiosqlite":
            fixed = parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=True)
            raise UrlProblem(f"{name} says {parsed.drivername}://; use {fixed}")
        path = parsed.database
        if path and path != ":memory:" and not path.startswith("file:"):
            folder = Path(path).parent
            if not folder.is_dir():
                raise UrlProblem(
                    f"the folder {str(folder)!r} of the SQLite file in {name} does not "
                    "exist; create it or give another path"
                )
        return
    if backend in ("postgresql", "postgres", "pgsql"):
        if parsed.drivername != "postgresql+asyncpg":
            fixed = parsed.set(drivername="postgresql+asyncpg")
            raise UrlProblem(
                f"{name} says {parsed.drivername}://; use "
                f"{fixed.render_as_string(hide_password=True)}"
            )
        return
    raise UrlProblem(
        f"{name} says {parsed.drivername}://, a database sse-facilitator does not "
        f"support; use {EXAMPLES}"
    )


def describe_failure(error: BaseException, url: str) -> str:
    """One line saying why the database at `url` could not be used, and what to do."""
    safe = safe_url(url)
    where = f"cannot use the database at {safe}"
    if isinstance(error, ModuleNotFoundError):
        if error.name == "asyncpg":
            return "PostgreSQL needs its driver: pip install 'sse-facilitator[postgres]'"
        return f"the database driver {error.name} is not installed"
    cause: BaseException = error
    if isinstance(error, exc.DBAPIError) and error.orig is not None:
        cause = error.orig
    if isinstance(cause, sqlite3.Error):
        return f"{where}: {cause}"
    state = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    parsed = make_url(url)
    if state == "3D000":
        return (
            f"{where}: there is no database {parsed.database!r} on that server; "
            f"create it (createdb {parsed.database}) or change DATABASE_URL"
        )
    if state in ("28000", "28P01"):
        return f"{where}: the server refused the user {parsed.username!r} or its password"
    if isinstance(cause, socket.gaierror):
        return f"{where}: the host {parsed.host!r} is not known; check the address"
    if isinstance(cause, ConnectionError | TimeoutError | exc.TimeoutError):
        place = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
        return f"{where}: nothing answers at {place} (is the database server running there?)"
    return f"{where}: {type(cause).__name__}"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def open_sqlite_file(url: str) -> None:
    """Open (creating it if needed) and close an SQLite database file: raises `sqlite3.Error`
    when it cannot be used. Blocking; cheap. (Checked before the async driver is involved,
    whose failed connections leave a thread behind.)"""
    database = make_url(url).database
    if database and database != ":memory:":
        sqlite3.connect(database).close()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    # Durable when the process dies (kill -9 included), not when the machine loses power: a
    # commit then costs no fsync (0.9 -> 0.1 ms, the largest cost of an update). README, Data.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=2000")
    cursor.close()


class InlineSQLite(aiosqlite.Connection):
    """aiosqlite's interface, run in the event loop's own thread.

    aiosqlite sends each statement to a worker thread and waits for the loop to pick up the
    result: a transaction of N statements waits N times for a busy loop, while it holds
    SQLite's single write lock (in this process, `Database`'s gate). Under load those waits
    queue everyone behind them (journey benchmark, 100 people: 92 updates/s with the thread,
    147 inline). SQLite answers these statements in microseconds, so here they run inline; a
    commit's fsync (well under a millisecond on an SSD) blocks the loop briefly. This relies on
    aiosqlite's `_execute`/`_connect` (pinned to 0.22 in pyproject.toml; the whole suite
    exercises it).
    """

    async def _execute(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        if self._connection is None:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    async def _connect(self) -> InlineSQLite:
        if self._connection is None:
            self._connection = self._connector()
        return self

    def __await__(self) -> Generator[Any, None, InlineSQLite]:
        return self._connect().__await__()  # no worker thread to start

    def stop(self) -> None:
        self._running = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def close(self) -> None:
        self.stop()


def _sqlite_reader_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # the driver's BEGIN only comes before writes
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.execute("PRAGMA busy_timeout=2000")
    cursor.close()


def _sqlite_reader_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")  # so that every read sees the same state


def create_reader(url: str) -> AsyncEngine | None:
    """For an SQLite file, an engine of read-only connections that run their statements in
    their own threads (aiosqlite's default), so that a long read does not hold the writer and
    SQLite's work on it does not block the event loop (the rows are still turned into Python
    objects in the loop's thread); WAL lets it read while others write. None for another
    database."""
    path = make_url(url).database
    if not is_sqlite(url) or not path or path == ":memory:":
        return None
    engine = create_async_engine(url, pool_size=READERS, max_overflow=0)
    event.listen(engine.sync_engine, "connect", _sqlite_reader_connect)
    event.listen(engine.sync_engine, "begin", _sqlite_reader_begin)
    return engine


def create_engine(url: str | None = None) -> AsyncEngine:
    url = url or database_url()
    if is_sqlite(url):
        path = make_url(url).database or ":memory:"

        async def connect() -> InlineSQLite:
            return await InlineSQLite(partial(sqlite3.connect, path, check_same_thread=False), 64)

        engine = create_async_engine(url, async_creator=connect)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=10)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def is_transient(error: BaseException) -> bool:
    """True when doing the same work again may succeed: SQLite busy, a lost or restarting
    PostgreSQL connection, a serialization failure, a deadlock, an optimistic-lock conflict."""
    if isinstance(error, TransientError | exc.TimeoutError):
        return True
    if isinstance(error, exc.DBAPIError):
        if error.connection_invalidated or isinstance(error, exc.OperationalError):
            return True
        code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
        return code in TRANSIENT_SQLSTATES
    return isinstance(error, ConnectionError)


class Database:
    """The engine, and short transactions that never wait where waiting could fail.

    On SQLite one transaction runs at a time in this process: SQLite has a single writer, and
    waiting here, in order, instead of in SQLite's busy handler means its timeout is never
    reached. On PostgreSQL at most `POOL_SIZE` transactions run at once, so none waits on (or
    times out in) the connection pool. Nothing may call the network inside a transaction.
    """

    def __init__(self, url: str | None = None) -> None:
        self.url = url or database_url()
        self.engine = create_engine(self.url)
        self.sessions = session_factory(self.engine)
        self.is_sqlite = is_sqlite(self.url)
        self._gate: asyncio.Lock | asyncio.Semaphore = (
            asyncio.Lock() if self.is_sqlite else asyncio.Semaphore(POOL_SIZE)
        )
        self.reader = create_reader(self.url)
        self._readers = asyncio.Semaphore(READERS)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: committed when the block ends, rolled back on error."""
        async with self._gate, self.sessions() as session, session.begin():
            yield session

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[AsyncSession]:
        """A read-only session on one consistent state of the database, for long reads. On an
        SQLite file it does not wait for the writer nor make it wait; elsewhere it is an
        ordinary one, read-only on PostgreSQL (whose readers never block writers). At most
        `READERS` run at once."""
        if self.reader is None:
            async with self._readers, self.transaction() as session:
                if not self.is_sqlite:
                    await session.execute(
                        text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    )
                yield session
            return
        async with (
            self._readers,
            AsyncSession(self.reader, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    async def run(
        self,
        work: Callable[[AsyncSession], Awaitable[T]],
        *,
        attempts: int = 6,
        first_wait: float = 0.05,
    ) -> T:
        """`work` in a transaction, done again (from the start) after a transient failure."""
        for attempt in range(1, attempts + 1):
            try:
                async with self.transaction() as session:
                    return await work(session)
            except Exception as error:
                if attempt == attempts or not is_transient(error):
                    raise
                wait = first_wait * 2**attempt * random.uniform(0.5, 1.0)
                log.warning(
                    "database work failed (%s), attempt %d of %d; again in %.2f s",
                    type(error).__name__,
                    attempt,
                    attempts,
                    wait,
                )
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")

    async def reachable(self, timeout: float) -> bool:
        """True when the database answers a trivial query within `timeout` seconds (for a
        load balancer's health check: it takes no transaction slot, so it answers under load)."""

        async def ask() -> None:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))

        try:
            await asyncio.wait_for(ask(), timeout)
        except Exception:
            return False
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.reader is not None:
            await self.reader.dispose()


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["url"] = url or database_url()
    return config


def upgrade(url: str | None = None) -> None:
    """Bring the schema to the newest migration. Blocking: call it outside the event loop
    (or with `asyncio.to_thread`)."""
    command.upgrade(alembic_config(url), "head")


async def schema_revision(engine: AsyncEngine) -> str | None:
    """The migration the database is at (None: none yet)."""
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


async def schema_is_current(engine: AsyncEngine) -> bool:
    """True when the database is at the newest migration."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    return await schema_revision(engine) == head


async def _revision(engine: AsyncEngine, url: str) -> str | None:
    """The database's migration; `DatabaseProblem` when it does not answer, `NotCurrent` when
    a newer version of this project made it."""
    try:
        current = await schema_revision(engine)
    except Exception as error:
        raise DatabaseProblem(describe_failure(error, url)) from None
    scripts = ScriptDirectory.from_config(alembic_config())
    if current is not None and all(s.revision != current for s in scripts.walk_revisions()):
        raise NotCurrent(
            f"the database at {safe_url(url)} was made by a newer sse-facilitator (schema "
            f"{current}); install that version"
        )
    return current


async def check_database(engine: AsyncEngine, url: str) -> None:
    """Raise `DatabaseProblem` (one line, what to do) unless the database answers and is at
    the newest migration."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if await _revision(engine, url) != head:
        raise NotCurrent(
            f"the database at {safe_url(url)} is not up to date; run: sse-facilitator db upgrade"
        )


def _engine_for(url: str) -> AsyncEngine:
    """An engine on a checked URL (an SQLite file is created); else `DatabaseProblem`."""
    try:
        if is_sqlite(url):
            open_sqlite_file(url)
        return create_engine(url)
    except Exception as error:
        raise DatabaseProblem(describe_failure(error, url)) from None


async def upgrade_checked(url: str) -> None:
    """`sse-facilitator db upgrade`: check `url`, then bring the database to the newest
    migration (one made by a newer version is left alone). Raises `DatabaseProblem`."""
    check_url(url)
    engine = _engine_for(url)
    try:
        await _revision(engine, url)
        try:
            await asyncio.to_thread(upgrade, url)
        except Exception as error:
            raise DatabaseProblem(describe_failure(error, url)) from None
    finally:
        await engine.dispose()


async def open_checked(url: str) -> None:
    """What every command does before using the database: check `url`, upgrade an SQLite
    database by itself, then make sure the database answers and is current. Raises
    `DatabaseProblem` saying what to do."""
    check_url(url)
    if is_sqlite(url):
        await upgrade_checked(url)
    engine = _engine_for(url)
    try:
        await check_database(engine, url)
    finally:
        await engine.dispose()


def safe_url(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except exc.ArgumentError:
        return "(a DATABASE_URL that is not a database URL)"
