"""Shared fixtures and options for the whole test suite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sandbox.server import Sandbox
from storage import db
from storage.models import Territory
from storage.repository import Repository
from tests.bot.harness import RunningBot, SandboxServer


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regen-transcripts",
        action="store_true",
        help="rewrite the expected outputs of the golden transcripts (review the diff)",
    )


@pytest.fixture
def regen_transcripts(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--regen-transcripts"))


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """A fresh SQLite database file, migrated to the newest schema."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    db.upgrade(url)
    return url


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
