"""`sse-facilitator export` as an organiser runs it: one territory by its code, or all, as
XLSX, CSV or HTML, on the test database (SQLite, or PostgreSQL with DATABASE_URL)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from storage.models import Territory
from storage.repository import Repository
from tests.bot.reports.browser import needs_chromium, opened
from tests.bot.test_cli import cli
from tests.exports import Sessions, as_text, csv_rows, records, seed, sheets, stored, wall_clock
from tests.seeding import Seeder, context, level


async def second_territory(sessions: Sessions) -> Territory:
    async with sessions() as session, session.begin():
        territory = await Repository(session).create_territory(
            name="Córdoba", country="AR", timezone="America/Argentina/Cordoba", language="es"
        )
    seeder = Seeder.for_(sessions)
    seeder.next_id = 920_000_000
    await seeder.person(territory, {"context": context("official"), "legal": level("3")})
    return territory


async def test_one_territory_by_its_code_as_xlsx_and_csv(
    tmp_path: Path, database_url: str, sessions: Sessions, territory: Territory
) -> None:
    await seed(sessions, territory)
    await second_territory(sessions)
    out = tmp_path / "marie.xlsx"
    code = territory.facilitator_code.lower()
    result = cli(
        "export", "--territory", code, "--out", str(out), "--language", "fr",
        cwd=tmp_path, database_url=database_url,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no progress bar when not on a terminal
    assert result.stdout == (
        f"Wrote {out}: {len(await stored(sessions, [territory]))} answers of 6 people "
        "in 1 territory (XLSX)\n"
    )
    long = records(sheets(out.read_bytes())["Réponses"])
    assert {r["Territoire"] for r in long} == {territory.name}
    assert sorted(
        [
            (r["Pseudonyme"], r["Id. du bloc"], r["Id. de la question"], r["Valeur brute"])
            for r in long
        ],
        key=repr,
    ) == await stored(sessions, [territory])

    result = cli(
        "export", "--territory", territory.join_code, "--format", "csv", "--out", str(tmp_path),
        cwd=tmp_path, database_url=database_url,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    day = datetime.now(UTC).date().isoformat()
    rows = csv_rows((tmp_path / f"dakar-plateau-co-{day}.csv").read_bytes())
    assert rows[0][:3] == ["Territory", "Pseudonym", "Role group"]
    assert len(rows) - 1 == len(await stored(sessions, [territory]))
    assert not list(tmp_path.glob(".*.partial"))


async def test_all_territories_in_one_file(
    tmp_path: Path, database_url: str, sessions: Sessions, territory: Territory
) -> None:
    await seed(sessions, territory)
    cordoba = await second_territory(sessions)
    result = cli("export", "--all", "--format", "csv", cwd=tmp_path, database_url=database_url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("answers of 7 people in 2 territories (CSV)\n")
    day = datetime.now(UTC).date().isoformat()
    rows = csv_rows((tmp_path / f"all-territories-{day}.csv").read_bytes())
    in_cordoba = len(await stored(sessions, [cordoba]))
    in_dakar = len(await stored(sessions, [territory]))
    assert [r[0] for r in rows[1:]] == ["Córdoba"] * in_cordoba + [territory.name] * in_dakar
    result = cli(
        "export", "--all", "--format", "csv", "--language", "es", "--out", str(tmp_path / "es.csv"),
        cwd=tmp_path, database_url=database_url,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    in_spanish = csv_rows((tmp_path / "es.csv").read_bytes())
    result = cli(
        "export", "--all", "--language", "es", "--out", str(tmp_path / "all.xlsx"),
        cwd=tmp_path, database_url=database_url,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    found = sheets((tmp_path / "all.xlsx").read_bytes())
    assert [as_text(row) for row in found["Respuestas"]] == wall_clock(in_spanish)
    scores = records(found["Puntajes"])
    assert {r["Territorio"] for r in scores} == {"Córdoba", territory.name}


def test_an_unknown_code_and_bad_options_are_refused_clearly(
    tmp_path: Path, database_url: str
) -> None:
    result = cli("export", "--territory", "ZZZZ2222", cwd=tmp_path, database_url=database_url)
    assert result.returncode == 2
    assert "no territory has the code 'ZZZZ2222'" in result.stderr
    assert "Traceback" not in result.stderr
    result = cli("export", "--all", cwd=tmp_path, database_url=database_url)
    assert result.returncode == 2
    assert "there are no territories yet" in result.stderr
    result = cli(
        "export", "--all", "--out", str(tmp_path / "nowhere" / "x.xlsx"),
        cwd=tmp_path, database_url=database_url,
    )  # fmt: skip
    assert result.returncode == 2
    assert "does not exist" in result.stderr
    result = cli("export", "--all", "--language", "de", cwd=tmp_path, database_url=database_url)
    assert result.returncode == 2
    assert "--language must be one of: en, es, fr" in result.stderr
    result = cli("export", "--all", "--format", "pdf", cwd=tmp_path, database_url=database_url)
    assert result.returncode == 2
    assert "invalid choice: 'pdf' (choose from 'xlsx', 'csv', 'html')" in result.stderr
    result = cli("export", cwd=tmp_path, database_url=database_url)
    assert result.returncode == 2
    assert "one of the arguments --territory --all is required" in result.stderr


@needs_chromium
async def test_html_a_territory_summary_or_every_territory_compared(
    tmp_path: Path, database_url: str, sessions: Sessions, territory: Territory
) -> None:
    await seed(sessions, territory)
    cordoba = await second_territory(sessions)
    result = cli(
        "export", "--territory", cordoba.facilitator_code, "--format", "html", "--language", "fr",
        "--out", str(tmp_path / "cordoba.html"), cwd=tmp_path, database_url=database_url,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith("the summary of 1 territory (HTML)\n")
    async with opened(tmp_path / "cordoba.html") as shown:
        # the page reads its text with innerText, which gives no-break spaces as spaces
        assert await shown.text("h1") == "Córdoba : synthèse"
        assert shown.requests == [shown.url]
    result = cli("export", "--all", "--format", "html", cwd=tmp_path, database_url=database_url)
    assert result.returncode == 0, result.stderr
    day = datetime.now(UTC).date().isoformat()
    async with opened(tmp_path / f"all-territories-{day}.html") as shown:
        table = await shown.text("table")
        assert "Córdoba" in table and territory.name in table
