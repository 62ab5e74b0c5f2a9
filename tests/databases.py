"""Test databases: a fresh SQLite file per test, or a PostgreSQL database cloned from a template."""

from __future__ import annotations

import asyncio
import os
import secrets

from sqlalchemy import pool, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from storage import db

POSTGRES_DRIVER = "postgresql+asyncpg"
PREFIX = "sse_test_"
"""Every database the tests make starts with this, so leftovers are easy to spot and drop."""


class UnsupportedDatabase(ValueError):
    """DATABASE_URL names a database the tests cannot run on."""


def requested_postgres_url() -> str | None:
    """The PostgreSQL server the tests must use (from DATABASE_URL), or None for SQLite.

    Anything else is refused: the suite never falls back to SQLite silently.
    """
    raw = os.environ.get("DATABASE_URL") or ""
    if not raw or db.is_sqlite(raw):
        return None
    url = make_url(raw)
    if url.drivername != POSTGRES_DRIVER:
        raise UnsupportedDatabase(
            f"DATABASE_URL={db.safe_url(raw)}: the tests run on SQLite or on "
            f"{POSTGRES_DRIVER}://user@host:port/maintenance_db"
        )
    return raw


def _quote(name: str) -> str:
    assert name.startswith(PREFIX) and name.replace("_", "").isalnum(), name
    return f'"{name}"'


class PostgresTemplate:
    """A database migrated once, cloned for each test with CREATE DATABASE ... TEMPLATE.

    The URL's own database (e.g. `postgres`) is only used to create and drop others; no
    connection is ever left open to the template, since cloning fails while one is.
    """

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.name = f"{PREFIX}template_{secrets.token_hex(4)}"

    def url_of(self, name: str) -> str:
        return make_url(self.server_url).set(database=name).render_as_string(hide_password=False)

    def _admin(self, statement: str) -> None:
        async def run() -> None:
            engine = create_async_engine(
                self.server_url, isolation_level="AUTOCOMMIT", poolclass=pool.NullPool
            )
            try:
                async with engine.connect() as connection:
                    await connection.execute(text(statement))
            finally:
                await engine.dispose()

        asyncio.run(run())

    def create(self) -> None:
        """Create the template and bring it to the newest migration."""
        self._admin(f"CREATE DATABASE {_quote(self.name)}")
        try:
            db.upgrade(self.url_of(self.name))
        except BaseException:
            self.drop(self.name)
            raise

    def clone(self) -> str:
        """A new database with the template's schema; returns its URL."""
        name = f"{PREFIX}{secrets.token_hex(6)}"
        self._admin(f"CREATE DATABASE {_quote(name)} TEMPLATE {_quote(self.name)}")
        return self.url_of(name)

    def drop(self, name: str) -> None:
        """Drop a database, closing any connection a test left open to it (PostgreSQL 13+)."""
        self._admin(f"DROP DATABASE IF EXISTS {_quote(name)} WITH (FORCE)")
