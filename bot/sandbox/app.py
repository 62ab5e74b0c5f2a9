"""`sse-facilitator sandbox`: the local Bot API server, the real bot against it, a demo
territory and a web chat page, on 127.0.0.1: try the bot with no token and no internet."""

from __future__ import annotations

import asyncio
import contextlib
import math
import secrets
import signal
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web

from bot.config import Settings
from bot.sandbox import audio
from bot.sandbox.server import BOT_ID, BOT_USERNAME, Sandbox, api_routes
from bot.sandbox.state import SandboxState, database_is_new
from bot.telegram.app import PollingBot
from dialogs.i18n import available_languages
from storage import db
from storage.repository import Repository

MESSAGE_LIMIT = 4096
"""Characters in one Telegram message: the page sends a longer text in parts, as apps do."""

DEMO_TERRITORY = "Sandbox demo territory"
SANDBOX_DATABASE_FILE = "sse-facilitator-sandbox.db"
SANDBOX_DATABASE_URL = f"sqlite+aiosqlite:///{SANDBOX_DATABASE_FILE}"
"""The sandbox's own database, in the current folder (DATABASE_URL is not used)."""
ANSWER_WAIT = 10.0
"""Seconds the page waits for the bot's answer to a press (Telegram's clients wait about as
long before they give up on it)."""
VOICE_LIMIT = 20 * 1024 * 1024
"""The largest file a bot may download from Telegram, so the largest voice note."""
UNREADABLE_AUDIO = (
    "Could not tell how long this audio file is. Choose a voice note or an audio file your "
    "browser can play (OGG, MP3, M4A or WAV)."
)
STOP_GRACE = 1.0
"""Seconds a stop waits for requests in flight: not for the bot's long poll to time out."""


def page_routes(
    sandbox: Sandbox, info: dict[str, Any], user_ids: Iterator[int]
) -> list[web.RouteDef]:
    """The web chat page and the JSON it uses to act as users (new ones get `user_ids`)."""
    page = (resources.files("bot.sandbox") / "page.html").read_text(encoding="utf-8")

    def user_of(request: web.Request) -> Any:
        user_id = int(request.match_info["user"])
        if user_id not in sandbox.users:
            raise web.HTTPNotFound(text="no such user")
        return sandbox.user_handle(user_id)

    async def index(_: web.Request) -> web.Response:
        return web.Response(text=page, content_type="text/html")

    async def get_info(_: web.Request) -> web.Response:
        return web.json_response(
            {**info, "languages": list(available_languages()), "voice_limit": VOICE_LIMIT}
        )

    async def list_users(_: web.Request) -> web.Response:
        return web.json_response(
            [
                {"id": u["id"], "name": u["first_name"], "language": u.get("language_code", "")}
                for u in sandbox.users.values()
            ]
        )

    async def add_user(request: web.Request) -> web.Response:
        body = await request.json()
        name = str(body.get("name") or "Guest")[:64]
        language = str(body.get("language") or "en")[:8]
        user = sandbox.user(next(user_ids), name, language)
        return web.json_response({"id": user.id, "name": name, "language": language})

    async def messages(request: web.Request) -> web.Response:
        user = user_of(request)
        mine = [{**m, "kind": "text", "buttons": []} for m in sandbox.written.get(user.id, [])]
        shown = sorted([m.to_json() for m in user.messages] + mine, key=lambda m: m["message_id"])
        return web.json_response(shown)

    async def send(request: web.Request) -> web.Response:
        text = str((await request.json()).get("text", "")).strip()
        user = user_of(request)
        for start in range(0, len(text), MESSAGE_LIMIT):  # as Telegram apps do: in parts
            await user.send_text(text[start : start + MESSAGE_LIMIT])
        return web.json_response({"ok": True})

    async def press(request: web.Request) -> web.Response:
        body = await request.json()
        user = user_of(request)
        message = next((m for m in user.messages if m.message_id == body.get("message_id")), None)
        if message is None:
            raise web.HTTPNotFound(text="no such message")
        query_id = await user.press_data(str(body.get("data", "")), message)
        return web.json_response({"ok": True, "query_id": query_id})

    async def answer(request: web.Request) -> web.Response:
        """The bot's answer to a press of this person's, once it comes (a long poll): the page
        shows its text as a short notice, or as an alert to close with `show_alert`."""
        user = user_of(request)
        query_id = request.match_info["query"]
        if sandbox.pressed_by.get(query_id) != user.id:
            raise web.HTTPNotFound(text="no such button press")
        given = await user.answer_to(query_id, ANSWER_WAIT)
        if given is None:
            return web.json_response({"answered": False})
        return web.json_response(
            {
                "answered": True,
                "text": given.get("text") or "",
                "show_alert": bool(given.get("show_alert")),
            }
        )

    async def document(request: web.Request) -> web.Response:
        """A document the bot sent to this person, to save (an export, /mydata's files)."""
        user = user_of(request)
        wanted = request.match_info["message"]
        message = next(
            (m for m in user.messages if str(m.message_id) == wanted and m.kind == "document"),
            None,
        )
        stored = sandbox.files.get(message.file_id or "") if message is not None else None
        if message is None or stored is None:
            raise web.HTTPNotFound(text="no such document")
        name = message.file_name or f"document-{message.message_id}"
        return web.Response(
            body=stored[1],
            content_type="application/octet-stream",
            headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
        )

    async def voice(request: web.Request) -> web.Response:
        form = await request.post()
        upload = form.get("file")
        if not isinstance(upload, web.FileField):
            raise web.HTTPBadRequest(text="send a file")
        data = upload.file.read()
        length, read_by = _given_seconds(form.get("duration")), "page"
        if length is None:
            length, read_by = audio.seconds(data), "server"
        if length is None:
            raise web.HTTPBadRequest(text=UNREADABLE_AUDIO)
        duration = audio.whole_seconds(length)
        await user_of(request).send_voice(data, duration)
        return web.json_response({"ok": True, "duration": duration, "length_read_by": read_by})

    return [
        web.get("/", index),
        web.get("/sandbox/api/info", get_info),
        web.get("/sandbox/api/users", list_users),
        web.post("/sandbox/api/users", add_user),
        web.get("/sandbox/api/users/{user}/messages", messages),
        web.post("/sandbox/api/users/{user}/send", send),
        web.post("/sandbox/api/users/{user}/press", press),
        web.get("/sandbox/api/users/{user}/answers/{query}", answer),
        web.post("/sandbox/api/users/{user}/voice", voice),
        web.get("/sandbox/api/users/{user}/documents/{message}", document),
    ]


