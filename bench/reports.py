"""Benchmark: facilitators' figures and files on big territories, against reading every
answer row of the territory once (the baseline, measured in the same run: these machines are
noisy, a ratio holds, a time does not).

Seeds a territory of N participants (default 1,000) who answered every block, with plausible
random answers (levels, don't know, not applicable, choices, texts, voice notes), straight into
the database. Then times, each as the median of a few runs:

  baseline   read every current answer row of the territory once
  summary    what /summary computes and draws: figures of every block and the radar chart
  export     what /export makes: the XLSX workbook and the CSV
  report     `report --all` over T territories (default 50) of N participants each
  report     `report --all` in its own process, against reading every conversation once

Run: python bench/reports.py [--people 1000] [--territories 50] [--database-url SERVER]
(default: a fresh SQLite file in a temporary folder; with a PostgreSQL server URL, a database
is created on it for the run and dropped). Targets: summary and export under 2 s
for 1,000 people; report --all under 30 s for 50 territories.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from dialogs import engine
from dialogs.loader import load_flows
from dialogs.model import Flow, Question
from storage import db
from storage.models import (
    Answer,
    Conversation,
    Membership,
    Participant,
)
from storage.repository import Repository

FLOWS = load_flows()
ROLES = ("official", "elected", "sse_org", "network", "researcher", "other")
WORDS = ("cooperativa", "feria", "mercado", "local", "compras", "crédito", "formación", "red")
LANGUAGES = ("en", "es", "fr")


def random_answer(rng: random.Random, q: Question) -> dict[str, Any] | None:
    """A plausible answer to a question, or None (skipped)."""
    roll = rng.random()
    if roll < 0.04:
        return None
    if q.kind == "scale":
        if q.dont_know and roll < 0.14:
            return {"dk": True}
        if q.not_applicable and roll < 0.18:
            return {"na": True}
        return {"choice": rng.choice(("0", "1", "2", "3"))}
    if q.kind == "choice":
        return {"choice": rng.choice(q.choices).id}
    if q.kind == "multi":
        plain = [c.id for c in q.choices if not c.exclusive]
        return {"choices": rng.sample(plain, rng.randint(1, min(3, len(plain))))}
    if q.kind == "number":
        return {"number": rng.randint(0, 500)}
    if roll < 0.2 and q.voice:
        voice = {"file_id": f"voice-{rng.getrandbits(48):x}", "duration": rng.randint(3, 90)}
        return {"voice": voice}
    return {"text": " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 25)))}


def finished_state(flow: Flow, answers: dict[str, Any]) -> dict[str, Any]:
    state = engine.new_state(flow)
    state.update(status="finished", answers=answers, history=list(answers))
    return state


async def seed(
    database: db.Database, territories: int, people: int, answer_rows: bool
) -> list[int]:
    """Territories of `people` participants who finished every block; answer rows too for
    the first territory when `answer_rows` (exports and the baseline read them)."""
    rng = random.Random(7)
    ids: list[int] = []
    started = datetime(2026, 11, 1, tzinfo=UTC)
    for index in range(territories):
        async with database.transaction() as session:
            territory = await Repository(session).create_territory(
                name=f"Territory {index + 1:02d}",
                country="AR",
                timezone="America/Argentina/Cordoba",
                language="es",
            )
            territory.last_number = people
            ids.append(territory.id)
            base = index * people
            await session.execute(
                insert(Participant),
                [
                    {
                        "id": base + n + 1,
                        "channel": "bench",
                        "external_id": str(base + n + 1),
                        "display_name": None,
                        "language": rng.choice(LANGUAGES),
                        "consent_at": started,
                        "created_at": started,
                    }
                    for n in range(people)
                ],
            )
            await session.execute(
                insert(Membership),
                [
                    {
                        "participant_id": base + n + 1,
                        "territory_id": territory.id,
                        "role": "participant",
                        "joined_at": started,
                        "number": n + 1,
                    }
                    for n in range(people)
                ],
            )
            conversations, answers = [], []
            conversation_id = index * people * len(FLOWS)
            for n in range(people):
                person_id = base + n + 1
                for flow in FLOWS.values():
                    given = {
                        q.id: a for q in flow.questions if (a := random_answer(rng, q)) is not None
                    }
                    if flow.id == "context":
                        given["role"] = {"choice": rng.choice(ROLES)}
                    conversation_id += 1
                    when = started + timedelta(minutes=conversation_id % 5000)
                    conversations.append(
                        {
                            "id": conversation_id,
                            "participant_id": person_id,
                            "territory_id": territory.id,
                            "flow_id": flow.id,
                            "state": finished_state(flow, given),
                            "version": 1,
                            "started_at": when,
                            "updated_at": when,
                            "finished_at": when,
                        }
                    )
                    if answer_rows and index == 0:
                        answers += [
                            {
                                "conversation_id": conversation_id,
                                "participant_id": person_id,
                                "territory_id": territory.id,
                                "flow_id": flow.id,
                                "question_id": qid,
                                "revision": 1,
                                "value": value,
                                "answered_at": when,
                            }
                            for qid, value in given.items()
                        ]
            await session.execute(insert(Conversation), conversations)
            if answers:
                await session.execute(insert(Answer), answers)
    return ids


async def timed(work: Callable[[], Awaitable[object]], repeats: int) -> float:
    """Seconds of one run, the median of `repeats` runs."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        await work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def report_all(url: str, out: Path) -> float:
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


