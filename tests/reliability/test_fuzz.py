"""Random update sequences (Hypothesis): every kind of update and media, very long, right-to-left
and zero-width text, unknown and forged button data, stale buttons, double taps, commands in
the middle of a question, groups and channels, messages with no sender. No update fails, every
person in a private chat gets an answer, and the database stays consistent.

Updates go to the real dispatcher (middlewares, routers, database); replies go over HTTP to
the local Bot API server. FUZZ_EXAMPLES sets how many sequences run (default 2000)."""

from __future__ import annotations

import itertools
import logging
import os
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from aiogram.types import Update
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.config import Settings
from bot.sandbox.server import BOT_ID, BOT_USERNAME, Chat, Sandbox
from bot.telegram.app import DISPATCHER, PollingBot
from storage import db
from storage.models import Answer, Conversation, Membership, Participant, ReceivedUpdate
from storage.repository import Repository
from tests.bot.harness import TOKEN, SandboxServer

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2000"))
GROUP = Chat(-100900, "supergroup", "Fuzz group")
CHANNEL_CHAT = Chat(-100901, "channel", "Fuzz channel")
WEIRD = st.sampled_from(
    ["", " ", "\u200b", "\u200f", "\u202e", "\x00", "שלום", "مرحبا", "🎤", "<b>", "&amp;", "\n"]
)
TEXT = st.one_of(
    st.text(max_size=40),
    st.lists(WEIRD, max_size=6).map("".join),
    st.integers(min_value=1000, max_value=5000).map(lambda n: "x" * n),
    st.sampled_from(["0", "1", "2", "3", "dk", "12", "1 000", "-4", "2,5", "yes"]),
)
COMMANDS = ["start", "join", "menu", "language", "mydata", "forget", "help", "about", "nope"]
PREFIXES = ["a", "t", "n", "m", "c", "l", "f", "zz"]


class World:
    """The sandbox, the bot's context and the people of one test: enough to feed an update
    and see what came back."""

    def __init__(self, server: SandboxServer, database: db.Database, code: str) -> None:
        self.sandbox: Sandbox = server.sandbox
        self.database = database
        self.code = code
        settings_ = Settings(TOKEN, server.url, database.url, frozenset())
        self.polling = PollingBot(settings_, database, scheduled_messages=False)
        self.bot = self.polling.bot
        self.context = self.polling.context(f"https://t.me/{BOT_USERNAME}")
        self.update_ids: Iterator[int] = itertools.count(1)
        self.people = itertools.count(500_000)
        for chat in (GROUP, CHANNEL_CHAT):
            self.sandbox.chats[chat.id] = chat

    async def feed(self, raw: dict[str, Any]) -> None:
        update = Update.model_validate(raw, context={"bot": self.bot})
        await DISPATCHER.feed_update(self.bot, update, **self.context)


def sender(person: int, sandbox: Sandbox) -> dict[str, Any]:
    return sandbox.users[person]


def message(world: World, person: int | None, chat: Chat, **content: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "message_id": next(world.sandbox.message_ids),
        "date": int(time.time()),
        "chat": chat.to_json(world.sandbox.users.get(person or 0)),
        **content,
    }
    if person is not None:
        out["from"] = sender(person, world.sandbox)
    return out


def command(name: str, argument: str, mention: str) -> dict[str, Any]:
    head = f"/{name}{mention}"
    text = f"{head} {argument}".strip()
    return {"text": text, "entities": [{"type": "bot_command", "offset": 0, "length": len(head)}]}


@st.composite
def steps(draw: st.DrawFn) -> list[tuple[str, Any]]:
    """A sequence of what people do, as (kind, details); turned into updates when run."""
    kinds = st.sampled_from(
        ["join", "agree", "press_shown", "press_forged", "double_tap", "text", "command",
         "voice", "media", "edited", "group", "channel", "anonymous", "added"]
    )  # fmt: skip
    out: list[tuple[str, Any]] = []
    if draw(st.booleans()):  # half of the people join first and open a block
        out += [("join", None), ("agree", None), ("press_shown", draw(st.integers(0, 8)))]
    for kind in draw(st.lists(kinds, min_size=1, max_size=8)):
        if kind == "text":
            out.append((kind, draw(TEXT)))
        elif kind == "command":
            mention = draw(st.sampled_from(["", f"@{BOT_USERNAME}", "@other_bot"]))
            out.append((kind, (draw(st.sampled_from(COMMANDS)), draw(TEXT), mention)))
        elif kind in ("press_shown", "double_tap"):
            out.append((kind, draw(st.integers(min_value=0, max_value=40))))
        elif kind == "press_forged":
            prefix = draw(st.sampled_from(PREFIXES))
            parts = draw(st.lists(st.text(max_size=12), max_size=4))
            out.append((kind, ":".join([prefix, *parts]).encode()[:64].decode(errors="ignore")))
        elif kind == "media":
            out.append((kind, draw(st.sampled_from(MEDIA))))
        else:
            out.append((kind, None))
    return out


