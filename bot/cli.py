"""The `sse-facilitator` command line: flows, database, territories and exports."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import sys
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import SQLAlchemyError
from tqdm import tqdm

from bot import territories
from bot.config import (
    ConfigError,
    Settings,
    check_webhook_url,
    organisers_from_env,
    webhook_secret_from_env,
)
from dialogs.i18n import available_languages, translator
from dialogs.loader import FlowError, load_flows
from storage import db
from storage.models import Territory
from storage.reports import Reports
from storage.repository import Deleted, Repository, same_name


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

    DATABASE_URL is checked first (`db.open_checked`, as `run` does): an SQLite database is
    upgraded here by itself; another one must answer and be upgraded with
    `sse-facilitator db upgrade` first.
    """
    url = db.database_url()
    await db.open_checked(url)
    engine = db.create_engine(url)
    try:
        async with db.session_factory(engine)() as session, session.begin():
            return await work(Repository(session))
    finally:
        await engine.dispose()


def cmd_db_upgrade(_: argparse.Namespace) -> int:
    url = db.database_url()
    asyncio.run(db.upgrade_checked(url))
    print(f"database at {db.safe_url(url)} is up to date")
    return 0


# ---------------------------------------------------------------- territories


def _territory_json(territory: Territory, bot_link: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": territory.id,
        "name": territory.name,
        "country": territory.country,
        "timezone": territory.timezone,
        "language": territory.language,
        "session_at": territory.session_at.isoformat() if territory.session_at else None,
        "join_code": territory.join_code,
        "facilitator_code": territory.facilitator_code,
        "closed_at": territory.closed_at.isoformat() if territory.closed_at else None,
    }
    if bot_link is not None:
        out["participant_link"] = territories.deep_link(bot_link, territory.join_code)
        out["facilitator_link"] = territories.deep_link(bot_link, territory.facilitator_code)
    return out


def _bot_link(args: argparse.Namespace) -> str | None:
    """The bot's address from --bot-username, if given."""
    if not args.bot_username:
        return None
    try:
        return territories.bot_link(args.bot_username)
    except territories.Invalid:
        raise UsageError(
            f"--bot-username {args.bot_username!r} is not a Telegram username (e.g. my_sse_bot)"
        ) from None


def _links(territory: Territory, bot_link: str | None, indent: str = "") -> list[str]:
    """How people join: what they send the bot, and the links when the bot's name is known."""
    lines = []
    private = " (for facilitators only, do not share widely)"
    for who, code, note in (
        ("Participants", territory.join_code, ""),
        ("Facilitators", territory.facilitator_code, private),
    ):
        link = f"  {territories.deep_link(bot_link, code)}" if bot_link else ""
        lines.append(f"{indent}{who}: {territories.start_command(code)}{link}{note}")
    return lines


def _poster_path(args: argparse.Namespace, bot_link: str | None) -> Path | None:
    """Where --qr writes the poster, checked before anything is created."""
    if not args.qr:
        return None
    if bot_link is None:
        raise UsageError("--qr needs --bot-username: the QR code holds the bot's link")
    path = Path(args.qr)
    if path.suffix.lower() not in (".png", ".svg"):
        raise UsageError(f"--qr {args.qr!r} must end in .png or .svg")
    if not path.parent.is_dir():
        raise UsageError(f"--qr {args.qr!r}: the folder {str(path.parent)!r} does not exist")
    return path


def _write_poster(territory: Territory, bot_link: str, path: Path) -> None:
    """The A4 poster with the QR code of the territory's join link; a `UsageError` when it
    cannot be written (raised inside the transaction, so nothing is changed)."""
    from bot.reports.qr import invite_poster, poster_file

    link = territories.deep_link(bot_link, territory.join_code)
    poster = invite_poster(territory.name, territory.language, link)
    data = poster_file(poster, path.suffix.lower().lstrip("."))
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None


