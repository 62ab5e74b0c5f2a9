"""Benchmark: `sse-facilitator report --all` for many territories of people who answered every
block, against a baseline measured in the same run (reading every conversation row once).

The data is seeded fast, with direct inserts: a few dozen people answer every block through
the real engine (random levels, "don't know", choices, words), and each seeded person copies
one of them. Run: python bench/report_all.py [--territories 50] [--people 1000]
[--database-url postgresql+asyncpg://...] (a fresh SQLite file by default; on PostgreSQL a
database is created and dropped).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from dialogs import engine
from dialogs.loader import load_flows
from dialogs.model import Flow, Question
from storage import db
from storage.models import Conversation, Membership, Participant, Territory

ROLES = ("official", "elected", "sse_org", "network", "researcher")
TEMPLATES = 40


def pick(question: Question, chance: random.Random) -> engine.Input:
    if question.id == "role":
        return engine.Choose(chance.choice(ROLES))
    if question.kind == "scale":
        return engine.Choose(chance.choice(["0", "1", "2", "2", "3", "dk"]))
    if question.kind == "multi":
        return engine.Toggle(chance.choice(question.choices).id)
    if question.kind == "choice":
        return engine.Choose(chance.choice(question.choices).id)
    if question.kind == "number":
        return engine.Number(chance.randint(1, 50))
    return engine.Text(f"An idea about {question.id}, number {chance.randint(1, 999)}.")


def answered_person(flows: Mapping[str, Flow], chance: random.Random) -> dict[str, Any]:
    """Every block answered through the real engine: flow id -> the conversation's state."""
    states: dict[str, Any] = {}
    for flow in sorted(flows.values(), key=lambda f: f.order):
        others = {f: s["answers"] for f, s in states.items()}
        state, outputs = engine.step(flow, None, engine.Start(), others)
        for _ in range(100):
            if any(isinstance(o, engine.Finished) for o in outputs):
                break
            asks = [o for o in outputs if isinstance(o, engine.Ask)]
            question = flow.question(asks[-1].question)
            assert question is not None
            given = pick(question, chance)
            state, outputs = engine.step(flow, state, given, others)
            if isinstance(given, engine.Toggle):
                state, outputs = engine.step(flow, state, engine.Done(question.id), others)
        states[flow.id] = state
    return states


async def seed(url: str, territories: int, people: int) -> None:
    flows = load_flows()
    chance = random.Random(8)
    templates = [answered_person(flows, chance) for _ in range(TEMPLATES)]
    now = datetime.now(UTC)
    engine_ = db.create_engine(url)
    async with engine_.begin() as connection:
        await connection.execute(
            insert(Territory),
            [
                {
                    "name": f"Territory {t:02d}",
                    "country": "SN",
                    "timezone": "Africa/Dakar",
                    "language": "fr",
                    "join_code": f"J{t:07d}",
                    "facilitator_code": f"F{t:07d}",
                    "last_number": people,
                    "created_at": now,
                }
                for t in range(1, territories + 1)
            ],
        )
        ids = list(
            (await connection.execute(select(Territory.id).order_by(Territory.id))).scalars()
        )
        for index, territory_id in enumerate(ids):
            first = index * people
            await connection.execute(
                insert(Participant),
                [
                    {
                        "channel": "telegram",
                        "external_id": str(first + n),
                        "display_name": "Secret Name",
                        "language": chance.choice(["en", "es", "fr"]),
                        "consent_at": now,
                        "created_at": now,
                    }
                    for n in range(people)
                ],
            )
            rows = await connection.execute(
                select(Participant.id)
                .where(Participant.external_id.in_([str(first + n) for n in range(people)]))
                .order_by(Participant.id)
            )
            participants = list(rows.scalars())
            await connection.execute(
                insert(Membership),
                [
                    {
                        "participant_id": p,
                        "territory_id": territory_id,
                        "role": "participant",
                        "joined_at": now,
                        "number": n + 1,
                    }
                    for n, p in enumerate(participants)
                ],
            )
            conversations = []
            for p in participants:
                states = templates[chance.randrange(TEMPLATES)]
                for flow_id, state in states.items():
                    conversations.append(
                        {
                            "participant_id": p,
                            "territory_id": territory_id,
                            "flow_id": flow_id,
                            "state": state,
                            "version": 1,
                            "started_at": now,
                            "updated_at": now,
                            "finished_at": now,
                        }
                    )
            await connection.execute(insert(Conversation), conversations)
            print(f"\rseeded {index + 1}/{territories} territories", end="", file=sys.stderr)
    print(file=sys.stderr)
    await engine_.dispose()


async def baseline(url: str) -> float:
    """Seconds to read every conversation row (with its JSON state) once."""
    engine_ = db.create_engine(url)
    start = time.perf_counter()
    async with engine_.connect() as connection:
        result = await connection.stream(select(Conversation.flow_id, Conversation.state))
        async for _ in result:
            pass
    elapsed = time.perf_counter() - start
    await engine_.dispose()
    return elapsed


def report(url: str, out: Path) -> float:
    """Seconds for `sse-facilitator report --all` (its own process, as an organiser runs it)."""
    script = Path(sys.executable).with_name("sse-facilitator")
    start = time.perf_counter()
    subprocess.run(
        [str(script), "report", "--all", "--out", str(out), "--language", "fr"],
        env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
        check=True,
    )
    return time.perf_counter() - start


async def postgres_database(server: str) -> tuple[str, str]:
    name = f"bench_report_{uuid.uuid4().hex[:8]}"
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return str(make_url(server).set(database=name).render_as_string(hide_password=False)), name


async def drop(server: str, name: str) -> None:
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--territories", type=int, default=50)
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--database-url", help="a PostgreSQL server URL (default: SQLite)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-report-"))
    created = None
    if args.database_url:
        url, created = asyncio.run(postgres_database(args.database_url))
    else:
        url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    try:
        db.upgrade(url)
        started = time.perf_counter()
        asyncio.run(seed(url, args.territories, args.people))
        print(f"seeding: {time.perf_counter() - started:.1f} s")
        floor = asyncio.run(baseline(url))
        took = report(url, folder / "report.html")
        size = (folder / "report.html").stat().st_size
        print(f"database: {db.safe_url(url)}")
        print(f"{args.territories} territories x {args.people} people, every block answered")
        print(f"baseline (read every conversation once): {floor:.2f} s")
        print(f"report --all: {took:.2f} s ({took / floor:.1f} x baseline), {size:,} bytes")
        print(f"target: under 30 s: {'yes' if took < 30 else 'NO'}")
    finally:
        if created is not None and args.database_url:
            asyncio.run(drop(args.database_url, created))


if __name__ == "__main__":
    main()
