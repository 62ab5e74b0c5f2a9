"""`sse-facilitator sandbox` as an operator starts it: its own database file, whatever
DATABASE_URL says, unless --database-url names one."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from bot.cli import main, sandbox_database
from bot.sandbox.app import DEMO_TERRITORY, SANDBOX_DATABASE_URL
from storage import db
from storage.repository import Repository
from tests.bot.harness import free_port

SCRIPT = Path(sys.executable).with_name("sse-facilitator")


async def start_up_lines(cwd: Path, *args: str, env_database: str) -> tuple[list[str], int]:
    """Start the sandbox, read what it prints until it is ready, stop it as Ctrl+C would."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PYTHONPATH")}
    env.update(DATABASE_URL=env_database, PYTHONUNBUFFERED="1")
    process = await asyncio.create_subprocess_exec(
        str(SCRIPT), "sandbox", "--port", str(free_port()), *args,
        cwd=cwd, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert process.stdout is not None and process.stderr is not None
    lines: list[str] = []
    try:
        while not any(line.startswith("Sandbox ready") for line in lines):
            line = await asyncio.wait_for(process.stdout.readline(), 60)
            if not line:
                raise AssertionError(f"it stopped: {(await process.stderr.read()).decode()}")
            lines.append(line.decode().rstrip("\n"))
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        status = await asyncio.wait_for(process.wait(), 30)
    return lines, status


async def territories(url: str) -> list[str]:
    database = db.Database(url)
    try:
        async with database.transaction() as session:
            return [t.name for t in await Repository(session).territories()]
    finally:
        await database.dispose()


async def test_the_sandbox_ignores_database_url_and_says_so(tmp_path: Path) -> None:
    real = tmp_path / "real-bot.db"
    lines, status = await start_up_lines(tmp_path, env_database=f"sqlite+aiosqlite:///{real}")
    assert status == 0
    assert lines[0] == (
        "DATABASE_URL is set, but the sandbox ignores it and uses sse-facilitator-sandbox.db; "
        "to try the bot on that database: sse-facilitator sandbox --database-url URL"
    )
    assert not real.exists(), "the real bot's database is never touched"
    own = tmp_path / "sse-facilitator-sandbox.db"
    assert await territories(f"sqlite+aiosqlite:///{own}") == [DEMO_TERRITORY]


@pytest.mark.parametrize(
    ("given", "environ", "expected"),
    [
        (None, {}, (SANDBOX_DATABASE_URL, None)),
        ("sqlite+aiosqlite:///try.db", {"DATABASE_URL": "x"}, ("sqlite+aiosqlite:///try.db", None)),
        ("postgresql+asyncpg://me@db/sse", {}, ("postgresql+asyncpg://me@db/sse", None)),
    ],
)  # fmt: skip
def test_a_database_named_on_the_command_line_is_the_one_used(
    given: str | None, environ: dict[str, str], expected: tuple[str, str | None]
) -> None:
    assert sandbox_database(given, environ) == expected


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("postgresql://me@db/sse", "--database-url says postgresql://; use "
         "postgresql+asyncpg://me@db/sse"),
        ("try.db", "--database-url is not a database URL; e.g. sqlite+aiosqlite:///"
         "sse-facilitator.db or postgresql+asyncpg://USER:PASSWORD@HOST/NAME"),
    ],
)  # fmt: skip
def test_a_wrong_database_url_on_the_command_line_names_the_fix(
    given: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sandbox", "--database-url", given]) == 2
    assert capsys.readouterr().err == f"sse-facilitator: {message}\n"