MEDIA: list[dict[str, Any]] = [
    {"photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]},
    {"sticker": {"file_id": "s", "file_unique_id": "s", "type": "regular", "width": 1,
                 "height": 1, "is_animated": False, "is_video": False}},
    {"location": {"latitude": 14.7, "longitude": -17.4}},
    {"contact": {"phone_number": "+221000", "first_name": "C"}},
    {"document": {"file_id": "d", "file_unique_id": "d"}},
    {"video": {"file_id": "v", "file_unique_id": "v", "width": 1, "height": 1, "duration": 1}},
    {"poll": {"id": "1", "question": "?", "options": [], "total_voter_count": 0,
              "is_closed": False, "is_anonymous": True, "type": "regular",
              "allows_multiple_answers": False, "allows_revoting": False,
              "members_only": False}},
    {"dice": {"emoji": "🎲", "value": 3}},
]  # fmt: skip


async def run(world: World, plan: list[tuple[str, Any]]) -> None:
    sandbox = world.sandbox
    person = next(world.people)
    user = sandbox.user(person, "Fuzz\u202e", "ar")
    for kind, detail in plan:
        update_id = next(world.update_ids)
        before = len(user.messages), sum(m.edits for m in user.messages)
        private = True
        query: str | None = None
        if kind == "join":
            raw = {"message": message(world, person, user.chat, **command("start", world.code, ""))}
        elif kind in ("agree", "press_shown", "double_tap"):
            buttons = [(m, b) for m in user.messages for b in m.buttons]
            if kind == "agree":
                buttons = [(m, b) for m, b in buttons if b["callback_data"].endswith(":yes")]
            if not buttons:
                continue
            shown, button = buttons[(detail or 0) % len(buttons)]
            query = f"q{update_id}"
            sandbox.callbacks[query] = False
            raw = {"callback_query": {"id": query, "from": sender(person, sandbox),
                   "chat_instance": "1", "data": button["callback_data"],
                   "message": sandbox.message_json(shown)}}  # fmt: skip
            if kind == "double_tap":
                await world.feed({"update_id": update_id, **raw})
                update_id = next(world.update_ids)
                query = f"q{update_id}"
                sandbox.callbacks[query] = False
                raw = {"callback_query": {**raw["callback_query"], "id": query}}
        elif kind == "press_forged":
            shown = user.messages[-1] if user.messages else None
            query = f"q{update_id}"
            sandbox.callbacks[query] = False
            raw = {"callback_query": {"id": query, "from": sender(person, sandbox),
                   "chat_instance": "1", "data": detail or "x"}}  # fmt: skip
            if shown is not None:
                raw["callback_query"]["message"] = sandbox.message_json(shown)
        elif kind == "text":
            raw = {"message": message(world, person, user.chat, text=detail or "…")}
        elif kind == "command":
            name, argument, mention = detail
            raw = {"message": message(world, person, user.chat, **command(name, argument, mention))}
        elif kind == "voice":
            voice = {"file_id": "f", "file_unique_id": "f", "duration": 3}
            raw = {"message": message(world, person, user.chat, voice=voice)}
        elif kind == "media":
            raw = {"message": message(world, person, user.chat, **detail)}
        elif kind == "edited":
            raw = {"edited_message": {**message(world, person, user.chat, text="edited"),
                                      "edit_date": int(time.time())}}  # fmt: skip
        else:
            private = False
            if kind == "group":
                raw = {"message": message(world, person, GROUP, **command("start", "", ""))}
            elif kind == "channel":
                raw = {"channel_post": message(world, None, CHANNEL_CHAT, text="news")}
            elif kind == "anonymous":
                raw = {"message": message(world, None, GROUP, text="hello",
                                          sender_chat=GROUP.to_json())}  # fmt: skip
            else:
                bot = {"id": BOT_ID, "is_bot": True, "first_name": "B", "username": BOT_USERNAME}
                raw = {"my_chat_member": {
                    "chat": GROUP.to_json(), "from": sender(person, sandbox),
                    "date": int(time.time()),
                    "old_chat_member": {"status": "left", "user": bot},
                    "new_chat_member": {"status": "member", "user": bot}}}  # fmt: skip
        await world.feed({"update_id": update_id, **raw})
        if query is not None:
            assert sandbox.callbacks[query], f"{kind}: the press was answered"
        elif private:
            after = len(user.messages), sum(m.edits for m in user.messages)
            assert after != before, f"{kind} {detail!r}: the person got an answer"


async def check_database(database: db.Database) -> None:
    async with database.transaction() as session:
        unhandled = await session.scalar(
            select(func.count()).where(ReceivedUpdate.handled_at.is_(None))
        )
        assert unhandled == 0
        revisions = (
            await session.execute(
                select(
                    Answer.conversation_id,
                    Answer.question_id,
                    func.count(),
                    func.max(Answer.revision),
                ).group_by(Answer.conversation_id, Answer.question_id)
            )
        ).all()  # fmt: skip
        assert all(count == most for _, _, count, most in revisions), "revisions 1..n"
        orphans = await session.scalar(select(func.count()).where(Answer.participant_id.is_(None)))
        assert orphans == 0, "every answer belongs to a person (forgotten ones are anonymous)"
        unconsented = await session.scalar(
            select(func.count()).select_from(Participant).where(Participant.consent_at.is_(None))
        )
        assert unconsented == 0, "nothing is stored about a person before they agree"
        for state, version in (
            await session.execute(select(Conversation.state, Conversation.version))
        ).all():
            assert version >= 1 and state["status"] in ("new", "active", "paused", "finished")
        await session.scalar(select(func.count()).select_from(Membership))


@pytest.fixture
async def world(server: SandboxServer, database_url: str) -> AsyncIterator[World]:
    database = db.Database(database_url)
    async with database.transaction() as session:
        territory = await Repository(session).create_territory(
            name="Fuzz", country="SN", timezone="Africa/Dakar", language="fr"
        )
    made = World(server, database, territory.join_code)
    yield made
    await made.bot.session.close()
    await database.dispose()


class Failures(logging.Handler):
    """Every ERROR logged (an update that failed logs one)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def failures() -> Iterator[Failures]:
    handler = Failures()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(plan=steps())
async def test_random_update_sequences(
    world: World, failures: Failures, plan: list[tuple[str, Any]]
) -> None:
    failures.records.clear()  # the handler lives as long as the test, across examples
    await run(world, plan)
    assert failures.records == [], failures.records[0].getMessage()
    await check_database(world.database)
