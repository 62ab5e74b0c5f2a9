"""The real bot, polling the local Bot API server over HTTP on 127.0.0.1, for end-to-end tests."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.sandbox.server import BotMessage, Sandbox, SandboxUser, make_app
from bot.telegram.app import PollingBot
from bot.telegram.webhook import WebhookBot
from storage import db

TOKEN = "123456:TEST-sandbox-token-never-logged"
SCRIPT = Path(sys.executable).with_name("sse-facilitator")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class SandboxServer:
    sandbox: Sandbox
    runner: web.AppRunner
    url: str

    @classmethod
    async def start(cls, token: str = TOKEN) -> SandboxServer:
        sandbox = Sandbox(token)
        runner = web.AppRunner(make_app(sandbox))
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        return cls(sandbox, runner, f"http://127.0.0.1:{port}")

    async def stop(self) -> None:
        await self.sandbox.stop_delivery()
        await self.runner.cleanup()


@dataclass
class RunningBot:
    """The bot process's work, started and stopped like a process (state only in the DB)."""

    api_url: str
    database_url: str
    request_timeout: float = 10.0
    polling: PollingBot | None = None
    organisers: frozenset[int] = frozenset()
    """Telegram ids with organiser rights (ADMIN_TELEGRAM_IDS)."""
    scheduled_messages: bool = False
    """Off unless a test is about them: they follow the clock, not the test."""

    async def start(self) -> None:
        settings = Settings(TOKEN, self.api_url, self.database_url, self.organisers)
        self.database = db.Database(self.database_url)
        self.polling = PollingBot(
            settings,
            self.database,
            request_timeout=self.request_timeout,
            scheduled_messages=self.scheduled_messages,
        )
        await self.polling.start(polling_timeout=1)

    async def stop(self) -> None:
        assert self.polling is not None
        await self.polling.stop()
        await self.database.dispose()


WEBHOOK_SECRET = "test-webhook-secret_0123456789"


@dataclass
class RunningWorker:
    """A webhook worker (`sse-facilitator serve`'s work) in this process, on a free port."""

    api_url: str
    database_url: str
    scheduled_messages: bool = False
    worker: WebhookBot | None = None

    async def start(self) -> None:
        settings = Settings(TOKEN, self.api_url, self.database_url, frozenset())
        self.database = db.Database(self.database_url)
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.worker = WebhookBot(
            settings,
            self.database,
            webhook_url=f"{self.url}/telegram",
            secret=WEBHOOK_SECRET,
            request_timeout=10.0,
            scheduled_messages=self.scheduled_messages,
        )
        await self.worker.start("127.0.0.1", port)

    async def stop(self) -> None:
        if self.worker is not None:
            await self.worker.stop()
        await self.database.dispose()


def labels(message: BotMessage) -> list[str]:
    """The texts of a message's buttons."""
    return [b["text"] for b in message.buttons]


async def stored(sessions: async_sessionmaker[AsyncSession], model: type, **where: object) -> list:
    """The rows of a table, as the database holds them now."""
    async with sessions() as session:
        return list((await session.scalars(select(model).filter_by(**where))).all())


async def next_prompt(user: SandboxUser, before: int, timeout: float = 30.0) -> BotMessage:
    """Wait for a new message with buttons after message index `before` (a question or menu)."""
    await user.wait(lambda: any(m.buttons for m in user.messages[before:]), timeout)
    user.mark_seen()
    return [m for m in user.messages[before:] if m.buttons][-1]


async def tap(user: SandboxUser, label: str) -> BotMessage:
    """Press a button on the newest message that has it; return the next question or menu."""
    before = len(user.messages)
    await user.press(label)
    return await next_prompt(user, before)


async def toggle(user: SandboxUser, label: str) -> BotMessage:
    """Press a multi-select choice; return the same message once it is edited."""
    message = next(m for m in reversed(user.messages) if any(b["text"] == label for b in m.buttons))
    edits = message.edits
    await user.press(label, message=message)
    await user.wait(lambda: message.edits > edits)
    return message


async def say(user: SandboxUser, text: str) -> BotMessage:
    before = len(user.messages)
    await user.send_text(text)
    return await next_prompt(user, before)


async def reply_to(user: SandboxUser, text: str) -> BotMessage:
    """Send a text; return the bot's first message after it (with or without buttons)."""
    before = len(user.messages)
    await user.send_text(text)
    await user.wait(lambda: len(user.messages) > before)
    user.mark_seen()
    return user.messages[before]


async def join(user: SandboxUser, code: str, agree: str) -> BotMessage:
    """Open the deep link, agree; return the menu."""
    before = len(user.messages)
    await user.send_text(f"/start {code}")
    await next_prompt(user, before)
    return await tap(user, agree)


async def start(
    env: dict[str, str],
    cwd: Path,
    output: IO[bytes] | None = None,
    args: tuple[str, ...] = ("run",),
) -> asyncio.subprocess.Process:
    """Start `sse-facilitator run` (or `serve`, with `args`) as its own process, with only
    these TELEGRAM_* and DATABASE_* settings; its output goes to pipes, or to `output`."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    where = output if output is not None else asyncio.subprocess.PIPE
    return await asyncio.create_subprocess_exec(
        str(SCRIPT), *args, env={**full, **env}, cwd=cwd, stdout=where, stderr=where
    )


async def finish(process: asyncio.subprocess.Process, stop: bool = False) -> tuple[int, str, str]:
    """Its exit status, standard output and standard error (after SIGTERM if `stop`)."""
    if stop:
        process.send_signal(signal.SIGTERM)
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, (out or b"").decode(), (err or b"").decode()
