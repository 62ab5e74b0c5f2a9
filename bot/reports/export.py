"""Exports of one or more territories' answers, in a facilitator's language: an XLSX workbook
(answers in long format, one sheet per block in wide format, scores, a codebook) and a CSV of
the long format (UTF-8 with a byte order mark, so spreadsheet programs show accents).

Pseudonymous: a person is their pseudonym (P-0007) and role, never a name or a channel id.
Button answers kept after someone asked to be forgotten appear in the long format with no
pseudonym (they count in the figures); that person's written and spoken answers are gone.

Fast: the answers are read once; labels are computed once per distinct answer; in the
workbook, cells that repeat (a person's pseudonym, a question's text, a chosen level) are
rendered once and reused (see `bot.reports.xlsx`).
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from operator import itemgetter
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot import texts
from bot.reports.collector import collector_paused
from bot.reports.xlsx import EMPTY, Cell, Workbook
from dialogs.conditions import COMMENTS
from dialogs.engine import SCALE_EXTRA_LABELS
from dialogs.i18n import Translator, available_languages, language_name, translator
from dialogs.model import DONT_KNOW, NOT_APPLICABLE, Flow, Question
from dialogs.render import describe_answer
from dialogs.scoring import item_score
from dialogs.summary import BlockSummary, Stats, answered_by_person, role_group, summarise
from dialogs.texts import Msg
from storage.models import Territory
from storage.reports import AnswerRow, KeptAnswer, Reports, pseudonym

Progress = Callable[[int], None]
"""Told how many more steps are done (rows written, people scored), for a progress bar; how
many there are in all: `steps`."""
STEP = 2_000
"""Steps between two calls of a `Progress`."""
CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""A text starting so could be run as a formula by a spreadsheet program opening the CSV."""
GROUP_NAMES = {
    "government": texts.GROUP_GOVERNMENT,
    "sse": texts.GROUP_SSE,
    None: texts.GROUP_OTHER,
}
UNKNOWN_POSITION = (1_000_000, 1_000_000)
"""Where an answer to a question no longer in its flow goes: last."""


@dataclass(frozen=True)
class Place:
    """A territory as an export needs it (plain values, usable after the transaction)."""

    id: int
    name: str
    timezone: str
    profile: Mapping[str, Any] | None

    @classmethod
    def of(cls, territory: Territory) -> Place:
        return cls(territory.id, territory.name, territory.timezone, territory.profile)

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass
class Answerer:
    """A person with answers in a territory, as `dialogs.summary` reads them."""

    territory_id: int
    number: int
    language: str | None
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    """By flow id, then question id."""
    rows: list[AnswerRow] = field(default_factory=list)

    @property
    def pseudonym(self) -> str:
        return pseudonym(self.number)

    @cached_property
    def group(self) -> str | None:
        return role_group(self.answers)


@dataclass(frozen=True)
class ExportData:
    """Everything an export reads, fetched once (see `gather`)."""

    places: Sequence[Place]
    flows: Mapping[str, Flow]
    rows: Sequence[AnswerRow]
    """Current answers (as `storage.reports.Reports.answer_rows` gives them)."""
    kept: Sequence[KeptAnswer]
    finished: Mapping[int, Mapping[str, int]]
    """Per territory, per flow: how many people finished it."""
    longs: dict[str, Long] = field(default_factory=dict, compare=False, repr=False)
    """The long format per language, built once (see `long_format`)."""

    @cached_property
    def people(self) -> dict[tuple[int, int], Answerer]:
        """Everyone with an answer, by (territory id, pseudonym number), in that order."""
        found: dict[tuple[int, int], Answerer] = {}
        for row in self.rows:
            key = (row.territory_id, row.number)
            person = found.get(key)
            if person is None:
                person = found[key] = Answerer(*key, row.language)
            person.answers.setdefault(row.flow_id, {})[row.question_id] = row.value
            person.rows.append(row)
        return dict(sorted(found.items()))

    @cached_property
    def ordered_flows(self) -> list[Flow]:
        return sorted(self.flows.values(), key=lambda f: f.order)

    def people_of(self, place: Place) -> list[Answerer]:
        return [p for p in self.people.values() if p.territory_id == place.id]

    def summaries(self, place: Place) -> list[BlockSummary]:
        """The territory's figures per block, as `/summary` computes them."""
        kept = [k for k in self.kept if k.territory_id == place.id]
        return summarise(
            self.flows, self.people_of(place), kept, place.profile, self.finished.get(place.id)
        )