def parse_territory(args: argparse.Namespace) -> dict[str, Any]:
    """The fields of `territory create`, checked as the chat checks them."""
    try:
        name = territories.territory_name(args.name)
    except territories.Invalid:
        raise UsageError(f"--name must be 1 to {territories.NAME_LIMIT} characters") from None
    try:
        country = territories.country_code(args.country)
    except territories.Invalid:
        raise UsageError(
            f"--country {args.country!r} is not an ISO 3166 two-letter code (e.g. SN)"
        ) from None
    try:
        zone = territories.time_zone(args.timezone)
    except territories.Invalid:
        raise UsageError(
            f"--timezone {args.timezone!r} is not an IANA time zone (e.g. Africa/Dakar)"
        ) from None
    try:
        language = territories.language(args.language)
    except territories.Invalid:
        raise UsageError(f"--language must be one of: {', '.join(available_languages())}") from None
    session_at = None
    if args.session_at:
        try:
            session_at = territories.session_at(args.session_at, zone)
        except territories.Invalid:
            raise UsageError(
                f"--session-at {args.session_at!r} is not an ISO date-time "
                "(e.g. 2027-06-01T16:15+02:00)"
            ) from None
        if session_at <= datetime.now(UTC):
            raise UsageError(
                f"--session-at {args.session_at!r} is in the past; give the coming session's "
                "date and time"
            )
    return {
        "name": name,
        "country": country,
        "timezone": zone,
        "language": language,
        "session_at": session_at,
    }


async def _refuse_duplicate(
    repo: Repository, name: str, country: str, but: Territory | None = None
) -> None:
    """A `UsageError` when the country already has a territory of this name (letter case and
    spaces aside), other than `but`."""
    for other in await repo.territories_named(name, country):
        if but is None or other.id != but.id:
            raise UsageError(
                f"{country} already has a territory named {other.name!r} (join code "
                f"{other.join_code}); give another name, or add --allow-duplicate"
            )


async def _territory(repo: Repository, code: str) -> Territory:
    """The territory of a join or facilitator code (or group code), else a `UsageError`."""
    found = await repo.territory_by_code(code)
    if found is not None:
        return found.territory
    retired = await repo.retired_code(code)
    if retired is not None:
        territory = await repo.territory(retired.territory_id)
        if territory is not None:
            facilitator = retired.role == "facilitator"
            now = territory.facilitator_code if facilitator else territory.join_code
            raise UsageError(
                f"the code {code!r} of {territory.name} was replaced by {now} "
                f"on {retired.retired_at:%Y-%m-%d}; use that one"
            )
    raise UsageError(
        f"no territory has the code {code!r}: give its join code or its facilitator code "
        "(sse-facilitator territory list shows them)"
    )


def cmd_territory_create(args: argparse.Namespace) -> int:
    fields = parse_territory(args)
    bot_link = _bot_link(args)
    poster_path = _poster_path(args, bot_link)

    async def work(repo: Repository) -> int:
        if not args.allow_duplicate:
            await _refuse_duplicate(repo, fields["name"], fields["country"])
        territory = await repo.create_territory(**fields)
        if poster_path is not None and bot_link is not None:
            _write_poster(territory, bot_link, poster_path)
        if args.json:
            print(json.dumps(_territory_json(territory, bot_link), ensure_ascii=False))
        else:
            print(f"Created territory {territory.id}: {territory.name}")
            print(f"Join code: {territory.join_code}")
            print(f"Facilitator code: {territory.facilitator_code}")
            print("\n".join(_links(territory, bot_link)))
            if poster_path is not None:
                print(f"Poster: {poster_path}")
        return 0

    return asyncio.run(with_database(work))


