"""The local Bot API server: Telegram's HTTP interface for one bot, and users acting on it.

Bot side: `/bot<token>/<method>` and `/file/bot<token>/<path>`, answered as Telegram does.
User side: `SandboxUser` (Python, for tests) and `/sandbox/api/...` (JSON, for the web page).
"""

from __future__ import annotations

import asyncio
import itertools
import random
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.sandbox.html_check import EntityError, parse_html
from bot.sandbox.spec import ApiError, Checker, UploadedFile, load_spec
from bot.sandbox.webhook import WebhookDelivery

BOT_ID = 7000000001
BOT_USERNAME = "sse_sandbox_bot"


@dataclass
class Fault:
    """An injected failure: the next `times` calls of `method` (any if None) fail or are slow."""

    method: str | None = None
    status: int | None = None
    description: str = "Internal Server Error"
    retry_after: int | None = None
    delay: float = 0.0
    times: int = 1


@dataclass
class Chaos:
    """Random faults on every call, as a bad network or a busy Telegram gives them: a share
    answered 5xx, a share 429 (flood control, with `retry_after`), and a share answered only
    after `late_by` seconds, once the call has taken effect (the answer is lost to a client
    that stopped waiting, but the message was sent)."""

    server_errors: float = 0.0
    floods: float = 0.0
    late: float = 0.0
    late_by: float = 0.0
    retry_after: int = 1
    seed: int = 0
    random: random.Random = field(init=False, repr=False)
    injected: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)

    def draw(self) -> str | None:
        roll = self.random.random()
        for kind, share in (
            ("server_error", self.server_errors),
            ("flood", self.floods),
            ("late", self.late),
        ):
            if roll < share:
                self.injected[kind] = self.injected.get(kind, 0) + 1
                return kind
            roll -= share
        return None


@dataclass
class FloodControl:
    """Telegram's limits on sending, enforced as Telegram does: more than `overall` messages
    in a second, or more than `per_chat` in a second to one chat, is answered 429 with a
    `retry_after`. Counts what the bot sends (messages, photos, documents, voice notes)."""

    overall: int = 30
    per_chat: int = 1
    sent: deque[tuple[float, int | None]] = field(default_factory=deque)
    refused: int = 0

    SENDING = ("sendMessage", "sendPhoto", "sendDocument", "sendVoice")

    def admit(self, method: str, chat_id: Any) -> None:
        if method not in self.SENDING:
            return
        now = time.monotonic()
        while self.sent and now - self.sent[0][0] >= 1.0:
            self.sent.popleft()
        chat = int(chat_id) if str(chat_id).lstrip("-").isdigit() else None
        same_chat = sum(1 for _, c in self.sent if c == chat and chat is not None)
        if len(self.sent) >= self.overall or same_chat >= self.per_chat:
            self.refused += 1
            raise ApiError(429, "Too Many Requests: retry after 1", 1)
        self.sent.append((now, chat))