async def gather(
    session: AsyncSession, territories: Sequence[Territory], flows: Mapping[str, Flow]
) -> ExportData:
    """Read what an export of these territories needs: every current answer once, the
    anonymous kept answers, and per territory how many finished each block (counted in SQL)."""
    places = sorted((Place.of(t) for t in territories), key=lambda p: (p.name.casefold(), p.id))
    ids = [p.id for p in places]
    reports = Reports(session)
    finished = {}
    for place in places:
        progress = await reports.progress(place.id)
        finished[place.id] = {f: b.finished for f, b in progress.blocks.items()}
    with collector_paused():
        rows = await reports.answer_rows(ids)
    return ExportData(places, flows, rows, await reports.kept_answers(ids), finished)


# ---------------------------------------------------------------- file names


def file_name(
    places: Sequence[Place], day: date, extension: str, *, everything: bool = False
) -> str:
    """A safe ASCII name: the territory's name (or 'all-territories') and the day."""
    if len(places) == 1 and not everything:
        ascii_name = unicodedata.normalize("NFKD", places[0].name).encode("ascii", "ignore")
        slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.decode().lower()).strip("-")[:60].strip("-")
        stem = slug or f"territory-{places[0].id}"
    else:
        stem = "all-territories"
    return f"{stem}-{day.isoformat()}.{extension}"


def today_in(places: Sequence[Place], now: datetime) -> date:
    """The day in the territory's time zone (one territory), else in UTC."""
    return now.astimezone(places[0].zone).date() if len(places) == 1 else now.date()


# ---------------------------------------------------------------- labels


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 2)


def raw_value(value: Mapping[str, Any]) -> Cell:
    """What was answered, as codes: choice id(s) (space-separated), a number, the text,
    "dk", "na", or "voice"."""
    if value.get("dk"):
        return DONT_KNOW
    if value.get("na"):
        return NOT_APPLICABLE
    if "choice" in value:
        return str(value["choice"])
    if "choices" in value:
        return " ".join(value["choices"])
    if "number" in value:
        number = value["number"]
        return number if isinstance(number, int | float) else str(number)
    if "voice" in value:
        return "voice"
    text = value.get("text")
    return str(text) if text is not None else None


Described = tuple[Cell, Cell, Cell]
"""An answer's label (in the export's language), raw value and score (0–3)."""


class Labels:
    """Texts in the export's language, each computed once: blocks, questions, answers."""

    def __init__(self, flows: Mapping[str, Flow], tr: Translator) -> None:
        self.flows = flows
        self.tr = tr
        self._answers: dict[tuple[Any, ...], Described] = {}
        self._seen: dict[tuple[str, str, int], tuple[Mapping[str, Any], Described]] = {}

    def block(self, flow: Flow) -> str:
        return self.tr(flow.short_title or flow.title)

    def question(self, flow_id: str, question_id: str) -> tuple[Cell, ...]:
        """Block id, block, question id, question (a question no longer in its flow keeps its
        ids, with no text)."""
        flow = self.flows.get(flow_id)
        question = flow.question(question_id) if flow is not None else None
        return (
            flow_id,
            self.block(flow) if flow is not None else "",
            question_id,
            " ".join(self.tr(question.text).split()) if question is not None else "",
        )

    def answer(self, flow_id: str, question_id: str, value: Mapping[str, Any]) -> Described:
        """The same tuple for the same button answer to the same question."""
        seen = self._seen.get((flow_id, question_id, id(value)))
        if seen is not None and seen[0] is value:  # rows share equal values (answer_rows)
            return seen[1]
        if "text" in value and len(value) == 1:  # typed: itself, every time different
            text = str(value["text"])
            return (text, text, None)
        if "voice" in value:
            return self._describe(flow_id, question_id, value)
        if COMMENTS in value:  # a button answer with what was written or said on it
            return self._describe(flow_id, question_id, value)
        choices = value.get("choices")
        if choices is not None:
            key: tuple[Any, ...] = (flow_id, question_id, "choices", *choices)
        else:
            key = (flow_id, question_id, *value.items())
        found = self._answers.get(key)
        if found is None:
            found = self._answers[key] = self._describe(flow_id, question_id, value)
        self._seen[(flow_id, question_id, id(value))] = (value, found)
        return found

    def _describe(self, flow_id: str, question_id: str, value: Mapping[str, Any]) -> Described:
        raw = raw_value(value)
        flow = self.flows.get(flow_id)
        question = flow.question(question_id) if flow is not None else None
        if question is None:
            return ("" if raw is None else str(raw), raw, None)
        score = item_score(question, value)
        return (
            describe_answer(question, value, self.tr),
            raw,
            None if score is None else _number(score),
        )


