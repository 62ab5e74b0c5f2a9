"""Benchmark: N people do the participant journey against the real bot and a floor bot."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot import texts
from bot.sandbox.server import BOT_ID, BotMessage, Sandbox, SandboxUser, make_app

CLI = Path(sys.executable).with_name("sse-facilitator")
FLOOR = Path(__file__).resolve().with_name("floor_bot.py")
TOKEN = f"{BOT_ID}:bench-{secrets.token_hex(8)}"
NOT_ACTIONS = {"getUpdates", "getMe", "setMyCommands", "deleteWebhook"}
"""Bot API methods a bot calls to start and to poll, not to answer someone."""
REPLY_TIMEOUT = 30.0
ERROR_TEXT = texts.NOT_SAVED
JOURNEY: list[tuple[str, str]] = [
    ("text", "/start {code}"),
    ("press", "I agree"),
    ("press", "Communication"),
    ("press", "Full (all questions)"),
    ("press", "1 · Some actions"),
    ("press", "Fairs"),
    ("press", "Awards"),
    ("press", "Done ✓"),
    ("press", "2 · Some adapted"),
    ("press", "Don't know"),
    ("press", "3 · Regular, and heard"),
    ("press", "2 · A yearly report"),
    ("text", "Our SSE week fills the main square every year."),
    ("text", "A public map of SSE organisations."),
    ("press", "Both together"),
    ("press", "Within 6 months"),
    ("press", "Money"),
]
"""The "Communication" block in English; the floor bot gets the same kinds in the same order."""
USER_IDS = itertools.count(10_000_001)
EXCEPTION_LINE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception)): (.{0,90})", re.MULTILINE)


class Failed(Exception):
    """An action without a reply: 'timeout', 'error' (the bot's error text) or 'unexpected'."""


def reply_to(
    user: SandboxUser, after: int, pressed: BotMessage | None, edits: int
) -> BotMessage | None:
    """The reply to an action on message `after` (the person's own message, or `pressed`):
    a newer message with an inline keyboard or with the bot's error text, or an edit of the
    pressed message that keeps a keyboard. A closing edit that removes a keyboard is none."""
    for message in reversed(user.messages):
        if message.message_id <= after:
            break
        if message.buttons or message.text == ERROR_TEXT:
            return message
    if pressed is not None and pressed.edits > edits and pressed.buttons:
        return pressed
    return None


async def act(user: SandboxUser, action: tuple[str, str], code: str, floor: bool) -> float:
    """Do one action and wait for its reply; the seconds it took."""
    kind, value = action
    start = time.perf_counter()
    pressed = None
    edits = 0
    if kind == "text":
        await user.send_text(value.format(code=code))
        after = user.sandbox.written[user.id][-1]["message_id"]
    else:
        pressed = next((m for m in reversed(user.messages) if m.buttons), None)
        if pressed is None:
            raise Failed("unexpected")
        after, edits = pressed.message_id, pressed.edits
        try:
            await user.press(pressed.buttons[0]["text"] if floor else value, message=pressed)
        except AssertionError:  # no such button: the bot is not where the journey expects
            raise Failed("unexpected") from None
    try:
        await user.wait(lambda: reply_to(user, after, pressed, edits) is not None, REPLY_TIMEOUT)
    except AssertionError:
        raise Failed("timeout") from None
    reply = reply_to(user, after, pressed, edits)
    if reply is not None and reply.text == ERROR_TEXT:
        raise Failed("error")
    return time.perf_counter() - start


@dataclass
class Load:
    latencies: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)

    @property
    def actions(self) -> int:
        return len(self.latencies) + self.failures.total()


async def load(sandbox: Sandbox, people: int, journeys: int, code: str, floor: bool) -> Load:
    """`people` closed loops at once, each doing `journeys` journeys with fresh user ids.
    After a failed action the rest of that journey is dropped."""
    done = Load()

    async def person() -> None:
        for _ in range(journeys):
            user = sandbox.user(next(USER_IDS), "Bench", "en")
            for action in JOURNEY:
                try:
                    done.latencies.append(await act(user, action, code, floor))
                except Failed as failed:
                    done.failures[str(failed)] += 1
                    break

    await asyncio.gather(*(person() for _ in range(people)))
    return done


@dataclass
class BotProcess:
    """A bot in its own OS process; its CPU time and peak memory from /proc."""

    popen: subprocess.Popen[bytes]
    log: Path

    @classmethod
    def start(cls, command: list[str], env: dict[str, str], log: Path) -> BotProcess:
        with log.open("wb") as out:
            popen = subprocess.Popen(command, env={**os.environ, **env}, stdout=out, stderr=out)
        return cls(popen, log)

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.popen.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_mb(self) -> float:
        status = Path(f"/proc/{self.popen.pid}/status").read_text()
        return int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)[1]) / 1024

    def stop(self) -> None:
        self.popen.send_signal(signal.SIGINT)
        try:
            self.popen.wait(15)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()

    def logged_errors(self, since: int) -> Counter[str]:
        """The exception lines of the tracebacks in its log after byte `since`, by type and
        message."""
        with self.log.open("rb") as log:
            log.seek(since)
            found = EXCEPTION_LINE.findall(log.read().decode(errors="replace"))
        return Counter(f"{kind}: {message}" for kind, message in found)


