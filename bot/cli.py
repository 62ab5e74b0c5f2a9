"""The `sse-facilitator` command line: flows, database and territories."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from sqlalchemy.exc import SQLAlchemyError

from bot.config import ConfigError, Settings
from dialogs.i18n import available_languages
from dialogs.loader import FlowError, load_flows
from storage import db
from storage.models import Territory
from storage.repository import Repository

NOT_COUNTRIES = {"EU", "EZ", "QO", "UN", "XA", "XB", "ZZ"}
"""Region codes Babel knows that are not countries."""


class UsageError(Exception):
    """Bad input on the command line: shown as one line, exit status 2."""


def _fail(message: str, status: int = 2) -> int:
    print(f"sse-facilitator: {message}", file=sys.stderr)
    return status


# ---------------------------------------------------------------- flows


def cmd_flows_check(_: argparse.Namespace) -> int:
    try:
        flows = load_flows()
    except FlowError as exc:
        print(str(exc), file=sys.stderr)
        return _fail(f"{len(exc.problems)} problem(s) in the flows", 1)
    for flow in flows.values():
        print(
            f"{flow.id:<16} {len(flow.questions):>2} questions  "
            f"{len(flow.scored_questions):>2} scored  {flow.title}"
        )
    return 0


# ---------------------------------------------------------------- database


async def with_database(work: Callable[[Repository], Awaitable[int]]) -> int:
    """Run `work` in one transaction on an up-to-date schema.

    An SQLite database is upgraded here by itself; another one must be upgraded with
    `sse-facilitator db upgrade` first.
    """
    url = db.database_url()
    if db.is_sqlite(url):
        await asyncio.to_thread(db.upgrade, url)
    engine = db.create_engine(url)
    try:
        if not await db.schema_is_current(engine):
            return _fail(
                f"the database at {db.safe_url(url)} is not up to date; "
                "run: sse-facilitator db upgrade"
            )
        async with db.session_factory(engine)() as session, session.begin():
            return await work(Repository(session))
    finally:
        await engine.dispose()


def cmd_db_upgrade(_: argparse.Namespace) -> int:
    url = db.database_url()
    db.upgrade(url)
    print(f"database at {db.safe_url(url)} is up to date")
    return 0


# ---------------------------------------------------------------- territories


def _territory_json(territory: Territory) -> dict[str, Any]:
    return {
        "id": territory.id,
        "name": territory.name,
        "country": territory.country,
        "timezone": territory.timezone,
        "language": territory.language,
        "session_at": territory.session_at.isoformat() if territory.session_at else None,
        "join_code": territory.join_code,
        "facilitator_code": territory.facilitator_code,
    }


def parse_territory(args: argparse.Namespace) -> dict[str, Any]:
    name = " ".join(args.name.split())
    if not name or len(name) > 200:
        raise UsageError("--name must be 1 to 200 characters")
    country = args.country.strip().upper()
    if len(country) != 2 or country in NOT_COUNTRIES or country not in Locale("en").territories:
        raise UsageError(f"--country {args.country!r} is not an ISO 3166 two-letter code (e.g. SN)")
    try:
        zone = ZoneInfo(args.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"--timezone {args.timezone!r} is not an IANA time zone (e.g. Africa/Dakar)"
        ) from None
    languages = available_languages()
    if args.language not in languages:
        raise UsageError(f"--language must be one of: {', '.join(languages)}")
    session_at = None
    if args.session_at:
        try:
            session_at = datetime.fromisoformat(args.session_at)
        except ValueError:
            raise UsageError(
                f"--session-at {args.session_at!r} is not an ISO date-time "
                "(e.g. 2027-06-01T16:15+02:00)"
            ) from None
        if session_at.tzinfo is None:
            session_at = session_at.replace(tzinfo=zone)
    return {
        "name": name,
        "country": country,
        "timezone": args.timezone,
        "language": args.language,
        "session_at": session_at,
    }


def cmd_territory_create(args: argparse.Namespace) -> int:
    fields = parse_territory(args)

    async def work(repo: Repository) -> int:
        territory = await repo.create_territory(**fields)
        if args.json:
            print(json.dumps(_territory_json(territory), ensure_ascii=False))
        else:
            print(f"Created territory {territory.id}: {territory.name}")
            print(f"Join code: {territory.join_code}")
            print(f"Facilitator code: {territory.facilitator_code}")
        return 0

    return asyncio.run(with_database(work))


def cmd_territory_list(args: argparse.Namespace) -> int:
    async def work(repo: Repository) -> int:
        territories = await repo.territories()
        if args.json:
            print(json.dumps([_territory_json(t) for t in territories], ensure_ascii=False))
            return 0
        if not territories:
            print("No territories yet. Create one with: sse-facilitator territory create")
        for t in territories:
            when = (
                t.session_at.astimezone(ZoneInfo(t.timezone)).isoformat() if t.session_at else "-"
            )
            print(
                f"{t.id:>4}  {t.join_code}  {t.facilitator_code}  {t.country}  {t.language}  "
                f"{t.timezone:<20} {when:<25} {t.name}"
            )
        return 0

    return asyncio.run(with_database(work))


# ---------------------------------------------------------------- reports


def cmd_report(args: argparse.Namespace) -> int:
    """The comparison of every territory as one self-contained HTML file."""
    from bot.reports.briefing import cores, gather_scores_parallel
    from bot.reports.html import comparison

    languages = available_languages()
    if args.language not in languages:
        raise UsageError(f"--language must be one of: {', '.join(languages)}")
    out = Path(args.out)
    if out.is_dir():
        raise UsageError(f"--out {args.out!r} is a folder; give a file name, e.g. report.html")
    if not out.parent.is_dir():
        raise UsageError(f"--out {args.out!r}: the folder {str(out.parent)!r} does not exist")
    ids: list[int] = []

    async def work(repo: Repository) -> int:
        ids.extend(t.id for t in await repo.territories())
        return 0

    status = asyncio.run(with_database(work))
    if status:
        return status
    found = asyncio.run(gather_scores_parallel(db.database_url(), ids, cores()))
    page = comparison(found, load_flows(), args.language)
    partial = out.with_name(f".{out.name}.partial")
    partial.write_text(page, encoding="utf-8")
    partial.replace(out)
    print(f"Wrote the comparison of {len(found)} territories to {out}")
    return 0


# ---------------------------------------------------------------- the bot


def cmd_run(_: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if not settings.telegram_bot_token:
        return _fail(
            "TELEGRAM_BOT_TOKEN is not set. Get a token from @BotFather, then: "
            "TELEGRAM_BOT_TOKEN=... sse-facilitator run (or try: sse-facilitator sandbox)"
        )
    from bot.telegram.app import BotError, run_polling  # aiogram takes seconds to import

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        asyncio.run(run_polling(settings))
    except BotError as error:
        return _fail(str(error), 1)
    return 0


def cmd_sandbox(args: argparse.Namespace) -> int:
    from bot.sandbox.app import SANDBOX_DATABASE_URL, serve
    from bot.sandbox.state import default_state_path

    url = os.environ.get("DATABASE_URL") or SANDBOX_DATABASE_URL
    state = Path(args.state) if args.state else default_state_path(url)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(serve(args.host, args.port, url, state))
    except OSError as exc:
        return _fail(f"cannot listen on {args.host}:{args.port}: {exc.strerror}", 1)
    return 0


# ---------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sse-facilitator",
        description="Collect a territory's input on local SSE policies, on Telegram.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    flows = commands.add_parser("flows", help="the guideline flows").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    flows.add_parser("check", help="validate every flow").set_defaults(handler=cmd_flows_check)

    database = commands.add_parser("db", help="the database").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    database.add_parser("upgrade", help="apply the schema migrations").set_defaults(
        handler=cmd_db_upgrade
    )

    commands.add_parser("run", help="run the bot (long polling)").set_defaults(handler=cmd_run)
    sandbox = commands.add_parser(
        "sandbox", help="try the bot in a browser: local Bot API server, the bot and a chat page"
    )
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8080)
    sandbox.add_argument(
        "--state",
        metavar="FILE",
        help="the fake Telegram's test people, chats and ids (default: beside the database "
        "file, e.g. sse-facilitator-sandbox.telegram.json)",
    )
    sandbox.set_defaults(handler=cmd_sandbox)

    territory = commands.add_parser("territory", help="territories").add_subparsers(
        dest="action", required=True, metavar="ACTION"
    )
    create = territory.add_parser("create", help="create a territory and print its join code")
    create.add_argument("--name", required=True)
    create.add_argument("--country", required=True, help="ISO 3166 code, e.g. SN")
    create.add_argument("--timezone", required=True, help="IANA time zone, e.g. Africa/Dakar")
    create.add_argument("--language", required=True, help="default language: en, es or fr")
    create.add_argument("--session-at", help="session date-time, ISO 8601")
    create.add_argument("--json", action="store_true", help="print one JSON object")
    create.set_defaults(handler=cmd_territory_create)
    listing = territory.add_parser("list", help="list territories")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    listing.set_defaults(handler=cmd_territory_list)

    report = commands.add_parser(
        "report", help="a comparison of every territory, as a self-contained HTML file"
    )
    report.add_argument(
        "--all", action="store_true", required=True, help="every territory (required)"
    )
    report.add_argument("--out", required=True, metavar="PATH", help="the HTML file to write")
    report.add_argument(
        "--language", default="en", help="language of the report's texts: en, es or fr"
    )
    report.set_defaults(handler=cmd_report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except (UsageError, ConfigError) as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return 130
    except ModuleNotFoundError as exc:
        if exc.name == "asyncpg":
            return _fail("PostgreSQL needs its driver: pip install 'sse-facilitator[postgres]'", 1)
        raise
    except (SQLAlchemyError, OSError) as exc:
        url = db.safe_url(db.database_url())
        return _fail(f"cannot use the database at {url}: {type(exc).__name__}", 1)


if __name__ == "__main__":
    sys.exit(main())