@dataclass
class Chat:
    id: int
    type: str = "private"
    title: str | None = None

    def to_json(self, user: dict[str, Any] | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.type == "private" and user:
            out["first_name"] = user["first_name"]
        if self.title:
            out["title"] = self.title
        return out


@dataclass
class BotMessage:
    """A message the bot sent, as the user sees it now (edits applied)."""

    message_id: int
    chat_id: int
    text: str
    markup: str = ""
    reply_markup: dict[str, Any] | None = None
    kind: str = "text"
    file_id: str | None = None
    edits: int = 0
    file_name: str | None = None
    """An uploaded document's name, as the bot gave it."""
    duration: int | None = None
    """A voice note's length in seconds."""
    entities: list[dict[str, Any]] = field(default_factory=list)
    """The formatting of `text` (bold, italic...), as Telegram sends it."""

    @property
    def buttons(self) -> list[dict[str, Any]]:
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [button for row in rows for button in row]

    def to_json(self) -> dict[str, Any]:
        return {
            "message_id": self.message_id,
            "text": self.text,
            "html": self.markup,
            "entities": self.entities,
            "kind": self.kind,
            "file_id": self.file_id,
            "file_name": self.file_name,
            "buttons": [
                [b for b in row] for row in (self.reply_markup or {}).get("inline_keyboard", [])
            ],
            "edits": self.edits,
        }


class Sandbox:
    """All state of the fake Telegram: users, chats, updates, messages, files."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.checker = Checker(load_spec())
        self.updates: list[dict[str, Any]] = []
        self.delivered: list[dict[str, Any]] = []
        self.delivered_ids: set[int] = set()
        self.update_ids = itertools.count(1)
        self.message_ids = itertools.count(1)
        self.new_update = asyncio.Condition()
        self.watchers: dict[int, asyncio.Condition] = {}
        """Per user, woken when a call may change what they see (one Condition for all
        users would wake every waiting user on every call)."""
        self.users: dict[int, dict[str, Any]] = {}
        self.chats: dict[int, Chat] = {}
        self.messages: dict[int, list[BotMessage]] = {}
        self.written: dict[int, list[dict[str, Any]]] = {}
        """What users sent, per chat, for the web page's transcript."""
        self.files: dict[str, tuple[str, bytes]] = {}
        self.callbacks: dict[str, bool] = {}
        self.pressed_by: dict[str, int] = {}
        """The user who sent each callback query."""
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.commands: list[dict[str, Any]] = []
        self.faults: list[Fault] = []
        self.chaos: Chaos | None = None
        self.blocked: set[int] = set()
        """Users who blocked the bot: calls to their chat are refused (403)."""
        self.flood_control: FloodControl | None = None
        """Telegram's sending limits, when a test or benchmark wants them enforced."""
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.errors: list[tuple[str, str]] = []
        self.webhook: str | None = None
        self.delivery: WebhookDelivery | None = None
        """Posts updates to the webhook, while one is set."""
        self.balance: list[str] = []
        """Tests and benchmarks: the workers behind the webhook's address; each post goes to
        one of them at random, as a load balancer sends it."""

    # ------------------------------------------------------------ users' side

    def user(
        self, user_id: int, first_name: str = "Test", language_code: str = "en"
    ) -> SandboxUser:
        self.users[user_id] = {
            "id": user_id,
            "is_bot": False,
            "first_name": first_name,
            "language_code": language_code,
        }
        self.chats.setdefault(user_id, Chat(user_id))
        return SandboxUser(self, user_id)

    def user_handle(self, user_id: int) -> SandboxUser:
        """The handle of a user who already exists."""
        return SandboxUser(self, user_id)

    async def push(self, kind: str, payload: dict[str, Any]) -> int:
        update_id = next(self.update_ids)
        self.updates.append({"update_id": update_id, kind: payload})
        async with self.new_update:
            self.new_update.notify_all()
        return update_id

    def user_message(self, user_id: int, chat: Chat, **content: Any) -> dict[str, Any]:
        message = {
            "message_id": next(self.message_ids),
            "from": self.users[user_id],
            "chat": chat.to_json(self.users[user_id]),
            "date": int(time.time()),
            **content,
        }
        if "voice" in content:  # as Telegram shows one's own voice note: 🎤 0:14
            minutes, seconds = divmod(int(content["voice"].get("duration") or 0), 60)
            shown = f"🎤 {minutes}:{seconds:02}"
        else:
            shown = content.get("text") or "…"
        self.written.setdefault(chat.id, []).append(
            {"message_id": message["message_id"], "text": shown, "mine": True}
        )
        return message

    def add_file(self, data: bytes, name: str) -> str:
        file_id = "f" + secrets.token_hex(8)
        self.files[file_id] = (f"{name}/{file_id}", data)
        return file_id

    # ------------------------------------------------------------ the bot's side

    async def call(self, method: str, params: dict[str, Any]) -> Any:
        fault = next((f for f in self.faults if f.method in (None, method) and f.times > 0), None)
        if fault is not None:
            fault.times -= 1
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.status is not None:
                raise ApiError(fault.status, fault.description, fault.retry_after)
        if self.flood_control is not None:
            self.flood_control.admit(method, params.get("chat_id"))
        chaos = self.chaos.draw() if self.chaos is not None else None
        if chaos == "server_error":
            raise ApiError(502, "Bad Gateway")
        if chaos == "flood":
            assert self.chaos is not None
            retry = self.chaos.retry_after
            raise ApiError(429, f"Too Many Requests: retry after {retry}", retry)
        result = await self._perform(method, params)
        if chaos == "late":
            assert self.chaos is not None
            await asyncio.sleep(self.chaos.late_by)
        return result

    async def _perform(self, method: str, params: dict[str, Any]) -> Any:
        parsed = self.checker.check(method, params)
        chat_id = parsed.get("chat_id")
        if (
            chat_id is not None
            and str(chat_id).lstrip("-").isdigit()
            and int(chat_id) in self.blocked
        ):
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        self.calls.append((method, parsed))
        handler: Callable[[dict[str, Any]], Any] | None = getattr(self, f"_{method}", None)
        if handler is None:
            raise ApiError(501, f"Not Implemented: the sandbox does not serve {method}")
        result = handler(parsed)
        if asyncio.iscoroutine(result):
            result = await result
        for user_id in self.concerned(method, parsed):
            if (watcher := self.watchers.get(user_id)) is not None:
                async with watcher:
                    watcher.notify_all()
        return result

    def concerned(self, method: str, params: dict[str, Any]) -> list[int]:
        """The users who may see what a call changed: the user of a private chat, or the one
        whose callback query is answered; everyone for a group or a call on no chat."""
        if method == "getUpdates":
            return []
        if method == "answerCallbackQuery" and params["callback_query_id"] in self.pressed_by:
            return [self.pressed_by[params["callback_query_id"]]]
        if "chat_id" in params and self.chat(params["chat_id"]).type == "private":
            return [int(params["chat_id"])]
        return list(self.watchers)

    def bot_user(self) -> dict[str, Any]:
        return {
            "id": BOT_ID,
            "is_bot": True,
            "first_name": "SSE Facilitator (sandbox)",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _getMe(self, _: dict[str, Any]) -> dict[str, Any]:
        return self.bot_user()

    async def _getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        if self.webhook:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = params.get("offset")
        if offset is not None:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        limit = min(max(params.get("limit", 100), 1), 100)
        timeout = min(max(params.get("timeout", 0), 0), 50)
        deadline = time.monotonic() + timeout
        async with self.new_update:
            while not self.updates and time.monotonic() < deadline:
                try:
                    await asyncio.wait_for(self.new_update.wait(), deadline - time.monotonic())
                except TimeoutError:
                    break
        batch = self.updates[:limit]
        for update in batch:
            self.mark_delivered(update)
        return batch

    def mark_delivered(self, update: dict[str, Any]) -> None:
        """Note an update the bot received (once, however often it was delivered)."""
        if update["update_id"] not in self.delivered_ids:
            self.delivered_ids.add(update["update_id"])
            self.delivered.append(update)

    async def _deleteWebhook(self, _: dict[str, Any]) -> bool:
        self.webhook = None
        await self.stop_delivery()
        return True

    async def _setWebhook(self, params: dict[str, Any]) -> bool:
        """Deliver updates to the address (the same call again changes nothing)."""
        url, secret = params["url"] or None, params.get("secret_token")
        connections = params.get("max_connections") or 40
        delivery = self.delivery
        if delivery is None or (delivery.url, delivery.secret) != (url, secret):
            await self.stop_delivery()
            if url is not None:
                self.delivery = WebhookDelivery(self, url, secret, connections)
        self.webhook = url
        return True

    def _getWebhookInfo(self, _: dict[str, Any]) -> dict[str, Any]:
        info: dict[str, Any] = {"url": self.webhook or "", "has_custom_certificate": False}
        info["pending_update_count"] = (
            self.delivery.pending if self.delivery is not None else len(self.updates)
        )
        if self.delivery is not None and self.delivery.last_error is not None:
            info["last_error_message"] = self.delivery.last_error
        return info

    async def stop_delivery(self) -> None:
        """No more webhook posts; undelivered updates wait for getUpdates."""
        delivery, self.delivery = self.delivery, None
        if delivery is not None:
            await delivery.stop()

    def _setMyCommands(self, params: dict[str, Any]) -> bool:
        self.commands = [c for c in self.commands if not _same_scope(c, params)]
        self.commands.append(params)
        return True

    def _sendChatAction(self, params: dict[str, Any]) -> bool:
        self.chat(params["chat_id"])
        return True

    def chat(self, chat_id: Any) -> Chat:
        try:
            return self.chats[int(chat_id)]
        except (KeyError, ValueError):
            raise ApiError(400, "Bad Request: chat not found") from None

    def render(
        self, params: dict[str, Any], key: str = "text"
    ) -> tuple[str, str, list[dict[str, Any]]]:
        """The text a person sees, the markup as given, and the text's entities."""
        markup = params.get(key) or ""
        if params.get("parse_mode", "").lower() == "html":
            try:
                text, entities = parse_html(markup)
            except EntityError as exc:
                raise ApiError(400, f"Bad Request: {exc}") from None
            return text, markup, entities
        return markup, markup, []

    def message_json(self, message: BotMessage) -> dict[str, Any]:
        chat = self.chats[message.chat_id]
        out: dict[str, Any] = {
            "message_id": message.message_id,
            "from": self.bot_user(),
            "chat": chat.to_json(self.users.get(chat.id)),
            "date": int(time.time()),
        }
        if message.kind == "text":
            out["text"] = message.text
        else:
            out["caption"] = message.text
        if message.entities:
            out["entities" if message.kind == "text" else "caption_entities"] = message.entities
        if message.kind == "document":
            out["document"] = {"file_id": message.file_id, "file_unique_id": message.file_id}
            if message.file_name:
                out["document"]["file_name"] = message.file_name
        if message.kind == "photo":
            size = {"file_id": message.file_id, "file_unique_id": message.file_id}
            out["photo"] = [{**size, "width": 800, "height": 800}]
        if message.kind == "voice":
            out["voice"] = {
                "file_id": message.file_id,
                "file_unique_id": message.file_id,
                "duration": message.duration or 0,
            }
        if message.edits:
            out["edit_date"] = int(time.time())
        if message.reply_markup:
            out["reply_markup"] = message.reply_markup
        return out

    def store(self, message: BotMessage) -> dict[str, Any]:
        self.messages.setdefault(message.chat_id, []).append(message)
        return self.message_json(message)

    def _sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat = self.chat(params["chat_id"])
        text, markup, entities = self.render(params)
        message = BotMessage(
            next(self.message_ids), chat.id, text, markup, params.get("reply_markup")
        )
        message.entities = entities
        return self.store(message)

    def _send_file(self, params: dict[str, Any], key: str) -> dict[str, Any]:
        chat = self.chat(params["chat_id"])
        given = params[key]
        file_name = None
        if isinstance(given, UploadedFile):
            file_id = self.add_file(given.data, key)
            file_name = given.filename or None
        elif given in self.files:
            file_id = given
        else:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        caption, markup, entities = self.render(params, "caption")
        message = BotMessage(
            next(self.message_ids),
            chat.id,
            caption,
            markup,
            params.get("reply_markup"),
            key,
            file_id,
            file_name=file_name if key == "document" else None,
            duration=params.get("duration"),
            entities=entities,
        )
        return self.store(message)

    def _sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send_file(params, "photo")

    def _sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send_file(params, "document")

    def _sendVoice(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._send_file(params, "voice")

    def find(self, params: dict[str, Any]) -> BotMessage:
        if "inline_message_id" in params:
            raise ApiError(400, "Bad Request: inline messages are not served by the sandbox")
        chat = self.chat(params.get("chat_id"))
        for message in self.messages.get(chat.id, []):
            if message.message_id == params.get("message_id"):
                return message
        raise ApiError(400, "Bad Request: message to edit not found")

    def _editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self.find(params)
        text, markup, entities = self.render(params)
        reply_markup = params.get("reply_markup")
        if markup == message.markup and reply_markup == message.reply_markup:
            raise ApiError(400, "Bad Request: message is not modified")
        message.text, message.markup, message.reply_markup = text, markup, reply_markup
        message.entities = entities
        message.edits += 1
        return self.message_json(message)

    def _editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self.find(params)
        reply_markup = params.get("reply_markup")
        if reply_markup == message.reply_markup or (
            not message.reply_markup and not (reply_markup or {}).get("inline_keyboard")
        ):
            raise ApiError(400, "Bad Request: message is not modified")
        message.reply_markup = reply_markup if (reply_markup or {}).get("inline_keyboard") else None
        message.edits += 1
        return self.message_json(message)

    def _answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        query_id = params["callback_query_id"]
        if self.callbacks.get(query_id) is not False:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self.callbacks[query_id] = True
        self.callback_answers[query_id] = params
        return True

    def _getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        found = self.files.get(params["file_id"])
        if found is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        path, data = found
        return {
            "file_id": params["file_id"],
            "file_unique_id": params["file_id"],
            "file_size": len(data),
            "file_path": path,
        }


def _same_scope(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return a.get("scope") == b.get("scope") and a.get("language_code") == b.get("language_code")


@dataclass
class SandboxUser:
    """A Telegram user in the sandbox: sends, presses, reads what the bot sent."""

    sandbox: Sandbox
    id: int
    _seen: int = field(default=0)

    @property
    def chat(self) -> Chat:
        return self.sandbox.chats[self.id]

    @property
    def messages(self) -> list[BotMessage]:
        return self.sandbox.messages.get(self.id, [])

    @property
    def texts(self) -> list[str]:
        return [m.text for m in self.messages]

    async def send_text(self, text: str, chat: Chat | None = None) -> int:
        message = self.sandbox.user_message(self.id, chat or self.chat, text=text)
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return await self.sandbox.push("message", message)

    async def send(self, **content: Any) -> int:
        """Any other message content: sticker, photo, location, contact..."""
        return await self.sandbox.push(
            "message", self.sandbox.user_message(self.id, self.chat, **content)
        )

    async def send_voice(self, data: bytes, duration: int) -> str:
        file_id = self.sandbox.add_file(data, "voice")
        voice = {
            "file_id": file_id,
            "file_unique_id": file_id,
            "duration": duration,
            "mime_type": "audio/ogg",
            "file_size": len(data),
        }
        await self.send(voice=voice)
        return file_id

    async def edit_text(self, message_id: int, text: str) -> int:
        message = self.sandbox.user_message(self.id, self.chat, text=text)
        message.update(message_id=message_id, edit_date=int(time.time()))
        return await self.sandbox.push("edited_message", message)

    async def press(
        self,
        label: str | None = None,
        *,
        data: str | None = None,
        message: BotMessage | None = None,
    ) -> str:
        """Press a button (by label or callback data) on a message (by default the newest
        message that has it)."""
        candidates = [message] if message else list(reversed(self.messages))
        for candidate in candidates:
            for button in candidate.buttons:
                if (label is not None and button["text"] == label) or (
                    data is not None and button.get("callback_data") == data
                ):
                    return await self.press_data(button["callback_data"], candidate)
        shown = [b["text"] for m in candidates[:1] for b in m.buttons]
        raise AssertionError(f"no button {label or data!r}; the newest buttons are {shown}")

    async def press_data(self, data: str, message: BotMessage) -> str:
        """Send a callback query with any data (even forged) from a message."""
        query_id = secrets.token_hex(6)
        self.sandbox.callbacks[query_id] = False
        self.sandbox.pressed_by[query_id] = self.id
        await self.sandbox.push(
            "callback_query",
            {
                "id": query_id,
                "from": self.sandbox.users[self.id],
                "message": self.sandbox.message_json(message),
                "chat_instance": str(self.id),
                "data": data,
            },
        )
        return query_id

    async def wait(self, until: Callable[[], bool], timeout: float = 10.0) -> None:
        """Wait until a condition on what the user sees holds."""
        if not await self.holds_within(until, timeout):
            raise AssertionError(f"timed out; the user saw: {self.texts[-5:]}")

    async def holds_within(self, until: Callable[[], bool], timeout: float) -> bool:
        """Whether a condition on what the user sees holds within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        watcher = self.sandbox.watchers.setdefault(self.id, asyncio.Condition())
        async with watcher:
            while not until():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                try:
                    await asyncio.wait_for(watcher.wait(), left)
                except TimeoutError:
                    continue
        return True

    async def answer_to(self, query_id: str, timeout: float) -> dict[str, Any] | None:
        """The bot's answer to this user's button press (its `text`, `show_alert`...), once it
        comes; None if it has not come within `timeout` seconds."""
        answers = self.sandbox.callback_answers
        if not await self.holds_within(lambda: query_id in answers, timeout):
            return None
        return answers[query_id]

    async def wait_new(self, count: int = 1, timeout: float = 10.0) -> list[BotMessage]:
        """Wait for `count` new messages since the last call; return them."""
        start = self._seen
        await self.wait(lambda: len(self.messages) >= start + count, timeout)
        self._seen = len(self.messages)
        return self.messages[start:]

    def mark_seen(self) -> None:
        self._seen = len(self.messages)


# ------------------------------------------------------------------ HTTP


def _answer(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(exc: ApiError) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": exc.status, "description": exc.description}
    if exc.retry_after is not None:
        body["parameters"] = {"retry_after": exc.retry_after}
    return web.json_response(body, status=exc.status)


async def _params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.method != "POST" or not request.can_read_body:
        return params
    if request.content_type == "application/json":
        body = await request.json()
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request: the body must be a JSON object")
        return {**params, **body}
    files: dict[str, UploadedFile] = {}
    for name, value in (await request.post()).items():
        if isinstance(value, web.FileField):
            files[name] = UploadedFile(value.filename, value.file.read())
        else:
            params[name] = value
    for name, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            params[name] = files.pop(value.removeprefix("attach://"), value)
    params.update(files)
    return params


def api_routes(sandbox: Sandbox) -> list[web.RouteDef]:
    async def method(request: web.Request) -> web.Response:
        if request.match_info["token"] != sandbox.token:
            return _error(ApiError(401, "Unauthorized"))
        name = request.match_info["method"]
        try:
            return _answer(await sandbox.call(name, await _params(request)))
        except ApiError as exc:
            sandbox.errors.append((name, exc.description))
            return _error(exc)

    async def download(request: web.Request) -> web.Response:
        if request.match_info["token"] != sandbox.token:
            return _error(ApiError(401, "Unauthorized"))
        path = request.match_info["path"]
        for stored_path, data in sandbox.files.values():
            if stored_path == path:
                return web.Response(body=data, content_type="application/octet-stream")
        return _error(ApiError(404, "Not Found"))

    return [
        web.route("*", r"/bot{token}/{method}", method),
        web.get(r"/file/bot{token}/{path:.+}", download),
    ]


def make_app(sandbox: Sandbox) -> web.Application:
    app = web.Application(client_max_size=20 * 1024 * 1024)
    app.add_routes(api_routes(sandbox))
    return app