def cmd_territory_list(args: argparse.Namespace) -> int:
    bot_link = _bot_link(args)

    async def work(repo: Repository) -> int:
        found = await repo.territories()
        if args.json:
            print(json.dumps([_territory_json(t, bot_link) for t in found], ensure_ascii=False))
            return 0
        if not found:
            print("No territories yet. Create one with: sse-facilitator territory create")
            return 0
        print(
            f"{'id':>4}  {'join':<8}  {'facilit.':<8}  cc  la  {'time zone':<20} "
            f"{'session':<25} name"
        )
        for t in found:
            when = (
                t.session_at.astimezone(ZoneInfo(t.timezone)).isoformat() if t.session_at else "-"
            )
            closed = f"  (closed since {t.closed_at:%Y-%m-%d})" if t.closed_at else ""
            print(
                f"{t.id:>4}  {t.join_code}  {t.facilitator_code}  {t.country}  {t.language}  "
                f"{t.timezone:<20} {when:<25} {t.name}{closed}"
            )
            print("\n".join(_links(t, bot_link, indent="      ")))
        return 0

    return asyncio.run(with_database(work))


def parse_schedule(args: argparse.Namespace) -> dict[str, Any]:
    """What `territory schedule` changes of a territory's scheduled messages."""
    changes: dict[str, Any] = {}
    if args.quiet is not None:
        match = re.fullmatch(r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)", args.quiet)
        if match is None:
            raise UsageError(f"--quiet {args.quiet!r} is not like 21:00-08:00")
        changes["quiet"] = args.quiet.split("-")
    if args.nudge_after is not None:
        try:
            args.nudge_after = float(args.nudge_after)
        except ValueError:
            raise UsageError(
                f"--nudge-after {args.nudge_after!r} is not a number of hours"
            ) from None
        if not 1 <= args.nudge_after <= 24 * 14:
            raise UsageError("--nudge-after is a number of hours from 1 to 336")
        changes["nudge_after_hours"] = args.nudge_after
    if args.reminders is not None:
        if args.reminders.strip().lower() == "none":
            changes["reminder_hours"] = []
        else:
            try:
                hours = sorted({float(h) for h in args.reminders.split(",")}, reverse=True)
            except ValueError:
                raise UsageError(
                    f"--reminders {args.reminders!r} is not like 168,48,3 (or none)"
                ) from None
            if any(h <= 0 or h > 24 * 60 for h in hours):
                raise UsageError("--reminders are hours before the session, more than 0, to 1440")
            changes["reminder_hours"] = hours
    return changes


def cmd_territory_schedule(args: argparse.Namespace) -> int:
    changes = parse_schedule(args)

    async def work(repo: Repository) -> int:
        from bot.scheduling.rules import DEFAULTS

        territory = await _territory(repo, args.code)
        if args.session_at is not None:
            if args.session_at.lower() == "none":
                await repo.set_session_at(territory, None)
            else:
                try:
                    moment = territories.session_at(args.session_at, territory.timezone)
                except territories.Invalid:
                    raise UsageError(
                        f"--session-at {args.session_at!r} is not a date and time in the "
                        "territory's time zone (e.g. 2027-06-01 16:15), or none"
                    ) from None
                if moment <= datetime.now(UTC):
                    raise UsageError(f"--session-at {args.session_at!r} is in the past")
                await repo.set_session_at(territory, moment)
        if changes:
            territory.schedule = {**(territory.schedule or {}), **changes}
        settings = {**DEFAULTS, **(territory.schedule or {})}
        zone = ZoneInfo(territory.timezone)
        when = territory.session_at.astimezone(zone).isoformat() if territory.session_at else "-"
        print(f"{territory.name}: session {when}")
        start, end = settings["quiet"]
        quiet = "none" if start == end else f"{start}-{end} ({territory.timezone})"
        print(f"Quiet hours: {quiet}")
        print(f"Nudge after: {settings['nudge_after_hours']:g} hours without an answer")
        hours = settings["reminder_hours"]
        reminders = ", ".join(f"{h:g}" for h in hours) + " hours before the session"
        print(f"Reminders: {reminders if hours else 'none'}")
        print("The running bot plans with these within a minute.")
        return 0

    return asyncio.run(with_database(work))