# ---------------------------------------------------------------- the long format


LongItem = tuple[int, Described, datetime | None]
"""One answer: its question (an index into `Long.questions`), the answer, and when (in the
territory's time zone; None for a kept answer). A plain tuple: a territory may have a hundred
thousand of them."""


@dataclass
class LongPerson:
    """A person's rows of the long format, or a territory's kept anonymous answers."""

    cells: tuple[Cell, ...]
    """Territory, pseudonym, role group."""
    language: str
    items: list[LongItem]


@dataclass
class Long:
    """The long format: a row per answer, by territory, pseudonym, block and question, then
    each territory's kept anonymous answers (by question and value: an order that says nothing
    about whose they were). Rows are grouped by person, and name their question by index: the
    cells of a person and of a question are the same on many rows, and are rendered once."""

    labels: Labels
    header: list[str]
    questions: list[tuple[Cell, ...]]
    """Block id, block, question id, question."""
    people: list[LongPerson]

    WIDTHS = (18, 11, 20, 15, 24, 16, 60, 32, 18, 11, 26, 10)

    @classmethod
    def of(cls, data: ExportData, labels: Labels) -> Long:
        tr = labels.tr
        header = [
            tr(texts.TERRITORY),
            tr(texts.COLUMN_PSEUDONYM),
            tr(texts.COLUMN_ROLE_GROUP),
            tr(texts.COLUMN_BLOCK_ID),
            tr(texts.BLOCK),
            tr(texts.COLUMN_QUESTION_ID),
            tr(texts.QUESTION),
            tr(texts.COLUMN_ANSWER),
            tr(texts.COLUMN_RAW),
            tr(texts.SCORE_0_3),
            tr(texts.COLUMN_ANSWERED_AT),
            tr(texts.COLUMN_LANGUAGE),
        ]
        order = {
            (flow.id, q.id): (flow.order, i)
            for flow in data.flows.values()
            for i, q in enumerate(flow.questions)
        }
        present = {(r.flow_id, r.question_id) for r in data.rows}
        present |= {(k.flow_id, k.question_id) for k in data.kept}
        ranked = sorted(present, key=lambda key: (order.get(key, UNKNOWN_POSITION), key))
        index: dict[str, dict[str, int]] = {}
        for n, (flow_id, question_id) in enumerate(ranked):
            index.setdefault(flow_id, {})[question_id] = n
        kept: dict[int, list[KeptAnswer]] = {}
        for item in data.kept:
            kept.setdefault(item.territory_id, []).append(item)
        answer = labels.answer
        people: list[LongPerson] = []
        for place in data.places:
            zone = place.zone
            for person in data.people_of(place):
                items = [
                    (
                        index[row.flow_id][row.question_id],
                        answer(row.flow_id, row.question_id, row.value),
                        row.answered_at.astimezone(zone),
                    )
                    for row in person.rows
                ]
                items.sort(key=itemgetter(0))
                cells = (place.name, person.pseudonym, tr(GROUP_NAMES[person.group]))
                people.append(LongPerson(cells, person.language or "", items))
            anonymous = sorted(
                kept.get(place.id, ()),
                key=lambda k: (
                    index[k.flow_id][k.question_id],
                    repr(sorted(k.value.items())),
                ),
            )
            people.append(
                LongPerson(
                    (place.name, "", tr(texts.ANONYMOUS)),
                    "",
                    [
                        (
                            index[k.flow_id][k.question_id],
                            answer(k.flow_id, k.question_id, k.value),
                            None,
                        )
                        for k in anonymous
                    ],
                )
            )
        questions = [labels.question(*key) for key in ranked]
        return cls(labels, header, questions, people)


