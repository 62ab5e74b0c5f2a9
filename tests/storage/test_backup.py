"""Backups restore: the README's pg_dump / pg_restore and sqlite3 .backup commands, run for real."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import db
from storage.repository import NewAnswer, Repository
from tests.databases import PREFIX

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")

# The commands, as the README gives them (there: through `docker compose exec -T postgres`
# with `-U sse`; here the connection comes from PGHOST, PGPORT, PGUSER, PGPASSWORD).
DUMP = ["pg_dump", "-Fc"]  # DBNAME > FILE
LIST = ["pg_restore", "--list"]  # < FILE
CREATE = ["createdb"]  # NEWDB
RESTORE = ["pg_restore", "--no-owner", "--exit-on-error", "-d"]  # NEWDB < FILE
COUNT = ["psql", "-At", "-d"]  # NEWDB -c 'SELECT count(*) FROM answers'
DROP = ["dropdb"]  # NEWDB
SQLITE_BACKUP = ["sqlite3"]  # DB ".backup 'FILE'"
SQLITE_CHECK = "PRAGMA integrity_check"

PERSON = "1001"
GIVEN = [
    [NewAnswer("legal", "instrument", {"choice": "1"})],
    [NewAnswer("legal", "instrument", {"choice": "3"}), NewAnswer("legal", "budget", {"dk": True})],
    [NewAnswer("planning", "priorities", {"text": "Économie sociale, «coopératives» ✓"})],
]
CURRENT = {
    "legal": {"instrument": {"choice": "3"}, "budget": {"dk": True}},
    "planning": {"priorities": {"text": "Économie sociale, «coopératives» ✓"}},
}


def test_the_readme_gives_these_commands() -> None:
    for command in (DUMP, LIST, CREATE, RESTORE, COUNT, DROP, SQLITE_BACKUP):
        assert " ".join(command) + " " in README, command
    assert "SELECT count(*) FROM answers" in README
    assert SQLITE_CHECK in README
    assert '".backup ' in README


async def store_a_territory_and_answers(url: str) -> str:
    """A territory and one person's answers (one revised), through the Repository; returns
    the territory's join code."""
    engine = db.create_engine(url)
    sessions = db.session_factory(engine)
    try:
        async with sessions() as session, session.begin():
            repo = Repository(session)
            territory = await repo.create_territory(
                name="Montréal", country="CA", timezone="America/Toronto", language="fr"
            )
            person = await repo.ensure_participant("telegram", PERSON)
            await repo.record_consent(person, language="fr", display_name="Aïcha")
            await repo.join(person, territory)
            for step, answers in enumerate(GIVEN, start=1):
                flow = answers[0].flow_id
                await repo.save_step(person, territory, flow, {"step": step}, answers)
            return territory.join_code
    finally:
        await engine.dispose()


async def read_back(url: str, join_code: str) -> None:
    """The restored database holds the territory, the person and their answers, and is at
    the newest schema (the bot would start on it)."""
    engine = db.create_engine(url)
    sessions: async_sessionmaker[AsyncSession] = db.session_factory(engine)
    try:
        assert await db.schema_is_current(engine)
        async with sessions() as session:
            repo = Repository(session)
            territory = await repo.territory_by_join_code(join_code)
            assert territory is not None and territory.name == "Montréal"
            person = await repo.participant("telegram", PERSON)
            assert person is not None and person.display_name == "Aïcha"
            assert person.consent_at is not None
            assert await repo.is_member("telegram", PERSON, territory)
            assert await repo.current_answers(person, territory) == CURRENT
            history = await repo.answer_history(person, territory)
            assert [(a.question_id, a.revision) for a in history] == [
                ("budget", 1),
                ("instrument", 1),
                ("instrument", 2),
                ("priorities", 1),
            ]
        # The sequences came along: a new territory gets a new id, not a clash.
        async with sessions() as session, session.begin():
            later = await Repository(session).create_territory(
                name="Laval", country="CA", timezone="America/Toronto", language="fr"
            )
        assert later.id > territory.id
    finally:
        await engine.dispose()