def cmd_territory_rename(args: argparse.Namespace) -> int:
    try:
        name = territories.territory_name(args.name)
    except territories.Invalid:
        raise UsageError(f"--name must be 1 to {territories.NAME_LIMIT} characters") from None

    async def work(repo: Repository) -> int:
        territory = await _territory(repo, args.code)
        if not args.allow_duplicate:
            await _refuse_duplicate(repo, name, territory.country, but=territory)
        old = territory.name
        if old == name:
            print(f"{old!r} has that name already: nothing changed.")
            return 0
        await repo.rename_territory(territory, name)
        print(f"Renamed {old!r} to {name!r} (join code {territory.join_code})")
        return 0

    return asyncio.run(with_database(work))


def cmd_territory_close(args: argparse.Namespace) -> int:
    async def work(repo: Repository) -> int:
        territory = await _territory(repo, args.code)
        if territory.closed_at is not None:
            print(f"{territory.name} is closed already (since {territory.closed_at:%Y-%m-%d}).")
            return 0
        await repo.set_closed(territory, True)
        print(f"Closed {territory.name} to new people: those already in go on answering.")
        print("Someone who sends its join code or link is told it takes no new people.")
        print(f"Undo with: sse-facilitator territory reopen {territory.join_code}")
        return 0

    return asyncio.run(with_database(work))


def cmd_territory_reopen(args: argparse.Namespace) -> int:
    async def work(repo: Repository) -> int:
        territory = await _territory(repo, args.code)
        if territory.closed_at is None:
            print(f"{territory.name} is open already: it takes new people.")
            return 0
        await repo.set_closed(territory, False)
        print(f"{territory.name} takes new people again (join code {territory.join_code}).")
        return 0

    return asyncio.run(with_database(work))


def cmd_territory_new_code(args: argparse.Namespace) -> int:
    bot_link = _bot_link(args)
    if args.qr and args.facilitator:
        raise UsageError("--qr makes the participants' poster; leave it out with --facilitator")
    poster_path = _poster_path(args, bot_link)
    role = "facilitator" if args.facilitator else "participant"

    async def work(repo: Repository) -> int:
        territory = await _territory(repo, args.code)
        old = territory.facilitator_code if args.facilitator else territory.join_code
        code = await repo.replace_code(territory, role)
        if poster_path is not None and bot_link is not None:
            _write_poster(territory, bot_link, poster_path)
        which = "facilitator code" if args.facilitator else "join code"
        print(f"New {which} of {territory.name}: {code}")
        print(
            f"The old {which} {old} no longer works: who sends it (or opens its link) is told "
            "it was replaced and to ask for the new one."
        )
        print("\n".join(_links(territory, bot_link)))
        if poster_path is not None:
            print(f"Poster: {poster_path}")
        return 0

    return asyncio.run(with_database(work))


def _deleted_line(territory: str, deleted: Deleted) -> str:
    def count(n: int, one: str, many: str) -> str:
        return f"{n} {one if n == 1 else many}"

    return (
        f"Deleted {territory}: "
        + ", ".join(
            (
                count(deleted.memberships, "membership", "memberships"),
                count(deleted.people, "person", "people") + " deleted (they were in no other "
                "territory)",
                count(deleted.conversations, "conversation", "conversations"),
                count(deleted.answers, "answer", "answers"),
                count(deleted.anonymous_answers, "anonymous answer", "anonymous answers"),
                count(deleted.scheduled_messages, "scheduled message", "scheduled messages"),
                count(deleted.group_links, "group link", "group links"),
            )
        )
        + "."
    )