def long_format(data: ExportData, tr: Translator) -> Long:
    """The long format in a language, built once per export and language."""
    if tr.language not in data.longs:
        data.longs[tr.language] = Long.of(data, Labels(data.flows, tr))
    return data.longs[tr.language]


class _Ticker:
    """Calls a `Progress` every STEP answers, and once at the end with the rest."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.pending = 0

    def add(self, count: int = 1) -> None:
        self.pending += count
        if self.progress is not None and self.pending >= STEP:
            self.progress(self.pending)
            self.pending = 0

    def close(self) -> None:
        if self.progress is not None and self.pending:
            self.progress(self.pending)
        self.pending = 0


# ---------------------------------------------------------------- CSV


def csv_table(data: ExportData, tr: Translator, progress: Progress | None = None) -> bytes:
    """The long format as CSV: UTF-8 with a byte order mark, one header row. The cells of a
    person, of a question and of a button answer are written once and reused."""
    with collector_paused():
        return _csv_table(data, tr, progress)


def _csv_table(data: ExportData, tr: Translator, progress: Progress | None) -> bytes:
    long = long_format(data, tr)
    questions = [_csv_cells(cells) for cells in long.questions]
    answers: dict[int, tuple[Described, str]] = {}
    out = io.StringIO()
    out.write(_csv_cells(long.header) + "\r\n")
    write = out.write
    ticker = _Ticker(progress)
    for person in long.people:
        who = _csv_cells(person.cells)
        language = _csv_field(person.language)
        for question, answer, answered_at in person.items:
            found = answers.get(id(answer))
            if found is None:
                found = answers[id(answer)] = (answer, _csv_cells(_csv_safe(answer)))
            when = "" if answered_at is None else answered_at.isoformat(timespec="seconds")
            write(f"{who},{questions[question]},{found[1]},{when},{language}\r\n")
        ticker.add(len(person.items))
    ticker.close()
    return out.getvalue().encode("utf-8-sig")


_CSV_QUOTE = re.compile(r'[,"\r\n]')


def _csv_cells(values: Sequence[Cell]) -> str:
    """Cells as one CSV line without its end, quoted only where needed (as `csv` does)."""
    return ",".join(map(_csv_field, values))


def _csv_field(value: Cell) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        return str(value)
    if _CSV_QUOTE.search(value):
        return '"' + value.replace('"', '""') + '"'
    return value


def _csv_safe(answer: Described) -> Described:
    """Typed text that a spreadsheet program would run as a formula, kept as text."""
    label, raw, score = answer
    if isinstance(label, str) and label.startswith(CSV_FORMULA_START):
        label = "'" + label
    if isinstance(raw, str) and raw.startswith(CSV_FORMULA_START):
        raw = "'" + raw
    return (label, raw, score)


# ---------------------------------------------------------------- XLSX


def workbook(data: ExportData, tr: Translator, progress: Progress | None = None) -> bytes:
    """The workbook: answers (long), one sheet per block (wide), scores, codebook."""
    with collector_paused():
        book = Workbook()
        ticker = _Ticker(progress)
        long = long_format(data, tr)
        _answers_sheet(book, long, tr, ticker)
        _block_sheets(book, data, long.labels, ticker)
        _scores_sheet(book, data, tr, ticker)
        ticker.close()
        _codebook_sheet(book, data, tr)
        return book.to_bytes()


def _answers_sheet(book: Workbook, long: Long, tr: Translator, ticker: _Ticker) -> None:
    sheet = book.add_sheet(tr(texts.SHEET_ANSWERS), long.header, Long.WIDTHS, autofilter=True)
    cells, cell, append = book.cells, book.cell, sheet.rows.append
    questions = [cells(values) for values in long.questions]
    answers: dict[int, tuple[Described, str]] = {}
    for person in long.people:
        who = cells(person.cells)
        language = cell(person.language)
        for question, answer, answered_at in person.items:
            found = answers.get(id(answer))
            if found is None:
                found = answers[id(answer)] = (answer, cells(answer))
            when = cell(answered_at)
            append(f"<row>{who}{questions[question]}{found[1]}{when}{language}</row>")
        ticker.add(len(person.items))


def _block_sheets(book: Workbook, data: ExportData, labels: Labels, ticker: _Ticker) -> None:
    """One sheet per block: a row per person who answered in it, a column per question; a
    multi-select as one column of labels and a 0/1 column per choice (as KoBoToolbox does)."""
    tr = labels.tr
    places = {p.id: p for p in data.places}
    order = {p.id: i for i, p in enumerate(data.places)}
    people = sorted(data.people.values(), key=lambda p: (order[p.territory_id], p.number))
    for flow in data.ordered_flows:
        answered = [p for p in people if p.answers.get(flow.id)]
        if not answered:
            continue
        header: list[str] = [
            tr(texts.TERRITORY),
            tr(texts.COLUMN_PSEUDONYM),
            tr(texts.COLUMN_ROLE_GROUP),
            tr(texts.COLUMN_LANGUAGE),
        ]
        widths: list[float] = [18, 11, 20, 10]
        for q in flow.questions:
            header.append(q.id)
            widths.append(24 if q.kind in ("text", "multi") else 16)
            if q.kind == "multi":
                header += [f"{q.id}/{c.id}" for c in q.choices]
                widths += [max(8, len(q.id) + len(c.id) + 3) for c in q.choices]
        sheet = book.add_sheet(
            labels.block(flow), header, widths, freeze_columns=2, autofilter=True
        )
        fragments: dict[tuple[str, int], tuple[Described, str]] = {}
        for person in answered:
            given = person.answers[flow.id]
            parts = [
                book.cells(
                    (
                        places[person.territory_id].name,
                        person.pseudonym,
                        tr(GROUP_NAMES[person.group]),
                        person.language or "",
                    )
                )
            ]
            for q in flow.questions:
                value = given.get(q.id)
                if value is None:
                    parts.append(EMPTY * (1 + len(q.choices) if q.kind == "multi" else 1))
                elif "text" in value or "voice" in value or "number" in value:
                    parts.append(book.cell(_wide_value(labels, flow, q, value)))
                else:
                    described = labels.answer(flow.id, q.id, value)
                    found = fragments.get((q.id, id(described)))
                    if found is None:
                        found = (described, book.cells(_wide_cells(q, value, described)))
                        fragments[(q.id, id(described))] = found
                    parts.append(found[1])
            sheet.append_cells("".join(parts))
            ticker.add(len(given))


def _wide_value(labels: Labels, flow: Flow, q: Question, value: Mapping[str, Any]) -> Cell:
    """A typed answer: the number itself, else the label (the text, or "voice note (N s)")."""
    if "number" in value and isinstance(value["number"], int | float):
        return value["number"]
    return labels.answer(flow.id, q.id, value)[0]


def _wide_cells(q: Question, value: Mapping[str, Any], described: Described) -> list[Cell]:
    cells: list[Cell] = [described[0]]
    if q.kind == "multi":
        chosen = value.get("choices")
        if chosen is None:  # don't know, not applicable
            cells += [None] * len(q.choices)
        else:
            cells += [1 if c.id in chosen else 0 for c in q.choices]
    return cells


def _stats_cells(stats: Stats | None) -> list[Cell]:
    if stats is None:
        return [None] * 7
    return [
        stats.count,
        stats.mean,
        stats.percent,
        stats.minimum,
        stats.maximum,
        stats.q1,
        stats.q3,
    ]


def _scores_sheet(book: Workbook, data: ExportData, tr: Translator, ticker: _Ticker) -> None:
    """Per territory and block, the figures of `/summary` (`dialogs.summary.summarise`, one
    pass): everyone, then officials and SSE organisations where the summary shows them (at
    least `MIN_GROUP` people with a score); a group's confidence is not computed there."""
    header = [
        tr(texts.TERRITORY),
        tr(texts.COLUMN_BLOCK_ID),
        tr(texts.BLOCK),
        tr(texts.COLUMN_GROUP),
        tr(texts.COLUMN_PEOPLE),
        tr(texts.FINISHED),
        tr(texts.COLUMN_SCORED),
        tr(texts.COLUMN_MEAN),
        tr(texts.SCORE_0_100),
        tr(texts.COLUMN_LOWEST),
        tr(texts.COLUMN_HIGHEST),
        tr(texts.COLUMN_Q1),
        tr(texts.COLUMN_Q3),
        tr(texts.CONFIDENCE),
        tr(texts.COLUMN_DONT_KNOW),
    ]
    widths = (18, 15, 26, 20, 9, 9, 12, 11, 12, 9, 9, 12, 12, 11, 12)
    sheet = book.add_sheet(tr(texts.SHEET_SCORES), header, widths, autofilter=True)
    for place in data.places:
        people = data.people_of(place)
        for summary in data.summaries(place):
            flow = data.flows[summary.flow_id]
            block = tr(flow.short_title or flow.title)
            sheet.append(
                [
                    place.name,
                    flow.id,
                    block,
                    tr(texts.EVERYONE),
                    summary.respondents,
                    summary.finished,
                    *_stats_cells(summary.score),
                    summary.confidence,
                    summary.dont_know_share.get("all"),
                ]
            )
            for group, stats in summary.groups.items():
                members = sum(
                    1
                    for p in people
                    if p.group == group and answered_by_person(p.answers.get(flow.id))
                )
                sheet.append(
                    [
                        place.name,
                        flow.id,
                        block,
                        tr(GROUP_NAMES[group]),
                        members,
                        None,
                        *_stats_cells(stats),
                        None,
                        summary.dont_know_share.get(group),
                    ]
                )
        ticker.add(len(people))


