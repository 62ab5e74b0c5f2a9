"""The command line as an operator runs it: the installed script, in a directory of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command

from storage import db

SCRIPT = Path(sys.executable).with_name("sse-facilitator")


def cli(*args: str, cwd: Path, database_url: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PYTHONPATH")}
    if database_url:
        env["DATABASE_URL"] = database_url
    return subprocess.run(
        [str(SCRIPT), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


def test_flows_check(tmp_path: Path) -> None:
    result = cli("flows", "check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:5] == ["context", "8", "questions", "0", "scored"]
    assert lines[1].split()[:5] == ["legal", "15", "questions", "8", "scored"]
    assert lines[-1].split()[:5] == ["session", "6", "questions", "0", "scored"]


CREATE = ["territory", "create", "--name", "Dakar <Plateau> & co", "--country", "sn"]
CREATE += ["--timezone", "Africa/Dakar", "--language", "fr", "--json"]


def test_territory_create_with_the_default_sqlite_file(tmp_path: Path) -> None:
    result = cli(*CREATE, "--session-at", "2027-06-01T16:15", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)
    assert created["name"] == "Dakar <Plateau> & co"
    assert created["country"] == "SN"
    assert created["session_at"] == "2027-06-01T16:15:00+00:00"
    assert len(created["join_code"]) >= 8
    assert len(created["facilitator_code"]) == 8
    assert created["facilitator_code"] != created["join_code"]
    assert (tmp_path / "sse-facilitator.db").exists()
    listed = json.loads(cli("territory", "list", "--json", cwd=tmp_path).stdout)
    assert [t["join_code"] for t in listed] == [created["join_code"]]
    assert [t["facilitator_code"] for t in listed] == [created["facilitator_code"]]


def test_territory_create_with_database_url(tmp_path: Path, database_url: str) -> None:
    first = cli(*CREATE, cwd=tmp_path, database_url=database_url)
    second = cli(*CREATE, "--allow-duplicate", cwd=tmp_path, database_url=database_url)
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert not (tmp_path / "sse-facilitator.db").exists()
    assert json.loads(first.stdout)["join_code"] != json.loads(second.stdout)["join_code"]
    listed = cli("territory", "list", cwd=tmp_path, database_url=database_url).stdout
    assert listed.count("Dakar <Plateau> & co") == 2


def test_a_database_behind_the_migrations(tmp_path: Path, database_url: str) -> None:
    command.downgrade(db.alembic_config(database_url), "base")
    listed = cli("territory", "list", cwd=tmp_path, database_url=database_url)
    if not db.is_sqlite(database_url):  # only SQLite is upgraded by itself
        assert listed.returncode == 2
        assert "is not up to date; run: sse-facilitator db upgrade" in listed.stderr
        upgraded = cli("db", "upgrade", cwd=tmp_path, database_url=database_url)
        assert upgraded.returncode == 0, upgraded.stderr
        assert upgraded.stdout.endswith(" is up to date\n")
        listed = cli("territory", "list", cwd=tmp_path, database_url=database_url)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith("No territories yet.")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("--country", "ZZ"), "--country 'ZZ' is not an ISO 3166 two-letter code"),
        (("--timezone", "Mars/Base"), "--timezone 'Mars/Base' is not an IANA time zone"),
        (("--language", "de"), "--language must be one of: en, es, fr"),
        (("--session-at", "tomorrow"), "--session-at 'tomorrow' is not an ISO date-time"),
    ],
)
def test_territory_create_refuses_bad_input(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    args = list(CREATE)
    if change[0] in args:
        args[args.index(change[0]) + 1] = change[1]
    else:
        args += change
    result = cli(*args, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unreachable_database_is_reported_without_its_password(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://app:s3cret@127.0.0.1:9/nowhere"
    result = cli("territory", "list", cwd=tmp_path, database_url=url)
    assert result.returncode == 1
    assert "cannot use the database at postgresql+asyncpg://app:***@127.0.0.1:9" in result.stderr
    assert "s3cret" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_territory_links_and_the_poster(tmp_path: Path) -> None:
    import io

    import zxingcpp
    from PIL import Image

    plain = cli(*CREATE[:-1], cwd=tmp_path)
    assert plain.returncode == 0, plain.stderr
    code = plain.stdout.split("Join code: ")[1].split()[0]
    assert f"Participants: /start {code}\n" in plain.stdout
    assert "https://" not in plain.stdout
    poster = tmp_path / "poster.png"
    made = cli(
        *CREATE, "--allow-duplicate", "--bot-username", "@my_sse_bot", "--qr", str(poster),
        cwd=tmp_path,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    created = json.loads(made.stdout)
    link = f"https://t.me/my_sse_bot?start={created['join_code']}"
    assert created["participant_link"] == link
    assert created["facilitator_link"].endswith(f"?start={created['facilitator_code']}")
    image = Image.open(io.BytesIO(poster.read_bytes()))
    assert [found.text for found in zxingcpp.read_barcodes(image)] == [link]
    svg = tmp_path / "poster.svg"
    made = cli(
        *CREATE[:-1], "--allow-duplicate", "--bot-username", "my_sse_bot", "--qr", str(svg),
        cwd=tmp_path,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert "Scannez ce code avec votre téléphone" in svg.read_text()
    assert f"Poster: {svg}" in made.stdout
    assert "Facilitators: /start " in made.stdout
    assert "(for facilitators only, do not share widely)" in made.stdout

    listed = cli("territory", "list", "--bot-username", "my_sse_bot", cwd=tmp_path)
    assert f"      Participants: /start {created['join_code']}  {link}\n" in listed.stdout
    as_json = json.loads(cli("territory", "list", "--json", cwd=tmp_path).stdout)
    assert len(as_json) == 3 and "participant_link" not in as_json[0]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--qr", "poster.png"), "--qr needs --bot-username"),
        (("--bot-username", "my bot"), "--bot-username 'my bot' is not a Telegram username"),
        (("--bot-username", "my_sse_bot", "--qr", "poster.pdf"), "must end in .png or .svg"),
        (("--bot-username", "my_sse_bot", "--qr", "nowhere/p.svg"), "does not exist"),
    ],
)
def test_territory_links_and_poster_refuse_bad_options(
    tmp_path: Path, extra: tuple[str, ...], message: str
) -> None:
    result = cli(*CREATE, *extra, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    listed = cli("territory", "list", cwd=tmp_path)
    assert listed.stdout.startswith("No territories yet.")  # nothing was created


def test_territory_schedule_shows_and_changes_the_session_and_the_rules(
    tmp_path: Path, database_url: str
) -> None:
    made = cli(
        "territory", "create", "--name", "Córdoba", "--country", "AR",
        "--timezone", "America/Argentina/Cordoba", "--language", "es", "--json",
        cwd=tmp_path, database_url=database_url,
    )  # fmt: skip
    code = json.loads(made.stdout)["join_code"]
    shown = cli("territory", "schedule", code, cwd=tmp_path, database_url=database_url)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[:4] == [
        "Córdoba: session -",
        "Quiet hours: 21:00-08:00 (America/Argentina/Cordoba)",
        "Nudge after: 24 hours without an answer",
        "Reminders: 168, 48, 3 hours before the session",
    ]
    changed = cli(
        "territory", "schedule", code, "--session-at", "2027-06-01 16:15", "--quiet",
        "22:30-07:00", "--nudge-after", "48", "--reminders", "24,2",
        cwd=tmp_path, database_url=database_url,
    )  # fmt: skip
    assert changed.returncode == 0, changed.stderr
    assert changed.stdout.splitlines()[:4] == [
        "Córdoba: session 2027-06-01T16:15:00-03:00",
        "Quiet hours: 22:30-07:00 (America/Argentina/Cordoba)",
        "Nudge after: 48 hours without an answer",
        "Reminders: 24, 2 hours before the session",
    ]
    off = cli(
        "territory", "schedule", code, "--quiet", "08:00-08:00", "--reminders", "none",
        cwd=tmp_path, database_url=database_url,
    )  # fmt: skip
    assert off.stdout.splitlines()[1:4:2] == ["Quiet hours: none", "Reminders: none"]
    for wrong, says in (
        (["--quiet", "9pm-8am"], "--quiet '9pm-8am' is not like 21:00-08:00"),
        (["--reminders", "soon"], "--reminders 'soon' is not like 168,48,3 (or none)"),
        (["--reminders", "0"], "--reminders are hours before the session, more than 0"),
        (["--nudge-after", "abc"], "--nudge-after 'abc' is not a number of hours"),
        (["--session-at", "next week"], "--session-at 'next week' is not a date and time"),
        (["--session-at", "2027-06-01"], "--session-at '2027-06-01' is not a date and time"),
        (["--session-at", "2020-01-01 10:00"], "--session-at '2020-01-01 10:00' is in the past"),
    ):
        refused = cli(
            "territory", "schedule", code, *wrong, cwd=tmp_path, database_url=database_url
        )
        assert refused.returncode != 0 and says in refused.stderr, refused.stderr
    unknown = cli("territory", "schedule", "ZZZZ9999", cwd=tmp_path, database_url=database_url)
    assert "no territory has the code 'ZZZZ9999'" in unknown.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["db", "upgrade"],
        ["territory", "list"],
        ["territory", "close", "ABCD2345"],
        ["export", "--all", "--format", "csv"],
        ["report", "--all", "--out", "report.html"],
        ["run"],
    ],
)
@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("sqlite:///bot.db", "DATABASE_URL says sqlite://; use sqlite+aiosqlite:///bot.db"),
        ("postgres://app:s3cret@db.example/sse",
         "DATABASE_URL says postgres://; use postgresql+asyncpg://app:***@db.example/sse"),
        ("sqlite+aiosqlite:///missing/bot.db",
         "the folder 'missing' of the SQLite file in DATABASE_URL does not exist"),
        ("oracle://app:s3cret@db.example/sse",
         "DATABASE_URL says oracle://, a database sse-facilitator does not support; use "),
    ],
)  # fmt: skip
def test_every_command_that_opens_the_database_names_the_fix_of_its_url(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
    url: str,
    says: str,
) -> None:
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:token-that-is-never-used")
    assert main(command) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(f"sse-facilitator: {says}") and err.count("\n") == 1
    assert "s3cret" not in err
    assert list(tmp_path.iterdir()) == [], "nothing was created"