def _given_seconds(value: object) -> float | None:
    """The length the page read from the file (its audio element's metadata), if it could."""
    try:
        length = float(str(value))
    except ValueError:
        return None
    return length if math.isfinite(length) and length > 0 else None


async def demo_codes(database: db.Database) -> tuple[str, str]:
    """The demo territory's join code and facilitator code (made the first time)."""
    async with database.transaction() as session:
        repo = Repository(session)
        found = next((t for t in await repo.territories() if t.name == DEMO_TERRITORY), None)
        if found is None:
            found = await repo.create_territory(
                name=DEMO_TERRITORY, country="SN", timezone="Africa/Dakar", language="fr"
            )
        return found.join_code, found.facilitator_code


@dataclass
class RunningSandbox:
    url: str
    join_code: str
    facilitator_code: str
    sandbox: Sandbox
    runner: web.AppRunner
    database: db.Database
    polling: PollingBot = field(repr=False)
    state: SandboxState = field(repr=False)
    notice: str | None = None
    """One line for the console when the state file was missing or unreadable."""

    async def stop(self) -> None:
        try:
            await self.polling.stop()
            await self.runner.cleanup()
        finally:
            await self.state.close()
            await self.database.dispose()


async def start_sandbox(
    host: str,
    port: int,
    database_url: str,
    state_path: Path | None = None,
    organisers: frozenset[int] = frozenset(),
) -> RunningSandbox:
    """Start everything; the fake Telegram's state is kept in `state_path` (None: in memory);
    `organisers`: test people's ids with organiser rights."""
    ids_used_before = not database_is_new(database_url)
    if db.is_sqlite(database_url):
        await asyncio.to_thread(db.upgrade, database_url)
    database = db.Database(database_url)
    join_code, facilitator_code = await demo_codes(database)
    token = f"{BOT_ID}:{secrets.token_urlsafe(24)}"
    sandbox = Sandbox(token)
    state = SandboxState(sandbox, state_path)
    notice = state.load(ids_used_before=ids_used_before)
    url = f"http://{host}:{port}"
    info = {
        "bot_username": BOT_USERNAME,
        "territory": DEMO_TERRITORY,
        "join_code": join_code,
        "join_link": f"https://t.me/{BOT_USERNAME}?start={join_code}",
    }
    app = web.Application(client_max_size=VOICE_LIMIT + 1024 * 1024)
    app.add_routes(api_routes(sandbox) + page_routes(sandbox, info, state.user_ids))
    runner = web.AppRunner(app, shutdown_timeout=STOP_GRACE)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError:
        await runner.cleanup()
        await database.dispose()
        raise
    state.start()
    polling = PollingBot(Settings(token, url, database_url, organisers), database)
    await polling.start()
    return RunningSandbox(
        url, join_code, facilitator_code, sandbox, runner, database, polling, state, notice
    )


async def serve(
    host: str,
    port: int,
    database_url: str,
    state_path: Path | None,
    organisers: frozenset[int] = frozenset(),
) -> None:
    stopped = asyncio.Event()
    with contextlib.suppress(NotImplementedError):  # `kill` stops it as cleanly as Ctrl+C
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopped.set)
    running = await start_sandbox(host, port, database_url, state_path, organisers)
    if running.notice:
        print(running.notice)
    print(f"Sandbox ready: open {running.url} in a browser.")
    print(f"Demo territory join code: {running.join_code} (link: /start {running.join_code})")
    print(f"Its facilitator code: {running.facilitator_code} (/start {running.facilitator_code})")
    where = state_path or "memory only (gone when stopped)"
    print(f"Test people and their chats are kept in {where}.")
    print("Stop with Ctrl+C.")
    try:
        await stopped.wait()
    finally:
        await running.stop()