def postgres_major(version: str) -> int:
    """'pg_dump (PostgreSQL) 15.18 (Debian ...)' or '150018' -> 15."""
    if version.isdigit():
        return int(version) // 10000
    found = re.search(r"\) (\d+)", version)
    assert found, version
    return int(found.group(1))


def postgres_programs(server_major: int) -> Path | None:
    """The folder of pg_dump, pg_restore, createdb, dropdb and psql of the server's major
    version: on PATH, or Debian's /usr/lib/postgresql/<version>/bin."""
    on_path = shutil.which("pg_dump")
    folders = [Path(on_path).parent] if on_path else []
    folders += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for folder in folders:
        programs = [folder / name for name in ("pg_dump", "pg_restore", "createdb", "dropdb")]
        if not all(p.exists() for p in [*programs, folder / "psql"]):
            continue
        version = subprocess.run(
            [programs[0], "--version"], capture_output=True, text=True, check=True
        ).stdout
        if postgres_major(version) == server_major:
            return folder
    return None


async def server_major(url: str) -> int:
    engine = db.create_engine(url)
    try:
        async with engine.connect() as connection:
            return postgres_major(str(await connection.scalar(text("SHOW server_version_num"))))
    finally:
        await engine.dispose()


async def test_a_pg_dump_restores_into_an_empty_database(database_url: str, tmp_path: Path) -> None:
    if db.is_sqlite(database_url):
        pytest.skip("pg_dump needs PostgreSQL: run with DATABASE_URL=postgresql+asyncpg://...")
    join_code = await store_a_territory_and_answers(database_url)
    major = await server_major(database_url)
    folder = postgres_programs(major)
    if folder is None:
        pytest.skip(f"no pg_dump of PostgreSQL {major} (apt-get install postgresql-client-{major})")
    url = make_url(database_url)
    env = {**os.environ, "PGHOST": url.host or "127.0.0.1", "PGPORT": str(url.port or 5432)}
    env |= {"PGUSER": url.username or "postgres"}
    if url.password:
        env["PGPASSWORD"] = url.password

    def run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        argv = [str(folder / command[0]), *command[1:]]
        kwargs.setdefault("stdout", subprocess.PIPE)
        done = subprocess.run(argv, env=env, stderr=subprocess.PIPE, timeout=120, **kwargs)
        assert done.returncode == 0, (command, done.stderr.decode(errors="replace"))
        return done

    dump = tmp_path / "sse.dump"
    with dump.open("wb") as out:
        run([*DUMP, str(url.database)], stdout=out)
    with dump.open("rb") as archive:
        listing = run(LIST, stdin=archive).stdout.decode()
    assert "TABLE DATA public answers" in listing and "alembic_version" in listing

    restored = f"{PREFIX}restored_{secrets.token_hex(4)}"
    run([*CREATE, restored])
    try:
        with dump.open("rb") as archive:
            run([*RESTORE, restored], stdin=archive)
        counted = run([*COUNT, restored, "-c", "SELECT count(*) FROM answers"])
        assert counted.stdout.decode().strip() == str(sum(len(a) for a in GIVEN))
        await read_back(url.set(database=restored).render_as_string(hide_password=False), join_code)
    finally:
        run([*DROP, "--if-exists", "--force", restored])


async def test_an_sqlite_backup_opens_with_everything(database_url: str, tmp_path: Path) -> None:
    if not db.is_sqlite(database_url):
        pytest.skip("the SQLite backup is tested on the SQLite run")
    sqlite3 = shutil.which("sqlite3")
    if sqlite3 is None:
        pytest.skip("no sqlite3 program (apt-get install sqlite3)")
    join_code = await store_a_territory_and_answers(database_url)
    source = make_url(database_url).database
    backup = tmp_path / "backup" / "sse-facilitator.db"
    backup.parent.mkdir()
    done = subprocess.run(
        [sqlite3, str(source), f".backup '{backup}'"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    checked = subprocess.run(
        [sqlite3, str(backup), SQLITE_CHECK], capture_output=True, text=True, timeout=60
    )
    assert checked.stdout.strip() == "ok"
    await read_back(f"sqlite+aiosqlite:///{backup}", join_code)
