"""The tests run on the database DATABASE_URL asks for, each on a fresh one of its own."""

from __future__ import annotations

import asyncio
import os

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import db
from storage.models import Territory
from storage.repository import Repository
from tests.databases import (
    PREFIX,
    PostgresTemplate,
    UnsupportedDatabase,
    requested_postgres_url,
)

Sessions = async_sessionmaker[AsyncSession]


async def test_the_database_is_the_one_asked_for_fresh_and_migrated(
    sessions: Sessions, database_url: str
) -> None:
    asked = os.environ.get("DATABASE_URL") or "sqlite+aiosqlite://"
    head = ScriptDirectory.from_config(db.alembic_config(database_url)).get_current_head()
    async with sessions() as session:
        connection = await session.connection()
        assert connection.dialect.name == make_url(asked).get_backend_name()
        if connection.dialect.name == "postgresql":
            assert connection.dialect.driver == "asyncpg"
            assert str(await session.scalar(text("select version()"))).startswith("PostgreSQL")
            name = await session.scalar(text("select current_database()"))
            assert name == make_url(database_url).database
            assert name.startswith(PREFIX) and name != make_url(asked).database
        else:
            files = (await session.execute(text("pragma database_list"))).all()
            assert [row[2] for row in files] == [make_url(database_url).database]
        assert await session.scalar(text("select version_num from alembic_version")) == head
        assert (await session.scalars(select(Territory))).all() == []


@pytest.mark.parametrize(
    ("url", "wanted"),
    [
        ("", None),
        ("sqlite+aiosqlite:///elsewhere.db", None),
        ("postgresql+asyncpg://app@db:5432/postgres", "postgresql+asyncpg://app@db:5432/postgres"),
        ("postgresql://app@db/postgres", UnsupportedDatabase),
        ("mysql+aiomysql://app@db/app", UnsupportedDatabase),
    ],
)
def test_database_url_is_read_or_refused_never_ignored(
    monkeypatch: pytest.MonkeyPatch, url: str, wanted: str | type[Exception] | None
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    if isinstance(wanted, type):
        with pytest.raises(wanted, match="the tests run on SQLite or on postgresql"):
            requested_postgres_url()
    else:
        assert requested_postgres_url() == wanted


async def test_clones_of_the_template_are_independent_and_dropped(
    postgres_template: PostgresTemplate | None,
) -> None:
    if postgres_template is None:
        pytest.skip("needs DATABASE_URL=postgresql+asyncpg://...")
    first = await asyncio.to_thread(postgres_template.clone)
    second = first
    try:
        engine = db.create_engine(first)
        async with db.session_factory(engine)() as session, session.begin():
            await Repository(session).create_territory(
                name="Only here", country="SN", timezone="Africa/Dakar", language="fr"
            )
        await engine.dispose()
        second = await asyncio.to_thread(postgres_template.clone)
        engine = db.create_engine(second)
        async with db.session_factory(engine)() as session:
            assert (await session.scalars(select(Territory))).all() == []
        await engine.dispose()
    finally:
        for url in {first, second}:
            await asyncio.to_thread(postgres_template.drop, str(make_url(url).database))
    engine = db.create_engine(postgres_template.server_url)
    async with engine.connect() as connection:
        names = (await connection.scalars(text("select datname from pg_database"))).all()
    await engine.dispose()
    assert make_url(first).database not in names and make_url(second).database not in names
    assert postgres_template.name in names