def cmd_territory_delete(args: argparse.Namespace) -> int:
    """Delete a territory and all of it, once its name is typed back (or with --yes)."""
    seen: dict[str, Any] = {}

    async def look(repo: Repository) -> int:
        territory = await _territory(repo, args.code)
        progress = await Reports(repo.session).progress(territory.id)
        seen.update(id=territory.id, name=territory.name, joined=progress.joined)
        return 0

    status = asyncio.run(with_database(look))
    if status:
        return status
    if not args.yes:
        print(
            f"This deletes {seen['name']} for good: its {seen['joined']} members' place in it, "
            "every answer given there, its codes and scheduled messages.",
            file=sys.stderr,
        )
        try:
            typed = input("Type the territory's name to delete it: ")
        except EOFError:
            typed = None
        if typed is None or not same_name(typed, seen["name"]):
            said = "nothing was typed" if not typed else f"{typed.strip()!r} is not its name"
            return _fail(f"not deleted: {said} (or add --yes)", 1)

    async def delete(repo: Repository) -> int:
        territory = await repo.territory(seen["id"])
        if territory is None:
            raise UsageError(f"{seen['name']} was deleted meanwhile")
        print(_deleted_line(territory.name, await repo.delete_territory(territory)))
        return 0

    return asyncio.run(with_database(delete))


# ---------------------------------------------------------------- exports


def _export_formats() -> list[str]:
    from bot.reports.export import FORMATS

    return [*FORMATS, "html"]


async def _html_export(repo: Repository, territories: list[Territory], language: str) -> bytes:
    """One territory's full summary, or every territory compared, as a self-contained page."""
    from bot.reports.html import comparison_report, territory_report

    reports, flows = Reports(repo.session), load_flows()
    if len(territories) == 1:
        return (await territory_report(reports, territories[0], flows, language)).encode()
    return (await comparison_report(reports, territories, flows, language)).encode()


def cmd_export(args: argparse.Namespace) -> int:
    """Every answer of one territory (by its join or facilitator code) or of all of them, as
    one file; a progress bar on a terminal."""
    from bot.reports.export import (
        FORMATS,
        ExportData,
        Place,
        file_name,
        gather,
        steps,
        today_in,
    )

    languages = available_languages()
    if args.language not in languages:
        raise UsageError(f"--language must be one of: {', '.join(languages)}")
    target = Path(args.out)
    folder = target if target.is_dir() else target.parent
    if not folder.is_dir():
        raise UsageError(f"--out {args.out!r}: the folder {str(folder)!r} does not exist")
    try:
        flows = load_flows()
    except FlowError as exc:
        print(str(exc), file=sys.stderr)
        return _fail(f"{len(exc.problems)} problem(s) in the flows", 1)
    found: list[ExportData] = []
    pages: list[bytes] = []
    if sys.stderr.isatty():
        print("Reading the answers…", end="\r", file=sys.stderr, flush=True)

    async def work(repo: Repository) -> int:
        if args.all:
            territories = list(await repo.territories())
            if not territories:
                raise UsageError(
                    "there are no territories yet; "
                    "create one with: sse-facilitator territory create"
                )
        else:
            territories = [await _territory(repo, args.territory)]
        if args.format == "html":
            pages.append(await _html_export(repo, territories, args.language))
            names.extend(Place.of(t) for t in territories)
        else:
            found.append(await gather(repo.session, territories, flows))
        return 0

    names: list[Place] = []
    status = asyncio.run(with_database(work))
    if status:
        return status
    if pages:
        if target.is_dir():
            day = today_in(names, datetime.now(UTC))
            target = target / file_name(names, day, "html", everything=args.all)
        _write(target, pages[0])
        count = len(names)
        places = f"{count} territor{'y' if count == 1 else 'ies'}"
        print(f"Wrote {target}: the summary of {places} (HTML)")
        return 0
    data = found[0]
    if target.is_dir():
        day = today_in(data.places, datetime.now(UTC))
        target = target / file_name(data.places, day, args.format, everything=args.all)
    with tqdm(
        total=steps(data, args.format),
        desc="Exporting",
        unit=" rows",
        file=sys.stderr,
        disable=not sys.stderr.isatty(),
        leave=False,
    ) as bar:
        content = FORMATS[args.format](data, translator(args.language), bar.update)
    _write(target, content)
    places = len(data.places)
    print(
        f"Wrote {target}: {len(data.rows) + len(data.kept)} answers of {len(data.people)} "
        f"people in {places} territor{'y' if places == 1 else 'ies'} ({args.format.upper()})"
    )
    return 0


