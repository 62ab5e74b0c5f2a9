"""Telegram's side of a webhook, for the local Bot API server: each update is POSTed to the
address given to setWebhook, with its secret token. As Telegram does, a chat's next update
waits until the previous one was answered with a 2xx status; other chats' updates go at the
same time (at most `max_connections`); an update not answered with 2xx (an error, a refused
connection, no answer within 60 s) is delivered again, in its turn."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp

if TYPE_CHECKING:
    from bot.sandbox.server import Sandbox

ANSWER_WITHIN = 60.0
"""Seconds Telegram waits for a webhook's answer."""
FIRST_RETRY = 0.1
LAST_RETRY = 2.0
"""Seconds before a failed delivery is tried again: doubling from the first to the last (the
real Telegram waits longer; tests should not)."""


@dataclass
class Attempt:
    """One POST of an update: its id, and the HTTP status or the failure's name."""

    update_id: int
    url: str
    outcome: int | str


def chat_of(update: dict[str, Any]) -> int | str:
    """What Telegram orders updates by: the chat (of the message, the pressed message, the
    membership change), else the sender."""
    for kind in ("message", "edited_message", "my_chat_member"):
        if kind in update:
            return int(update[kind]["chat"]["id"])
    query = update.get("callback_query")
    if query is not None:
        if "message" in query:
            return int(query["message"]["chat"]["id"])
        return int(query["from"]["id"])
    return f"update {update['update_id']}"


class WebhookDelivery:
    """Delivers `sandbox.updates` to one webhook until stopped."""

    def __init__(
        self, sandbox: Sandbox, url: str, secret: str | None, max_connections: int = 40
    ) -> None:
        self.sandbox = sandbox
        self.url = url
        self.secret = secret
        self.headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
        self.connections = asyncio.Semaphore(max_connections)
        self.queues: dict[int | str, deque[dict[str, Any]]] = {}
        self.chats: dict[int | str, asyncio.Task[None]] = {}
        self.attempts: list[Attempt] = []
        self.last_error: str | None = None
        self.session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=ANSWER_WITHIN),
            connector=aiohttp.TCPConnector(limit=max_connections),
        )
        self.pump = asyncio.create_task(self._pump())

    @property
    def pending(self) -> int:
        """Updates not yet answered with 2xx (getWebhookInfo's pending_update_count)."""
        return sum(len(queue) for queue in self.queues.values()) + len(self.sandbox.updates)

    async def _pump(self) -> None:
        while True:
            async with self.sandbox.new_update:
                while not self.sandbox.updates:
                    await self.sandbox.new_update.wait()
                arrived, self.sandbox.updates[:] = list(self.sandbox.updates), []
            for update in arrived:
                chat = chat_of(update)
                self.queues.setdefault(chat, deque()).append(update)
                if chat not in self.chats:
                    self.chats[chat] = asyncio.create_task(self._deliver(chat))

    async def _deliver(self, chat: int | str) -> None:
        queue = self.queues[chat]
        try:
            while queue:
                update = queue[0]
                wait = FIRST_RETRY
                while not await self._post(update):
                    await asyncio.sleep(wait)
                    wait = min(wait * 2, LAST_RETRY)
                queue.popleft()
                self.sandbox.mark_delivered(update)
        finally:
            del self.chats[chat]
            if not queue:
                del self.queues[chat]

    async def _post(self, update: dict[str, Any]) -> bool:
        """True when the webhook answered 2xx."""
        balance = self.sandbox.balance
        url = random.choice(balance) if balance else self.url
        async with self.connections:
            try:
                async with self.session.post(url, json=update, headers=self.headers) as r:
                    await r.read()
                    outcome: int | str = r.status
            except (aiohttp.ClientError, TimeoutError) as error:
                outcome = type(error).__name__
        self.attempts.append(Attempt(update["update_id"], url, outcome))
        delivered = isinstance(outcome, int) and 200 <= outcome < 300
        if not delivered:
            self.last_error = f"{outcome}"
        return delivered

    async def stop(self) -> None:
        """Stop delivering; what was not answered goes back, in order, to getUpdates."""
        tasks = [self.pump, *self.chats.values()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        left = [update for queue in self.queues.values() for update in queue]
        self.queues.clear()
        self.sandbox.updates[:0] = left
        self.sandbox.updates.sort(key=lambda update: update["update_id"])
        await self.session.close()
