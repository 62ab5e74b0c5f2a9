"""`sse-facilitator run` as an operator meets it: the installed script, refusing clearly what
cannot work, and never showing the token."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text

from bot.sandbox.server import Fault
from storage import db
from tests.bot.harness import TOKEN, SandboxServer, finish, free_port, start

SECRET = "987654:SECRET-token-value"


def sqlite(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}"


@pytest.mark.parametrize(
    ("env", "status", "says"),
    [
        ({}, 2, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_API_URL": "notaurl"}, 2, "TELEGRAM_API_URL must be an http(s) address"),
        ({"TELEGRAM_BOT_TOKEN": "SECRET no-colon"}, 2,
         "TELEGRAM_BOT_TOKEN does not look like a token from @BotFather"),
        ({"TELEGRAM_API_URL": "{sandbox}/not-the-bot-api"}, 1,
         "the server at {sandbox}/not-the-bot-api does not answer as the Telegram Bot API"),
        ({"DATABASE_URL": "sqlite:///bot.db"}, 2,
         "DATABASE_URL says sqlite://; use sqlite+aiosqlite:///bot.db"),
        ({"DATABASE_URL": "postgres://bot:hunter2@db.example/bot"}, 2,
         "DATABASE_URL says postgres://; use postgresql+asyncpg://bot:***@db.example/bot"),
        ({"DATABASE_URL": "mysql+aiomysql://bot:hunter2@db.example/bot"}, 2,
         "DATABASE_URL says mysql+aiomysql://, a database sse-facilitator does not support; "
         "use sqlite+aiosqlite:///sse-facilitator.db or postgresql+asyncpg://"),
        ({"TELEGRAM_API_URL": "http://127.0.0.1:{closed}"}, 1,
         "cannot reach the Telegram Bot API at http://127.0.0.1:{closed}"),
        ({"DATABASE_URL": "sqlite+aiosqlite:////no/such/folder/bot.db"}, 2,
         "the folder '/no/such/folder' of the SQLite file in DATABASE_URL does not exist"),
        ({"DATABASE_URL": "postgresql+asyncpg://bot:hunter2@127.0.0.1:{closed}/bot"}, 1,
         "cannot use the database at postgresql+asyncpg://bot:***@127.0.0.1:{closed}/bot: "
         "nothing answers at 127.0.0.1:{closed} (is the database server running there?)"),
        ({"DATABASE_URL": "::not a url::"}, 2, "DATABASE_URL is not a database URL"),
    ],
)  # fmt: skip
async def test_what_cannot_work_is_said_in_one_line(
    tmp_path: Path, server: SandboxServer, env: dict[str, str], status: int, says: str
) -> None:
    closed = free_port()
    env = {k: v.format(closed=closed, sandbox=server.url) for k, v in env.items()}
    if "TELEGRAM_BOT_TOKEN is not set" not in says:
        env = {"TELEGRAM_BOT_TOKEN": SECRET, "TELEGRAM_API_URL": server.url,
               "DATABASE_URL": sqlite(tmp_path), **env}  # fmt: skip
    code, out, err = await finish(await start(env, tmp_path))
    assert code == status, err
    assert err.splitlines() == [err.strip()], "one line"
    assert (
        err.startswith("sse-facilitator: ")
        and says.format(closed=closed, sandbox=server.url) in err
    )
    assert "SECRET" not in out + err and "hunter2" not in out + err


async def test_a_database_of_another_version_is_refused_at_start(
    tmp_path: Path, server: SandboxServer, database_url: str
) -> None:
    """Every database is checked before the bot starts: one this version cannot use is named,
    with what to do (an SQLite one behind the migrations is upgraded by itself)."""

    async def stamp(revision: str) -> None:
        engine = db.create_engine(database_url)
        async with engine.begin() as connection:
            await connection.execute(
                text("UPDATE alembic_version SET version_num = :r"), {"r": revision}
            )
        await engine.dispose()

    head = ScriptDirectory.from_config(db.alembic_config()).get_current_head()
    assert head is not None
    await stamp("0099")
    env = {"TELEGRAM_BOT_TOKEN": SECRET, "TELEGRAM_API_URL": server.url,
           "DATABASE_URL": database_url}  # fmt: skip
    code, _, err = await finish(await start(env, tmp_path))
    assert code == 1
    assert err.endswith(
        "was made by a newer sse-facilitator (schema 0099); install that version\n"
    ), err
    if not db.is_sqlite(database_url):  # SQLite would be upgraded by itself
        await stamp(head)
        await asyncio.to_thread(command.downgrade, db.alembic_config(database_url), "0004")
        code, _, err = await finish(await start(env, tmp_path))
        assert (code, err) == (
            1,
            f"sse-facilitator: the database at {db.safe_url(database_url)} is not up to date; "
            "run: sse-facilitator db upgrade\n",
        )


async def test_a_token_telegram_refuses(tmp_path: Path, server: SandboxServer) -> None:
    # pasted with spaces around it, as often happens: still read as a token
    env = {"TELEGRAM_BOT_TOKEN": f"  {SECRET}\n", "TELEGRAM_API_URL": server.url,
           "DATABASE_URL": sqlite(tmp_path)}  # fmt: skip
    code, out, err = await finish(await start(env, tmp_path))
    assert (code, err) == (1, "sse-facilitator: Telegram refused the bot token: check "
                              "TELEGRAM_BOT_TOKEN (from @BotFather)\n")  # fmt: skip
    assert "SECRET" not in out


async def test_the_token_never_appears_in_logs_while_running(
    tmp_path: Path, server: SandboxServer
) -> None:
    sandbox = server.sandbox
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": server.url,
           "DATABASE_URL": sqlite(tmp_path)}  # fmt: skip
    process = await start(env, tmp_path)
    user = sandbox.user(700, "Logs", "en")
    sandbox.faults.append(Fault("sendMessage", 502, "Bad Gateway"))
    await user.send_text("/help")
    await user.wait(lambda: bool(user.messages), timeout=60)
    code, out, err = await finish(process, stop=True)
    assert code == 0, err
    assert "sendMessage failed (TelegramServerError), retrying" in err
    assert user.texts[-1].startswith("How it works")
    assert TOKEN not in out + err and "Traceback" not in err
