"""Benchmark: scheduled messages at the scale of a world forum.

1. Planning: 10,000 participants in 500 territories (a third quiet in a started block, a
   third who never started, sessions ahead in half the territories), seeded straight into a
   fresh database. Times one planning pass (the first, which writes every row, and a second,
   which finds everything planned), next to a baseline measured in the same run: one query
   reading those participants and their memberships. Target: under 1 s.
2. A broadcast: 2,000 invitations sent by the dispatcher through the local Bot API server
   over HTTP, the server enforcing Telegram's limits (30 messages a second, one a second per
   chat, 429 beyond). Prints messages per second and how many 429s. Target: at least 25 a
   second, no 429.

Run: python bench/scheduling.py [--people 10000] [--territories 500] [--broadcast 2000]
[--database-url SERVER] (default: a fresh SQLite file; with a PostgreSQL server URL, a
database is created on it for the run and dropped).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import web
from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reports import drop, postgres_database

from bot.config import Settings
from bot.sandbox.server import BOT_ID, FloodControl, Sandbox, make_app
from bot.scheduling.dispatcher import Dispatcher
from bot.scheduling.planner import plan
from bot.telegram.app import create_bot
from bot.telegram.scheduled import TelegramChannel
from dialogs.loader import load_flows
from storage import db
from storage.models import Conversation, Membership, Participant, Territory
from storage.outbox import Outbox

NOW = datetime(2027, 5, 20, 12, 0, tzinfo=UTC)
ZONES = ("America/Argentina/Cordoba", "Africa/Dakar", "Europe/Paris", "Asia/Seoul")
TOKEN = f"{BOT_ID}:bench-{secrets.token_hex(8)}"


async def seed(
    database: db.Database, territories: int, people: int, first_id: int = 1, mixed: bool = True
) -> None:
    rng = random.Random(11)
    per = people // territories
    joined = NOW - timedelta(days=3)
    async with database.transaction() as session:
        await session.execute(
            insert(Territory),
            [
                {
                    "id": t + 1,
                    "name": f"Territory {t + 1}",
                    "country": "AR",
                    "timezone": ZONES[t % len(ZONES)],
                    "language": "es",
                    "join_code": f"J{t:07d}",
                    "facilitator_code": f"F{t:07d}",
                    "session_at": NOW + timedelta(days=5)
                    if t % 2 == 0 and territories > 1
                    else None,
                    "created_at": joined,
                    "last_number": per,
                }
                for t in range(territories)
            ],
        )
        participants, members, conversations = [], [], []
        for n in range(people):
            person, place = first_id + n, n // per % territories + 1
            participants.append(
                {
                    "id": person,
                    "channel": "telegram",
                    "external_id": str(person),
                    "language": rng.choice(("en", "es", "fr")),
                    "consent_at": joined,
                    "created_at": joined,
                }
            )
            members.append(
                {
                    "participant_id": person,
                    "territory_id": place,
                    "role": "participant",
                    "joined_at": joined,
                    "number": n % per + 1,
                }
            )
            # a third quiet in a started block for two days (due a nudge), a third who
            # answered an hour ago (due nothing), a third who never started (an invitation)
            last = {0: NOW - timedelta(days=2), 1: NOW - timedelta(hours=1)}.get(n % 3)
            if mixed and last is not None:
                conversations.append(
                    {
                        "participant_id": person,
                        "territory_id": place,
                        "flow_id": "legal",
                        "state": {"status": "active"},
                        "version": 1,
                        "started_at": joined,
                        "updated_at": last,
                    }
                )
        await session.execute(insert(Participant), participants)
        await session.execute(insert(Membership), members)
        if conversations:
            await session.execute(insert(Conversation), conversations)


async def planning(url: str, territories: int, people: int) -> None:
    database = db.Database(url)
    await seed(database, territories, people)

    async def baseline() -> None:
        async with database.transaction() as session:
            rows = await session.execute(
                select(
                    Membership.participant_id, Membership.territory_id, Participant.language
                ).join(Participant, Participant.id == Membership.participant_id)
            )
            rows.all()

    async def one_pass() -> int:
        async with database.transaction() as session:
            return (await plan(Outbox(session), NOW)).planned

    base = statistics.median([await timed(baseline) for _ in range(3)])
    first_start = time.perf_counter()
    planned = await one_pass()
    first = time.perf_counter() - first_start
    again = statistics.median([await timed(one_pass) for _ in range(3)])
    await database.dispose()
    print(f"planning: {people} participants in {territories} territories, {planned} rows")
    print(f"{'what':<52} {'seconds':>8} {'ratio':>6} {'target':>7}")
    print(f"{'baseline: read those participants once':<52} {base:>8.3f} {1:>6.1f}")
    for name, took in (("first pass (writes every row)", first), ("next passes", again)):
        print(f"{name:<52} {took:>8.3f} {took / base:>6.1f} {'< 1 s':>7}")


async def timed(work: object) -> float:
    start = time.perf_counter()
    await work()  # type: ignore[operator]
    return time.perf_counter() - start


async def broadcast(url: str, count: int) -> None:
    database = db.Database(url)
    await seed(database, 1, count, first_id=100_000, mixed=False)
    async with database.transaction() as session:
        await session.execute(
            Territory.__table__.update().values(schedule={"quiet": ["0:00", "0:00"]})
        )
        await plan(Outbox(session), NOW)
    sandbox = Sandbox(TOKEN)
    for n in range(count):
        sandbox.user(100_000 + n, f"P{n}")
    sandbox.flood_control = FloodControl()
    runner = web.AppRunner(make_app(sandbox), access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    port = runner.addresses[0][1]
    bot = create_bot(Settings(TOKEN, f"http://127.0.0.1:{port}", url, frozenset()))
    dispatcher = Dispatcher(database, TelegramChannel(bot), load_flows())
    try:
        start = time.perf_counter()
        handled = await dispatcher.tick(NOW)
        took = time.perf_counter() - start
    finally:
        await bot.session.close()
        await runner.cleanup()
        await database.dispose()
    sent = sum(1 for method, _ in sandbox.calls if method == "sendMessage")
    print(f"broadcast: {handled} rows, {sent} messages in {took:.1f} s")
    refused = sandbox.flood_control.refused
    print(f"  {sent / took:.1f} messages a second (target: at least 25, of 26 at most)")
    print(f"  {refused} answered 429 (target: 0)")


async def main(args: argparse.Namespace) -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-scheduling-"))
    try:
        for step, work in (
            ("planning", lambda url: planning(url, args.territories, args.people)),
            ("broadcast", lambda url: broadcast(url, args.broadcast)),
        ):
            created = None
            if args.database_url:
                url, created = await postgres_database(args.database_url)
            else:
                url = f"sqlite+aiosqlite:///{folder / f'{step}.db'}"
            try:
                await asyncio.to_thread(db.upgrade, url)
                await work(url)
            finally:
                if created is not None:
                    await drop(args.database_url, created)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--territories", type=int, default=500)
    parser.add_argument("--broadcast", type=int, default=2_000)
    parser.add_argument("--database-url", help="a PostgreSQL server URL (default: SQLite)")
    asyncio.run(main(parser.parse_args()))
