"""Shared fixtures and options for the whole test suite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import db


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
