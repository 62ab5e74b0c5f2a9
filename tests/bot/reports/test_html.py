"""The HTML reports: `sse-facilitator report --all` and a territory's full summary opened in the
real headless Chromium (every territory, the database's numbers, no network, A4), escaping,
and finding a block from what a facilitator typed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.reports.briefing import (
    TerritorySummaries,
    find_block,
    gather,
    gather_scores,
    gather_scores_parallel,
)
from bot.reports.html import QUOTES_SHOWN, briefing, territory_report
from dialogs import engine
from dialogs.loader import load_flows
from dialogs.model import Question
from dialogs.summary import BlockSummary, OpenAnswer, Stats
from storage.models import Territory
from storage.reports import Reports
from storage.repository import Repository
from tests.bot.reports.browser import images_shown, needs_chromium, opened
from tests.seeding import Pick, Seeder, context, first_choice

FLOWS = load_flows()
BLOCKS = sorted((f for f in FLOWS.values() if f.scored), key=lambda f: f.order)
SCRIPT = Path(sys.executable).with_name("sse-facilitator")
Sessions = async_sessionmaker[AsyncSession]


def uniform(value: int) -> Pick:
    """The same level on every scored question ("don't know" on multi-selects), so the
    person's score on every block is exactly `value`."""

    def pick(question: Question) -> engine.Input:
        if question.kind == "scale":
            return engine.Choose(str(value))
        if question.kind == "multi" and question.scored:
            return engine.Choose("dk")
        if question.kind == "choice" and question.scored:
            return engine.Choose(next(c.id for c in question.choices if c.score == value))
        return first_choice(question)

    return pick


def everything(value: int, role: str = "sse_org") -> dict[str, Pick]:
    return {"context": context(role), **{f.id: uniform(value) for f in BLOCKS}}