def machine_busy_seconds() -> float:
    """CPU time all processes on this machine have used (user, system, irq, steal)."""
    ticks = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    return sum(int(ticks[i]) for i in (0, 1, 2, 5, 6, 7)) / os.sysconf("SC_CLK_TCK")


async def cli(*args: str, database_url: str) -> str:
    env = {**os.environ, "DATABASE_URL": database_url}
    done = await asyncio.to_thread(
        subprocess.run, [str(CLI), *args], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


@asynccontextmanager
async def fresh_database(server_url: str | None, folder: Path) -> AsyncIterator[str]:
    """A new SQLite file in `folder`, or a new database on the PostgreSQL server, migrated."""
    if server_url is None:
        yield f"sqlite+aiosqlite:///{folder / 'bench.db'}"
        return
    name = f"bench_{secrets.token_hex(4)}"
    admin = create_async_engine(server_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
        await cli("db", "upgrade", database_url=url)
        yield url
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        await admin.dispose()


@dataclass
class Series:
    """One bot, one database, one number of people: the measured window's figures."""

    bot: str
    database: str
    people: int
    journeys: int
    actions: int
    failed: int
    failures: dict[str, int]
    seconds: float
    updates_per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    cpu_ms_per_update: float
    peak_rss_mb: float
    calls_per_action: float
    calls_by_method: dict[str, float]
    harness_cpu_percent: float
    other_cpu_percent: float
    """What other processes used meanwhile: noise, or the PostgreSQL server (for the bot)."""
    api_errors: dict[str, int]
    logged_errors: dict[str, int]


def percentiles(latencies: list[float]) -> tuple[float, float, float]:
    if len(latencies) < 2:
        only = latencies[0] * 1000 if latencies else math.nan
        return only, only, only
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000, cuts[98] * 1000


async def wait_ready(sandbox: Sandbox, process: BotProcess, timeout: float = 60.0) -> None:
    """Until the bot polls for updates."""
    deadline = time.monotonic() + timeout
    while not any(method == "getUpdates" for method, _ in sandbox.calls):
        if process.popen.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the bot did not start; see {process.log}")
        await asyncio.sleep(0.05)


async def run_series(
    bot: str,
    people: int,
    *,
    postgres: str | None = None,
    target_actions: int = 1000,
    warmup_journeys: int = 3,
) -> Series:
    """Start a fresh database, the local Bot API server and `bot` ("bot" or "floor"), warm it
    up, then measure `people` at once until about `target_actions` actions are done."""
    floor = bot == "floor"
    journeys = max(1, math.ceil(target_actions / (people * len(JOURNEY))))
    with tempfile.TemporaryDirectory(prefix="bench-journey-") as folder:
        async with fresh_database(None if floor else postgres, Path(folder)) as database_url:
            code = "FLOOR000"
            if not floor:
                created = await cli(
                    "territory", "create", "--name", "Bench", "--country", "SN",
                    "--timezone", "Africa/Dakar", "--language", "en", "--json",
                    database_url=database_url,
                )  # fmt: skip
                code = json.loads(created)["join_code"]
            sandbox = Sandbox(TOKEN)
            runner = web.AppRunner(make_app(sandbox), access_log=None, shutdown_timeout=1.0)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", 0).start()
            port = runner.addresses[0][1]
            env = {
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_URL": f"http://127.0.0.1:{port}",
                "DATABASE_URL": database_url,
            }
            command = [sys.executable, str(FLOOR)] if floor else [str(CLI), "run"]
            log = Path(folder) / "bot.log"
            process = BotProcess.start(command, env, log)
            try:
                await wait_ready(sandbox, process)
                await load(sandbox, warmup_journeys, 1, code, floor)
                calls, errors, logged = len(sandbox.calls), len(sandbox.errors), log.stat().st_size
                cpu, own, busy = process.cpu_seconds(), time.process_time(), machine_busy_seconds()
                start = time.perf_counter()
                done = await load(sandbox, people, journeys, code, floor)
                seconds = time.perf_counter() - start
                cpu, own = process.cpu_seconds() - cpu, time.process_time() - own
                busy = machine_busy_seconds() - busy
                peak = process.peak_rss_mb()
            finally:
                process.stop()
                await runner.cleanup()
            logged_errors = process.logged_errors(since=logged)
    by_method = Counter(m for m, _ in sandbox.calls[calls:] if m not in NOT_ACTIONS)
    p50, p95, p99 = percentiles(done.latencies)
    actions = max(done.actions, 1)
    return Series(
        bot=bot,
        database="postgresql" if postgres else "sqlite",
        people=people,
        journeys=journeys,
        actions=done.actions,
        failed=done.failures.total(),
        failures=dict(done.failures),
        seconds=seconds,
        updates_per_s=len(done.latencies) / seconds,
        p50_ms=p50,
        p95_ms=p95,
        p99_ms=p99,
        cpu_ms_per_update=cpu * 1000 / actions,
        peak_rss_mb=peak,
        calls_per_action=by_method.total() / actions,
        calls_by_method={m: n / actions for m, n in sorted(by_method.items())},
        harness_cpu_percent=own * 100 / seconds,
        other_cpu_percent=max(busy - cpu - own, 0) * 100 / seconds,
        api_errors=dict(Counter(d for _, d in sandbox.errors[errors:])),
        logged_errors=dict(logged_errors),
    )


def ratio(a: float, b: float) -> float:
    return a / b if b else math.nan


def figures(series: Series, floor: Series) -> dict[str, Any]:
    """A series as JSON, with its ratios to the floor; null where nothing was measured."""
    out = {
        **asdict(series),
        "vs_floor_updates_per_s": ratio(series.updates_per_s, floor.updates_per_s),
        "vs_floor_p95": ratio(series.p95_ms, floor.p95_ms),
    }
    return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in out.items()}


COLUMNS = (
    f"{'':6}{'updates/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'failed':>8}"
    f"{'×floor/s':>10}{'×floor p95':>11}{'CPU ms/upd':>11}{'RSS MB':>8}{'calls/act':>10}"
    f"{'harness CPU':>12}{'other CPU':>10}"
)


def row(series: Series, floor: Series) -> str:
    return (
        f"{series.bot:6}{series.updates_per_s:10.1f}{series.p50_ms:9.1f}{series.p95_ms:9.1f}"
        f"{series.p99_ms:9.1f}{series.failed:8d}"
        f"{ratio(series.updates_per_s, floor.updates_per_s):10.2f}"
        f"{ratio(series.p95_ms, floor.p95_ms):11.2f}"
        f"{series.cpu_ms_per_update:11.2f}{series.peak_rss_mb:8.1f}{series.calls_per_action:10.2f}"
        f"{series.harness_cpu_percent:11.0f}%{series.other_cpu_percent:9.0f}%"
    )


def report(bot: Series, floor: Series) -> str:
    lines = [
        f"{bot.database} · {bot.people} people × {bot.journeys} journeys · actions done: "
        f"{bot.actions} (bot), {floor.actions} (floor)",
        COLUMNS,
        row(bot, floor),
        row(floor, floor),
    ]
    for series in (bot, floor):
        calls = ", ".join(f"{m} {n:.2f}" for m, n in series.calls_by_method.items())
        lines.append(f"  {series.bot} calls per action: {calls}")
        problems = {
            **{f"failed ({k})": v for k, v in series.failures.items()},
            **{f"API error {k!r}": v for k, v in series.api_errors.items()},
            **{f"log: {k}": v for k, v in Counter(series.logged_errors).most_common(3)},
        }
        lines += [f"  {series.bot} {what}: {n}" for what, n in problems.items()]
    return "\n".join(lines)


async def run(
    people: list[int], databases: list[str | None], quick: bool, out: Path | None
) -> None:
    results: list[dict[str, Any]] = []
    for postgres in databases:
        for n in people:
            options: dict[str, Any] = {"target_actions": 60, "warmup_journeys": 1} if quick else {}
            bot = await run_series("bot", n, postgres=postgres, **options)
            floor = await run_series("floor", n, postgres=postgres, **options)
            print(report(bot, floor) + "\n", flush=True)
            results += [figures(bot, floor), figures(floor, floor)]
    if out is not None:
        out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", default="10,100,500", help="comma-separated, e.g. 10,100")
    parser.add_argument(
        "--database-url", help="a postgresql+asyncpg:// URL: run on PostgreSQL instead of SQLite"
    )
    parser.add_argument("--postgres-url", help="also run on PostgreSQL (a postgresql+asyncpg URL)")
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures here")
    args = parser.parse_args()
    for url in (args.database_url, args.postgres_url):
        if url and make_url(url).get_backend_name() != "postgresql":
            parser.error(f"not a PostgreSQL URL: {url} (SQLite is the default)")
    databases = [args.database_url] if args.database_url else [None]
    if args.postgres_url:
        databases.append(args.postgres_url)
    people = [int(n) for n in args.people.split(",")]
    if args.quick and args.people == parser.get_default("people"):
        people = [5]
    asyncio.run(run(people, databases, args.quick, args.json))


if __name__ == "__main__":
    main()
