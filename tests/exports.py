"""Reading exported files back as a person's spreadsheet program would (openpyxl, csv), and
what the database says they must hold."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import openpyxl
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.reports.export import raw_value
from dialogs import engine
from dialogs.model import Flow, Question
from dialogs.summary import BlockSummary, summarise
from storage.models import Territory
from storage.reports import Reports
from tests.seeding import Pick

Sessions = async_sessionmaker[AsyncSession]
Rows = list[tuple[Any, ...]]
BOM = b"\xef\xbb\xbf"


TIME_OFFSET = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)[+-]\d\d:\d\d$")


def sheets(data: bytes) -> dict[str, Rows]:
    """Every sheet's rows (values), by sheet name, in order."""
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        return {ws.title: [tuple(row) for row in ws.iter_rows(values_only=True)] for ws in book}
    finally:
        book.close()


def workbook(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def all_text(data: bytes) -> str:
    """Every part of an XLSX file (a zip of XML), as one text, to search for what must not
    be there."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return "\n".join(archive.read(name).decode("utf-8") for name in archive.namelist())


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(BOM)
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def as_text(row: Sequence[Any]) -> list[str]:
    """A sheet row as the CSV writes it (a time without its offset: see `wall_clock`)."""
    return [
        "" if v is None else _second(v).isoformat() if isinstance(v, datetime) else str(v)
        for v in row
    ]


def _second(value: datetime) -> datetime:
    """The nearest whole second (a spreadsheet stores a time as a fraction of a day)."""
    return (value + timedelta(microseconds=500_000)).replace(microsecond=0)


def wall_clock(rows: list[list[str]]) -> list[list[str]]:
    """CSV rows with each ISO time's UTC offset dropped, as a spreadsheet shows the time."""
    return [[TIME_OFFSET.sub(r"\1", cell) for cell in row] for row in rows]


def records(rows: Rows) -> list[dict[str, Any]]:
    """Rows as dicts by the header's names."""
    header = rows[0]
    return [dict(zip(header, row, strict=False)) for row in rows[1:]]


async def stored(
    sessions: Sessions, territories: Sequence[Territory]
) -> list[tuple[str, str, str, Any]]:
    """(pseudonym, flow id, question id, raw value) of every current answer in the database,
    with '' for the pseudonym of an anonymous kept answer."""
    ids = [t.id for t in territories]
    async with sessions() as session:
        reports = Reports(session)
        rows = await reports.answer_rows(ids)
        kept = await reports.kept_answers(ids)
    return sorted(
        [(r.pseudonym, r.flow_id, r.question_id, raw_value(r.value)) for r in rows]
        + [("", k.flow_id, k.question_id, raw_value(k.value)) for k in kept],
        key=repr,
    )


async def summaries(
    sessions: Sessions, territory: Territory, flows: Mapping[str, Flow]
) -> dict[str, BlockSummary]:
    """What `/summary` computes for the territory (respondents from their conversations)."""
    async with sessions() as session:
        reports = Reports(session)
        people = await reports.respondents([territory.id])
        kept = await reports.kept_answers([territory.id])
        progress = await reports.progress(territory.id)
    finished = {f: b.finished for f, b in progress.blocks.items()}
    return {s.flow_id: s for s in summarise(flows, people, kept, territory.profile, finished)}


def with_voice(pick: Pick, seconds: int) -> Pick:
    """Answer open questions that take a voice note with one of `seconds`."""

    def answer(question: Question) -> engine.Input:
        if question.kind == "text" and question.voice:
            return engine.Voice(f"voice-{question.id}", seconds)
        return pick(question)

    return answer


def dont_know(question_id: str, pick: Pick) -> Pick:
    """Answer "don't know" to one question."""

    def answer(question: Question) -> engine.Input:
        return engine.Choose("dk") if question.id == question_id else pick(question)

    return answer


def with_text(pick: Pick, text: str) -> Pick:
    """Answer open questions with `text`."""

    def answer(question: Question) -> engine.Input:
        if question.kind == "text":
            return engine.Text(text)
        return pick(question)

    return answer


SEEDED_IDS_FROM = 913_000_000
"""Seeded people's Telegram ids start above this: digits no file should ever hold."""
SECRET_TEXT = "Mon idée à moi, écrite par P-0006"


async def seed(sessions: Sessions, territory: Territory) -> list[Any]:
    """Six people: three in local government, three in SSE organisations, in three languages;
    P-0002 answers open questions with voice notes, P-0006 with a text of their own."""
    from tests.seeding import Seeder, context, level

    seeder = Seeder.for_(sessions)
    seeder.next_id = SEEDED_IDS_FROM
    plan = [
        ("official", "fr", {"legal": level("2"), "markets": level("1")}),
        ("elected", "es", {"legal": with_voice(level("3"), 12)}),
        ("official", "en", {"legal": dont_know("instrument", level("1"))}),
        ("sse_org", "fr", {"legal": level("1")}),
        ("network", "es", {"legal": level("0"), "markets": level("2")}),
        ("sse_org", "en", {"legal": with_text(level("2"), SECRET_TEXT)}),
    ]
    people = []
    for role, language, blocks in plan:
        people.append(
            await seeder.person(territory, {"context": context(role), **blocks}, language=language)
        )
    return people
