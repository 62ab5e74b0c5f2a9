"""Shared fixtures and options for the whole test suite."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sandbox.server import Sandbox
from storage import db
from storage.models import Territory
from storage.repository import Repository
from tests.bot.harness import RunningBot, SandboxServer
from tests.databases import PostgresTemplate, UnsupportedDatabase, requested_postgres_url


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regen-transcripts",
        action="store_true",
        help="rewrite the expected outputs of the golden transcripts (review the diff)",
    )


def pytest_configure(config: pytest.Config) -> None:
    try:
        requested_postgres_url()
    except UnsupportedDatabase as exc:
        raise pytest.UsageError(str(exc)) from None


def pytest_report_header(config: pytest.Config) -> str:
    url = requested_postgres_url()
    if url is None:
        return "database: SQLite, a fresh file per test"
    return f"database: PostgreSQL at {db.safe_url(url)}, a fresh database per test"


@pytest.fixture
def regen_transcripts(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--regen-transcripts"))


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[PostgresTemplate | None]:
    """With a PostgreSQL DATABASE_URL, a database migrated once for the whole session."""
    url = requested_postgres_url()
    if url is None:
        yield None
        return
    template = PostgresTemplate(url)
    template.create()
    yield template
    template.drop(template.name)


@pytest.fixture
def database_url(tmp_path: Path, postgres_template: PostgresTemplate | None) -> Iterator[str]:
    """A fresh database at the newest schema: an SQLite file, or a PostgreSQL database
    cloned from the template when DATABASE_URL is a PostgreSQL URL (dropped afterwards)."""
    if postgres_template is None:
        url = f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        db.upgrade(url)
        yield url
        return
    url = postgres_template.clone()
    yield url
    postgres_template.drop(str(make_url(url).database))


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = db.create_engine(database_url)
    yield db.session_factory(engine)
    await engine.dispose()


@pytest.fixture
async def server() -> AsyncIterator[SandboxServer]:
    """The local Bot API server on 127.0.0.1."""
    running = await SandboxServer.start()
    yield running
    await running.stop()


@pytest.fixture
async def sandbox(server: SandboxServer) -> Sandbox:
    return server.sandbox


@pytest.fixture
async def running_bot(server: SandboxServer, database_url: str) -> AsyncIterator[RunningBot]:
    """The real bot polling the local server over HTTP, with its own database."""
    running = RunningBot(server.url, database_url)
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
async def territory(sessions: async_sessionmaker[AsyncSession]) -> Territory:
    async with sessions() as session, session.begin():
        return await Repository(session).create_territory(
            name="Dakar <Plateau> & Co", country="SN", timezone="Africa/Dakar", language="fr"
        )