def _write(target: Path, content: bytes) -> None:
    """Write a file whole or not at all (through a temporary name beside it)."""
    partial = target.with_name(f".{target.name}.partial")
    partial.write_bytes(content)
    os.replace(partial, target)


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
    _write(out, page.encode())
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
    from bot.telegram.app import run_polling  # aiogram takes seconds to import

    return _run_bot(run_polling(settings))


def cmd_serve(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if not settings.telegram_bot_token:
        return _fail(
            "TELEGRAM_BOT_TOKEN is not set. Get a token from @BotFather, then: "
            "TELEGRAM_BOT_TOKEN=... TELEGRAM_WEBHOOK_SECRET=... sse-facilitator serve ..."
        )
    secret = webhook_secret_from_env()
    check_webhook_url(args.webhook_url, settings.telegram_api_url)
    from bot.telegram.webhook import run_webhook

    serving = run_webhook(
        settings, host=args.host, port=args.port, webhook_url=args.webhook_url, secret=secret
    )
    return _run_bot(serving)


def _run_bot(running: Coroutine[Any, Any, None]) -> int:
    """Run the bot (polling or a webhook worker) with logs on; a `BotError` is one line."""
    from bot.telegram.app import BotError

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        asyncio.run(running)
    except BotError as error:
        return _fail(str(error), 1)
    return 0


def sandbox_database(given: str | None, environ: Mapping[str, str]) -> tuple[str, str | None]:
    """The sandbox's database URL, and a line to print when DATABASE_URL is set but not used:
    the sandbox has its own file (DATABASE_URL may be a real bot's) unless one is `given`."""
    if not given:
        from bot.sandbox.app import SANDBOX_DATABASE_FILE, SANDBOX_DATABASE_URL

        notice = None
        if environ.get("DATABASE_URL"):
            notice = (
                f"DATABASE_URL is set, but the sandbox ignores it and uses {SANDBOX_DATABASE_FILE}"
                "; to try the bot on that database: sse-facilitator sandbox --database-url URL"
            )
        return SANDBOX_DATABASE_URL, notice
    db.check_url(given, "--database-url")
    return given, None


def cmd_sandbox(args: argparse.Namespace) -> int:
    url, notice = sandbox_database(args.database_url, os.environ)
    from bot.sandbox.app import serve
    from bot.sandbox.state import default_state_path

    if notice:
        print(notice)
    state = Path(args.state) if args.state else default_state_path(url)
    organisers = organisers_from_env()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(serve(args.host, args.port, url, state, organisers))
    except SQLAlchemyError as exc:
        return _fail(f"cannot use the database at {db.safe_url(url)}: {type(exc).__name__}", 1)
    except OSError as exc:
        return _fail(f"cannot listen on {args.host}:{args.port}: {exc.strerror}", 1)
    return 0


# ---------------------------------------------------------------- parser


def add_link_options(parser: argparse.ArgumentParser) -> None:
    """--bot-username and --qr: the links people join with, and the poster of the join link."""
    parser.add_argument(
        "--bot-username",
        metavar="NAME",
        help="the bot's Telegram username: print the links https://t.me/NAME?start=CODE",
    )
    parser.add_argument(
        "--qr",
        metavar="PATH",
        help="write the A4 poster with the QR code of the join link (PATH ends in .png or .svg; "
        "needs --bot-username)",
    )


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
    serve = commands.add_parser(
        "serve", help="run one worker in webhook mode (several may share a PostgreSQL database)"
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8080, help="port to listen on")
    serve.add_argument(
        "--webhook-url",
        required=True,
        help="the public https address Telegram posts updates to (its path is served here)",
    )
    serve.set_defaults(handler=cmd_serve)
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
    sandbox.add_argument(
        "--database-url",
        metavar="URL",
        help="the database the sandbox's bot uses (default: its own file "
        "sse-facilitator-sandbox.db; DATABASE_URL is ignored, so a real bot's data is never "
        "touched)",
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
    add_link_options(create)
    create.add_argument(
        "--allow-duplicate",
        action="store_true",
        help="create it even if the country has a territory of that name already",
    )
    create.set_defaults(handler=cmd_territory_create)
    listing = territory.add_parser("list", help="list territories")
    listing.add_argument("--json", action="store_true", help="print a JSON array")
    listing.add_argument(
        "--bot-username",
        metavar="NAME",
        help="the bot's Telegram username: print the links https://t.me/NAME?start=CODE",
    )
    listing.set_defaults(handler=cmd_territory_list)
    schedule = territory.add_parser(
        "schedule", help="show or change a territory's session and scheduled messages"
    )
    schedule.add_argument("code", help="the territory's join or facilitator code")
    schedule.add_argument("--session-at", help="the session's date-time, ISO 8601, or none")
    schedule.add_argument("--quiet", metavar="HH:MM-HH:MM", help="quiet hours, e.g. 21:00-08:00")
    schedule.add_argument(
        "--nudge-after", metavar="HOURS", help="hours without an answer before a nudge"
    )
    schedule.add_argument(
        "--reminders", metavar="H,H,H", help="hours before the session, e.g. 168,48,3"
    )
    schedule.set_defaults(handler=cmd_territory_schedule)
    code_help = "the territory's join or facilitator code"
    rename = territory.add_parser("rename", help="give a territory another name")
    rename.add_argument("code", help=code_help)
    rename.add_argument("--name", required=True)
    rename.add_argument(
        "--allow-duplicate",
        action="store_true",
        help="rename it even if the country has a territory of that name already",
    )
    rename.set_defaults(handler=cmd_territory_rename)
    close = territory.add_parser(
        "close", help="take no new people (those already in go on answering)"
    )
    close.add_argument("code", help=code_help)
    close.set_defaults(handler=cmd_territory_close)
    reopen = territory.add_parser("reopen", help="take new people again, after close")
    reopen.add_argument("code", help=code_help)
    reopen.set_defaults(handler=cmd_territory_reopen)
    new_code = territory.add_parser(
        "new-code", help="replace a leaked join code (or facilitator code); the old one stops"
    )
    new_code.add_argument("code", help=code_help)
    new_code.add_argument(
        "--facilitator", action="store_true", help="replace the facilitator code instead"
    )
    add_link_options(new_code)
    new_code.set_defaults(handler=cmd_territory_new_code)
    remove = territory.add_parser(
        "delete", help="delete a territory and everything of it, after a confirmation"
    )
    remove.add_argument("code", help=code_help)
    remove.add_argument(
        "--yes", action="store_true", help="do not ask to type the name (for scripts)"
    )
    remove.set_defaults(handler=cmd_territory_delete)

    export = commands.add_parser(
        "export", help="export the answers of one territory, or of all, as a file"
    )
    which = export.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--territory", metavar="CODE", help="the territory's join code or facilitator code"
    )
    which.add_argument("--all", action="store_true", help="every territory, in one file")
    export.add_argument("--format", choices=_export_formats(), default="xlsx")
    export.add_argument(
        "--out",
        metavar="PATH",
        default=".",
        help="the file to write, or a folder for a name from the territory and the day "
        "(default: the current folder)",
    )
    export.add_argument(
        "--language", default="en", help="language of the labels: en, es or fr (default: en)"
    )
    export.set_defaults(handler=cmd_export)

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
    except db.DatabaseProblem as problem:
        return _fail(str(problem), problem.status)
    except KeyboardInterrupt:
        return 130
    except (ModuleNotFoundError, SQLAlchemyError, OSError) as exc:
        if isinstance(exc, ModuleNotFoundError) and exc.name != "asyncpg":
            raise
        if isinstance(exc, OSError) and exc.filename:  # a file of ours, not the database
            return _fail(f"cannot use {exc.filename}: {exc.strerror}", 1)
        return _fail(db.describe_failure(exc, db.database_url()), 1)


if __name__ == "__main__":
    sys.exit(main())