def _codebook_sheet(book: Workbook, data: ExportData, tr: Translator) -> None:
    """Every block, question and answer code, with its text in every language."""
    languages = available_languages()
    translators = [translator(lang) for lang in languages]
    header = [
        tr(texts.COLUMN_BLOCK_ID),
        tr(texts.COLUMN_QUESTION_ID),
        tr(texts.COLUMN_TYPE),
        tr(texts.COLUMN_CODE),
        tr(texts.SCORE_0_3),
        *(language_name(lang) for lang in languages),
    ]
    widths = (15, 16, 9, 20, 11, *([60] * len(languages)))
    sheet = book.add_sheet(tr(texts.SHEET_CODEBOOK), header, widths, autofilter=True)

    def each(text: str | Msg, description: Msg | None = None) -> list[Cell]:
        out: list[Cell] = []
        for language in translators:
            line = " ".join(language.text(text if isinstance(text, Msg) else Msg(text)).split())
            if description is not None:
                line += " — " + " ".join(language.text(description).split())
            out.append(line)
        return out

    for flow in data.ordered_flows:
        sheet.append([flow.id, None, "block", None, None, *each(flow.title)])
        for q in flow.questions:
            sheet.append([flow.id, q.id, q.kind, None, None, *each(q.text)])
            for c in q.choices:
                score = None if c.score is None or not q.scored else _number(c.score)
                described = each(c.label_text, c.description_text)
                sheet.append([flow.id, q.id, None, c.id, score, *described])
            for code in (DONT_KNOW, NOT_APPLICABLE):
                if code in q.buttons:
                    sheet.append([flow.id, q.id, None, code, None, *each(SCALE_EXTRA_LABELS[code])])


def steps(data: ExportData, extension: str) -> int | None:
    """How many steps a format tells its `Progress` about (None: it does not say)."""
    rows = len(data.rows) + len(data.kept)
    if extension == "xlsx":  # the long sheet, the block sheets, the scores
        return rows + len(data.rows) + len(data.people)
    if extension == "csv":
        return rows
    return None


Builder = Callable[[ExportData, Translator, Progress | None], bytes]

FORMATS: dict[str, Builder] = {"xlsx": workbook, "csv": csv_table}
"""Export formats by file extension. Another format (an HTML report, say) registers itself
here; `sse-facilitator export --format` offers exactly these."""