def cli(*args: str, database_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PYTHONPATH")}
    env["DATABASE_URL"] = database_url
    return subprocess.run(
        [str(SCRIPT), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


async def create(sessions: Sessions, name: str) -> Territory:
    async with sessions() as session, session.begin():
        return await Repository(session).create_territory(
            name=name, country="SN", timezone="Africa/Dakar", language="fr"
        )


@needs_chromium
async def test_report_all_compares_every_territory(
    sessions: Sessions, territory: Territory, database_url: str, tmp_path: Path
) -> None:
    seeder = Seeder.for_(sessions)
    cordoba = await create(sessions, "Córdoba")
    zones = [await create(sessions, f"Zone {n}") for n in range(3, 8)]  # seven in all
    await seeder.person(territory, everything(1, "official"), language="fr")
    await seeder.person(territory, everything(3), language="es")
    await seeder.person(cordoba, everything(2), language="es")
    await seeder.person(cordoba, {}, language="es")  # joined, answered nothing
    await seeder.person(cordoba, {"context": context("official"), "markets": uniform(0)})
    for zone in zones:
        await seeder.person(zone, {"context": context("network"), "markets": uniform(3)})

    result = cli(
        "report", "--all", "--out", "report.html", "--language", "fr",
        database_url=database_url, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Wrote the comparison of 7 territories to report.html"
    data = (tmp_path / "report.html").read_bytes()
    assert b"Secret Name" not in data and b"<Plateau>" not in data

    expected = {
        territory.name: ("2", "2", {f.id: ("67", "n = 2") for f in BLOCKS}),
        "Córdoba": (
            "3",
            "2",
            {f.id: ("33", "n = 2") if f.id == "markets" else ("67", "n = 1") for f in BLOCKS},
        ),
        **{
            z.name: (
                "1",
                "1",
                {f.id: ("100", "n = 1") if f.id == "markets" else ("—",) for f in BLOCKS},
            )
            for z in zones
        },
    }
    async with opened(tmp_path / "report.html") as shown:
        page = shown.page
        assert await page.get_attribute("html", "lang") == "fr"
        assert await shown.text("h1") == "Comparaison des territoires"
        assert "7 territoires" in await shown.text("header")
        rows = page.locator("#comparison tbody tr")
        assert await rows.count() == 7
        for index in range(7):
            cells = rows.nth(index).locator("th, td")
            name = await cells.nth(0).inner_text()
            joined, answered, blocks = expected[name]
            assert [await cells.nth(i).inner_text() for i in (1, 2)] == [joined, answered]
            for column, flow in enumerate(BLOCKS, start=3):
                shown_cell = (await cells.nth(column).inner_text()).split("\n")
                assert tuple(shown_cell) == blocks[flow.id], (name, flow.id)
        head = await shown.text("#comparison thead")
        assert "1. Cadres juridiques" in head and "6. Accès aux marchés" in head
        assert await page.locator("figure.radar img").count() == 2  # six lines at most each
        assert all(width > 0 for width, _ in await images_shown(page))
        assert shown.requests == [shown.url]
        assert 2 <= await shown.pdf_pages(tmp_path / "report.pdf") <= 6


async def test_report_all_says_what_is_wrong(tmp_path: Path, database_url: str) -> None:
    def report(*args: str) -> subprocess.CompletedProcess[str]:
        return cli("report", "--all", *args, database_url=database_url, cwd=tmp_path)

    wrong = report("--out", "r.html", "--language", "de")
    assert wrong.returncode == 2 and "--language must be one of: en, es, fr" in wrong.stderr
    nowhere = report("--out", "no/such/r.html")
    assert nowhere.returncode == 2 and "does not exist" in nowhere.stderr
    empty = report("--out", "r.html")
    assert empty.returncode == 0, empty.stderr
    assert "No territories yet." in (tmp_path / "r.html").read_text(encoding="utf-8")


@needs_chromium
async def test_a_territory_full_summary_for_the_export(
    sessions: Sessions, territory: Territory, tmp_path: Path
) -> None:
    seeder = Seeder.for_(sessions)
    for value, role in ((1, "official"), (1, "elected"), (1, "official"), (3, "sse_org")):
        await seeder.person(territory, everything(value, role), language="fr")
    async with sessions() as session:
        page = await territory_report(Reports(session), territory, FLOWS, "es")
    (tmp_path / "territory.html").write_text(page, encoding="utf-8")
    async with opened(tmp_path / "territory.html") as shown:
        assert await shown.text("h1") == "Dakar <Plateau> & Co: resumen"
        for flow in BLOCKS:
            row = await shown.text(f'#overview tr[data-block="{flow.id}"]')
            # Levels 1, 1, 1 and 3: 1.5 (50/100), "Established"; officials 1.0 (n = 3).
            assert " 1,5 Establecido 50 4 " in row, row
            assert " 1–3 1–1,5 1 (n = 3) menos de 3 " in row, row
            assert await shown.page.locator(f"#block-{flow.id} h2").count() == 1
        assert shown.requests == [shown.url]
        assert await shown.pdf_pages(tmp_path / "territory.pdf") >= 9  # a page per block


def test_everything_written_is_escaped_and_nothing_is_fetched() -> None:
    flow = FLOWS["markets"]
    hostile = '"><img src=x onerror=alert(1)><script>alert(2)</script><marquee>'
    summary = BlockSummary(
        "markets",
        1,
        1,
        Stats.of([2.0]),
        1.0,
        open_answers=[OpenAnswer("P-0001", 'es"><marquee', "next_step", hostile)],
    )
    figures = [TerritorySummaries(1, f"Zone {hostile}", 1, 1, {"markets": summary})]
    page = briefing(flow, figures, "en")
    assert "<script>" not in page and "<img src=x" not in page and "<marquee" not in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert 'lang="es&quot;&gt;&lt;marquee"' in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    for outside in ("http:", "https:", "//", "@import", "url("):
        assert outside not in page.replace("data:image/svg+xml;base64,", ""), outside


def test_a_big_territory_shows_some_answers_per_question_and_says_where_the_rest_are() -> None:
    flow = FLOWS["markets"]
    answers = [OpenAnswer(f"P-{n:04d}", "fr", "next_step", f"Idée {n}") for n in range(1, 36)]
    answers.append(OpenAnswer("P-0040", "fr", "strength", None, "voice-1", 14))
    summary = BlockSummary("markets", 36, 36, Stats.of([2.0]), 1.0, open_answers=answers)
    figures = [TerritorySummaries(1, "Thiès", 40, 36, {"markets": summary})]
    page = briefing(flow, figures, "fr")
    assert page.count("Idée ") == QUOTES_SHOWN == 30
    assert "Idée 30<" in page and "Idée 31<" not in page
    assert "…et 5 autres réponses pour Thiès\u00a0: retrouvez-les toutes avec /export." in page
    assert "🎤 Message vocal (14 s)" in page  # in seconds, as in the chat


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("markets", "markets"),
        ("6", "markets"),
        ("Acceso a los mercados", "markets"),
        ("ACCES AUX MARCHES", "markets"),
        ("mercados", "markets"),
        ("legal", "legal"),
        ("Cadres juridiques", "legal"),
        ("1", "legal"),
        ("co-construction", "coconstruction"),
        ("données", "data"),
        ("zzz", None),
        ("0", None),
        ("9", None),
        ("context", None),
        ("a", None),
    ],
)
def test_find_a_block_by_id_number_or_title(typed: str, found: str | None) -> None:
    block = find_block(FLOWS, typed)
    assert (block.id if block else None) == found


async def test_briefing_gathers_only_the_territories_given(
    sessions: Sessions, territory: Territory
) -> None:
    other = await create(sessions, "Other")
    seeder = Seeder.for_(sessions)
    await seeder.person(territory, everything(2), language="fr")
    await seeder.person(other, everything(3), language="fr")
    async with sessions() as session:
        figures = await gather(Reports(session), [territory], FLOWS, only="markets")
    assert [f.name for f in figures] == [territory.name]
    assert list(figures[0].blocks) == ["markets"]
    score = figures[0].blocks["markets"].score
    assert score is not None and (score.mean, score.count) == (2.0, 1)


async def test_scores_at_scale_equal_the_summaries_in_one_process_or_two(
    sessions: Sessions, territory: Territory, database_url: str
) -> None:
    """`report --all` reads only answers and scores them fast, over two processes when there
    are many territories: the same figures as the summaries (a territory profile included)."""
    seeder = Seeder.for_(sessions)
    places = [territory, *[await create(sessions, f"Zone {n}") for n in range(2, 9)]]
    async with sessions() as session, session.begin():
        place = await session.get_one(Territory, places[1].id)
        place.profile = {"powers": {"choices": ["land"]}}  # no procurement: markets changes
    for index, place in enumerate(places[:3]):
        await seeder.person(place, everything(index % 4, "official"))
        await seeder.person(place, {"context": context("sse_org"), "markets": uniform(3)})
    await seeder.person(places[4], {}, language="es")
    async with sessions() as session:
        reports = Reports(session)
        current = list(await session.scalars(select(Territory).order_by(Territory.id)))
        full = await gather(reports, current, FLOWS)
        fast = await gather_scores(reports, current, FLOWS)
    parallel = await gather_scores_parallel(database_url, [t.id for t in places], workers=2)
    for many in (fast, parallel):
        assert [f.name for f in many] == [f.name for f in full]
        for quick, whole in zip(many, full, strict=True):
            assert (quick.joined, quick.respondents) == (whole.joined, whole.respondents)
            for flow in BLOCKS:
                a, b = quick.blocks[flow.id], whole.blocks[flow.id]
                assert (a.score, a.respondents, a.finished) == (b.score, b.respondents, b.finished)
    markets = [f.blocks["markets"].score for f in full[:3]]
    # without procurement power the five purchasing questions do not apply: one level each is
    # left in Zone 2, fewer than 3, so no one there has a score (2.0 if the profile were lost)
    assert [s.mean if s else None for s in markets] == [1.5, None, 2.5]
    assert full[1].blocks["markets"].respondents == 2