async def main(args: argparse.Namespace) -> None:
    from bot.reports.charts import radar
    from bot.reports.export import csv_table, gather, workbook
    from bot.reports.figures import territory_figures
    from bot.reports.summary_text import radar_series, summary_sections
    from dialogs.i18n import translator

    tr = translator("fr")
    folder = Path(tempfile.mkdtemp(prefix="bench-reports-"))
    created = None
    if args.database_url:
        url, created = await postgres_database(args.database_url)
    else:
        url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    try:
        await asyncio.to_thread(db.upgrade, url)
        database = db.Database(url)
        started = time.perf_counter()
        await seed(database, args.territories, args.people, answer_rows=True)
        print(f"database: {db.safe_url(url)}")
        print(
            f"seeded {args.territories} territories x {args.people} people, every block "
            f"({time.perf_counter() - started:.1f} s)"
        )
        async with database.transaction() as session:
            first = (await Repository(session).territories())[0]

        async def baseline() -> None:
            async with database.transaction() as session:
                table = Answer.__table__
                rows = await session.execute(select(table).where(table.c.territory_id == first.id))
                rows.all()

        async def summary() -> None:
            async with database.transaction() as session:
                figures = await territory_figures(session, first, FLOWS)
            axes, series = radar_series(figures, FLOWS, tr)
            summary_sections(figures, FLOWS, tr)
            radar(axes, series)

        async def export() -> None:
            async with database.transaction() as session:
                data = await gather(session, [first], FLOWS)
            workbook(data, tr)
            csv_table(data, tr)

        async def every_conversation() -> None:
            async with database.transaction() as session:
                table = Conversation.__table__
                (await session.execute(select(table.c.flow_id, table.c.state))).all()

        base = await timed(baseline, args.repeats)
        print(f"{'what':<50} {'seconds':>8} {'ratio':>6} {'target':>7}")
        print(f"{'baseline: read every answer row of one territory':<50} {base:>8.3f} {1:>6.1f}")
        for name, work, target in (
            ("/summary: figures, texts, radar", summary, 2),
            ("/export: XLSX and CSV", export, 2),
        ):
            seconds = await timed(work, args.repeats)
            print(f"{name:<50} {seconds:>8.3f} {seconds / base:>6.1f} {f'< {target} s':>7}")
        if args.territories > 1:
            floor = await timed(every_conversation, 1)
            took = await asyncio.to_thread(report_all, url, folder / "report.html")
            print(f"{'baseline: read every conversation once':<50} {floor:>8.3f} {1:>6.1f}")
            line = f"report --all ({args.territories} territories)"
            print(f"{line:<50} {took:>8.3f} {took / floor:>6.1f} {'< 30 s':>7}")
        await database.dispose()
    finally:
        if created is not None and args.database_url:
            await drop(args.database_url, created)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--territories", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--database-url", help="a PostgreSQL server URL (default: SQLite)")
    asyncio.run(main(parser.parse_args()))
