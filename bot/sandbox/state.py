"""The fake Telegram's own state (people, chats, ids) in a JSON file, kept across restarts."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from bot.sandbox.server import BotMessage, Chat, Sandbox

log = logging.getLogger(__name__)

VERSION = 1
FIRST_USER_ID = 1001
ID_BLOCK = 100
"""Update and message ids reserved on disk ahead of use: one write per block, none reused."""
SAVE_EVERY = 1.0
"""Seconds between checks for changes to write."""
DEFAULT_STATE_FILE = "sse-facilitator-sandbox.telegram.json"
_FILE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def default_state_path(database_url: str) -> Path | None:
    """Beside an SQLite database file (`x.db` -> `x.telegram.json`); in the current folder for
    another database; None (in memory) for an in-memory database."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return Path(DEFAULT_STATE_FILE)
    if not url.database or url.database == ":memory:":
        return None
    database = Path(url.database)
    return database.with_name(f"{database.stem}.telegram.json")


def database_is_new(database_url: str) -> bool:
    """True for an SQLite database file that does not exist yet: no bot has seen any id."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return False
    return not Path(url.database).exists()


class IdCounter(Iterator[int]):
    """Increasing ids. Before one at or above `limit` is handed out, a block above it is
    reserved by `reserve` (which saves `limit`): an id handed out is always below the saved
    limit, even if the process is killed."""

    def __init__(self, start: int, block: int, reserve: Callable[[], None] | None) -> None:
        self.next = start
        self.limit = start
        self.block = block
        self.reserve = reserve

    def __next__(self) -> int:
        if self.next >= self.limit:
            self.limit = self.next + self.block
            if self.reserve is not None:
                self.reserve()
        self.next += 1
        return self.next - 1


class SandboxState:
    """A sandbox's state and the file it lives in (None: in memory only). Loaded on start;
    written atomically when it changed (checked every `SAVE_EVERY` s), when a block of ids is
    reserved, and on stop. Voice notes and documents go to a folder beside the file."""

    def __init__(
        self, sandbox: Sandbox, path: Path | None, clock: Callable[[], float] = time.time
    ) -> None:
        self.sandbox = sandbox
        self.path = path
        self.files_dir = path.with_name(f"{path.stem}-files") if path else None
        self.clock = clock
        self.update_ids = IdCounter(1, ID_BLOCK, self.save)
        self.message_ids = IdCounter(1, ID_BLOCK, self.save)
        self.user_ids = IdCounter(FIRST_USER_ID, 1, self.save)
        self._written = ""
        self._stored_files: set[str] = set()
        self._failing = ""
        self._task: asyncio.Task[None] | None = None

    # ------------------------------------------------------------ loading

    def load(self, *, ids_used_before: bool = True) -> str | None:
        """Restore the sandbox from the file and install the id counters. Returns one line for
        the console when the file was missing or unreadable and the sandbox starts afresh;
        then ids start above a time-based floor unless `ids_used_before` is False."""
        notice = None
        starts = {"update": 1, "message": 1, "user": FIRST_USER_ID}
        if self.path is not None and self.path.exists():
            try:
                starts = self._restore(json.loads(self.path.read_text(encoding="utf-8")))
            except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
                starts, notice = self._fresh(f"is unreadable ({_reason(exc)})")
        elif self.path is not None and ids_used_before:
            starts, notice = self._fresh("was not found")
        self.update_ids.next = self.update_ids.limit = starts["update"]
        self.message_ids.next = self.message_ids.limit = starts["message"]
        self.user_ids.next = self.user_ids.limit = starts["user"]
        self.sandbox.update_ids = self.update_ids
        self.sandbox.message_ids = self.message_ids
        return notice

    def _fresh(self, what: str) -> tuple[dict[str, int], str]:
        """Start with nobody, ids above the clock in milliseconds (no run hands out more than
        one id per millisecond), so no id the bot may have processed comes back."""
        assert self.path is not None
        floor = int(self.clock() * 1000)
        moved = ""
        if self.path.is_file():
            aside = self.path.with_name(self.path.name + ".corrupt")
            with contextlib.suppress(OSError):
                os.replace(self.path, aside)
                moved = f", moved to {aside}"
        return {"update": floor, "message": floor, "user": floor}, (
            f"Sandbox state {self.path} {what}{moved}: starting with no test people; "
            f"new ids start at {floor}, above any used before."
        )

    def _restore(self, data: dict[str, Any]) -> dict[str, int]:
        if data.get("version") != VERSION:
            raise ValueError(f"version {data.get('version')!r}, expected {VERSION}")
        starts = {key: int(data["next_ids"][key]) for key in ("update", "message", "user")}
        users = {
            int(u["id"]): {**u, "id": int(u["id"]), "first_name": str(u["first_name"])}
            for u in data["users"]
        }
        chats = {
            int(c["id"]): Chat(int(c["id"]), str(c["type"]), c.get("title")) for c in data["chats"]
        }
        messages: dict[int, list[BotMessage]] = {}
        for fields in data["messages"]:
            message = BotMessage(**fields)
            messages.setdefault(message.chat_id, []).append(message)
        written: dict[int, list[dict[str, Any]]] = {}
        for entry in data["written"]:
            entry = dict(entry)
            written.setdefault(int(entry.pop("chat_id")), []).append(entry)
        updates = [dict(u) for u in data["pending_updates"]]
        callbacks = {str(query): False for query in data["open_callback_queries"]}
        files = {}
        for file_id, path in data["files"].items():
            if not _FILE_ID.fullmatch(file_id) or self.files_dir is None:
                raise ValueError(f"bad file id {file_id!r}")
            with contextlib.suppress(OSError):  # a file that is gone is gone, as on Telegram
                files[file_id] = (str(path), (self.files_dir / file_id).read_bytes())
        sandbox = self.sandbox
        sandbox.users.update(users)
        sandbox.chats.update(chats)
        sandbox.messages.update(messages)
        sandbox.written.update(written)
        sandbox.updates.extend(updates)
        sandbox.callbacks.update(callbacks)
        sandbox.files.update(files)
        self._stored_files = set(files)
        return starts

    # ------------------------------------------------------------ saving

    def snapshot(self) -> dict[str, Any]:
        sandbox = self.sandbox
        return {
            "version": VERSION,
            "next_ids": {
                "update": self.update_ids.limit,
                "message": self.message_ids.limit,
                "user": self.user_ids.limit,
            },
            "users": list(sandbox.users.values()),
            "chats": [asdict(chat) for chat in sandbox.chats.values()],
            "messages": [asdict(m) for chat in sandbox.messages.values() for m in chat],
            "written": [
                {"chat_id": chat_id, **entry}
                for chat_id, entries in sandbox.written.items()
                for entry in entries
            ],
            "pending_updates": sandbox.updates,
            "open_callback_queries": [
                q for q, answered in sandbox.callbacks.items() if not answered
            ],
            "files": {
                file_id: path
                for file_id, (path, _) in sandbox.files.items()
                if file_id in self._stored_files
            },
        }

    def save(self) -> None:
        """Write the state if it changed. A failure is logged, never raised: the sandbox goes
        on, and it is tried again at the next change."""
        if self.path is None:
            return
        try:
            self._store_files()
            text = json.dumps(self.snapshot(), ensure_ascii=False, separators=(",", ":"))
            if text != self._written:
                _write_atomically(self.path, text.encode("utf-8"))
                self._written = text
            self._failing = ""
        except OSError as exc:
            if str(exc) != self._failing:
                log.warning("could not save the sandbox state to %s: %s", self.path, exc)
            self._failing = str(exc)

    def _store_files(self) -> None:
        """Files never change: each is written once, before the state that names it."""
        assert self.files_dir is not None
        for file_id, (_, data) in list(self.sandbox.files.items()):
            if file_id not in self._stored_files and _FILE_ID.fullmatch(file_id):
                self.files_dir.mkdir(parents=True, exist_ok=True)
                _write_atomically(self.files_dir / file_id, data)
                self._stored_files.add(file_id)

    async def _autosave(self) -> None:
        while True:
            await asyncio.sleep(SAVE_EVERY)
            self.save()

    def start(self) -> None:
        if self.path is not None and self._task is None:
            self._task = asyncio.create_task(self._autosave())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self.save()


def _write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, flush it to disk, then rename it over `path`:
    a reader (or a crash) sees the old content or the new, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def _reason(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing {exc}"
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
