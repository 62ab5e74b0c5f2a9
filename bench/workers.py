"""Benchmark: the journey load on PostgreSQL, one polling process beside 1, 2, 4 webhook workers."""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import secrets
import socket
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from journey import (
    CLI,
    JOURNEY,
    TOKEN,
    BotProcess,
    cli,
    fresh_database,
    load,
    machine_busy_seconds,
    percentiles,
    ratio,
    wait_ready,
)
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.sandbox.server import Sandbox, make_app
from dialogs.loader import load_flows

SECRET = f"bench-{secrets.token_hex(12)}"
"""The webhook's secret token (TELEGRAM_WEBHOOK_SECRET)."""
QUESTIONS = len(load_flows()["communication"].questions)
"""Answers a finished journey stores: one per question of the block."""
START_TIMEOUT = 60.0


class Broken(Exception):
    """A series whose checks failed: an update lost or handled twice, an answer not stored,
    or a bot process that would not start or stop."""


@dataclass
class Row:
    """One series: a mode ('polling' or 'webhook'), its number of bot processes, and the
    measured window's figures."""

    mode: str
    workers: int
    people: int
    journeys: int
    actions: int
    seconds: float
    actions_per_s: float
    p50_ms: float
    p95_ms: float
    bot_cpu_s: float
    """CPU seconds of all the bot processes in the measured window."""
    postgres_cpu_s: float
    """CPU seconds of the PostgreSQL server processes serving this series' database (NaN
    when the server is not on this machine)."""
    other_cpu_s: float
    """CPU seconds of everything else on the machine: noise from other work (or PostgreSQL,
    when it runs elsewhere)."""
    harness_cpu_s: float
    """CPU seconds of this process: the Bot API server, its webhook delivery, the people."""
    errors: int
    """Actions answered with the bot's error text, or without the expected reply."""
    failures: dict[str, int]
    delivery_failures: int
    """Webhook posts answered with no 2xx (a 5xx, a refused connection, a time-out)."""
    delivery_outcomes: dict[str, int]
    posts_by_worker: list[int]
    """Webhook posts each worker received (the load balancer's spread)."""
    updates: int
    """Updates the Bot API server delivered in the whole series, warm-up included; each has
    one row in the `updates` table, handled (else the series fails)."""
    answers: int
    """Answer rows stored in the whole series: `QUESTIONS` per finished journey."""

    @property
    def cpu_ms_per_action(self) -> float:
        """Bot processes and PostgreSQL, per action: what one action costs the server side."""
        return (self.bot_cpu_s + self.postgres_cpu_s) * 1000 / max(self.actions, 1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def start_workers(
    sandbox: Sandbox, count: int, env: dict[str, str], folder: Path, workers: list[BotProcess]
) -> None:
    """`count` processes of `sse-facilitator serve` on free ports behind one webhook address,
    the sandbox spreading its posts over them, added to `workers` as they start (the caller
    stops them, also when this fails); returns once each is healthy and has set the webhook."""
    ports = [free_port() for _ in range(count)]
    sandbox.balance = [f"http://127.0.0.1:{port}/telegram" for port in ports]
    for i, port in enumerate(ports):
        command = [str(CLI), "serve", "--host", "127.0.0.1", "--port", str(port)]
        command += ["--webhook-url", sandbox.balance[0]]  # the balancer's address: any one
        workers.append(BotProcess.start(command, env, folder / f"worker{i}.log"))
    deadline = time.monotonic() + START_TIMEOUT
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=3)) as client:
        for worker, port in zip(workers, ports, strict=True):
            while not await healthy(client, port):
                if worker.popen.poll() is not None or time.monotonic() > deadline:
                    raise Broken(f"a worker did not start; see {worker.log}")
                await asyncio.sleep(0.1)
    while sum(method == "setWebhook" for method, _ in sandbox.calls) < count:
        if time.monotonic() > deadline:
            raise Broken("the workers did not all set the webhook")
        await asyncio.sleep(0.05)


async def healthy(client: aiohttp.ClientSession, port: int) -> bool:
    try:
        async with client.get(f"http://127.0.0.1:{port}/healthz") as response:
            return response.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False


async def settled(sandbox: Sandbox, timeout: float = 30.0) -> None:
    """Until every update was delivered (a webhook's 200 follows the reply by a moment)."""
    deadline = time.monotonic() + timeout
    while sandbox.updates or (sandbox.delivery is not None and sandbox.delivery.pending):
        if time.monotonic() > deadline:
            raise Broken("updates were still undelivered 30 s after the load")
        await asyncio.sleep(0.05)


async def check_database(database_url: str, sandbox: Sandbox, finished: int) -> tuple[int, int]:
    """Every delivered update has one row in `updates`, handled; every finished journey
    stored its `QUESTIONS` answers, each once. Returns (updates, answers); raises `Broken`."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            ids = Counter(
                (await connection.execute(text("SELECT update_id FROM updates"))).scalars()
            )
            unhandled = (
                await connection.execute(
                    text("SELECT count(*) FROM updates WHERE handled_at IS NULL")
                )
            ).scalar_one()
            per_question = (
                await connection.execute(
                    text(
                        "SELECT participant_id, question_id, count(*) FROM answers "
                        "WHERE flow_id = 'communication' GROUP BY participant_id, question_id"
                    )
                )
            ).all()
    finally:
        await engine.dispose()
    problems = []
    twice = [update_id for update_id, n in ids.items() if n > 1]
    if twice:
        problems.append(f"{len(twice)} update ids stored twice, e.g. {twice[:3]}")
    missing = sandbox.delivered_ids - ids.keys()
    if missing:
        problems.append(f"{len(missing)} delivered updates not stored, e.g. {sorted(missing)[:3]}")
    if unhandled:
        problems.append(f"{unhandled} updates stored but not handled")
    repeated = sum(1 for *_, n in per_question if n > 1)
    if repeated:
        problems.append(f"{repeated} questions answered more than once by one person")
    answered = Counter(participant for participant, _, _ in per_question)
    complete = sum(1 for n in answered.values() if n == QUESTIONS)
    if complete != finished:
        problems.append(f"{finished} journeys finished, {complete} with all answers stored")
    if problems:
        raise Broken("; ".join(problems))
    return len(ids), sum(n for *_, n in per_question)


async def run_series(
    workers: int,
    people: int,
    postgres: str,
    *,
    target_actions: int = 2400,
    warmup_journeys: int = 4,
) -> Row:
    """A fresh database, the Bot API server, and one polling process (`workers` 0) or
    `workers` webhook workers; warm up, then `people` at once until about `target_actions`
    actions are done; check the database; stop every bot process."""
    journeys = max(1, math.ceil(target_actions / (people * len(JOURNEY))))
    with tempfile.TemporaryDirectory(prefix="bench-workers-") as folder:
        async with fresh_database(postgres, Path(folder)) as database_url:
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
            env = {
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_API_URL": f"http://127.0.0.1:{runner.addresses[0][1]}",
                "TELEGRAM_WEBHOOK_SECRET": SECRET,
                "DATABASE_URL": database_url,
            }
            processes: list[BotProcess] = []
            try:
                if workers == 0:
                    log = Path(folder) / "bot.log"
                    processes.append(BotProcess.start([str(CLI), "run"], env, log))
                    await wait_ready(sandbox, processes[0])
                else:
                    await start_workers(sandbox, workers, env, Path(folder), processes)
                warm = await load(sandbox, max(warmup_journeys, 2 * workers), 1, code, False)
                await settled(sandbox)
                attempts = len(sandbox.delivery.attempts) if sandbox.delivery else 0
                cpu = sum(p.cpu_seconds() for p in processes)
                pg = await postgres_cpu(database_url)
                own, busy = time.process_time(), machine_busy_seconds()
                start = time.perf_counter()
                done = await load(sandbox, people, journeys, code, False)
                seconds = time.perf_counter() - start
                cpu = sum(p.cpu_seconds() for p in processes) - cpu
                own, busy = time.process_time() - own, machine_busy_seconds() - busy
                after = await postgres_cpu(database_url)
                pg = sum(t - pg.get(pid, 0.0) for pid, t in after.items()) if after else math.nan
                await settled(sandbox)
                posts = sandbox.delivery.attempts[attempts:] if sandbox.delivery else []
                await sandbox.stop_delivery()
                finished = len(sandbox.users) - warm.failures.total() - done.failures.total()
                updates, answers = await check_database(database_url, sandbox, finished)
            finally:
                await sandbox.stop_delivery()
                await stop(processes)
                await runner.cleanup()
    p50, p95, _ = percentiles(done.latencies)
    outcomes = Counter(str(post.outcome) for post in posts)
    return Row(
        mode="polling" if workers == 0 else "webhook",
        workers=max(workers, 1),
        people=people,
        journeys=journeys,
        actions=done.actions,
        seconds=seconds,
        actions_per_s=len(done.latencies) / seconds,
        p50_ms=p50,
        p95_ms=p95,
        bot_cpu_s=cpu,
        postgres_cpu_s=pg,
        other_cpu_s=max(busy - cpu - own - (0.0 if math.isnan(pg) else pg), 0.0),
        harness_cpu_s=own,
        errors=done.failures.total(),
        failures=dict(done.failures),
        delivery_failures=sum(n for status, n in outcomes.items() if not status.startswith("2")),
        delivery_outcomes=dict(outcomes),
        posts_by_worker=[sum(post.url == url for post in posts) for url in sandbox.balance],
        updates=updates,
        answers=answers,
    )


async def postgres_cpu(database_url: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL server process connected to this database (the
    workers' pools: they live through the series), when they run on this machine."""
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            pids = (
                await connection.execute(
                    text(
                        "SELECT pid FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
            ).scalars()
            found = {}
            for pid in pids:
                try:
                    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                except OSError:  # ended meanwhile, or the server is on another machine
                    continue
                found[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            return found
    finally:
        await engine.dispose()


async def stop(processes: list[BotProcess]) -> None:
    """Stop every bot process (SIGINT, then SIGKILL after 15 s); raise if one still runs."""
    await asyncio.gather(*(asyncio.to_thread(p.stop) for p in processes))
    running = [p.popen.pid for p in processes if p.popen.poll() is None]
    if running:
        raise Broken(f"bot processes still running: {running}")


HEADER = (
    f"{'mode':8}{'workers':>8}{'actions/s':>10}{'×polling':>9}{'p50 ms':>8}{'p95 ms':>8}"
    f"{'bot CPU s':>10}{'PG CPU s':>9}{'harness s':>10}{'other s':>8}{'CPU ms/act':>11}"
    f"{'errors':>7}{'post fail':>10}"
)


def line(series: Row, polling: Row) -> str:
    return (
        f"{series.mode:8}{series.workers:8d}{series.actions_per_s:10.1f}"
        f"{ratio(series.actions_per_s, polling.actions_per_s):9.2f}"
        f"{series.p50_ms:8.0f}{series.p95_ms:8.0f}{series.bot_cpu_s:10.1f}"
        f"{series.postgres_cpu_s:9.1f}{series.harness_cpu_s:10.1f}{series.other_cpu_s:8.1f}"
        f"{series.cpu_ms_per_action:11.2f}{series.errors:7d}{series.delivery_failures:10d}"
    )


def table(rows: list[Row]) -> str:
    polling = rows[0]
    first = (
        f"postgresql · {polling.people} people × {polling.journeys} journeys · "
        f"{', '.join(str(r.actions) for r in rows)} actions"
    )
    lines = [first, HEADER, *(line(r, polling) for r in rows)]
    for r in rows:
        problems = {**r.failures, **{k: v for k, v in r.delivery_outcomes.items() if k[0] != "2"}}
        if problems:
            lines.append(f"  {r.mode} ×{r.workers}: {problems}")
    return "\n".join(lines)


def figures(series: Row, polling: Row) -> dict[str, Any]:
    out = {
        **asdict(series),
        "cpu_ms_per_action": series.cpu_ms_per_action,
        "vs_polling_actions_per_s": ratio(series.actions_per_s, polling.actions_per_s),
    }
    return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in out.items()}


async def run(people: int, workers: list[int], postgres: str, options: dict[str, Any]) -> list[Row]:
    """The polling series, then one series per number of workers; printed as they end."""
    rows: list[Row] = []
    for count in [0, *workers]:
        rows.append(await run_series(count, people, postgres, **options))
        done = rows[-1]
        print(
            f"{done.mode} ×{done.workers}: {done.actions_per_s:.1f} actions/s, "
            f"p95 {done.p95_ms:.0f} ms",
            file=sys.stderr,
            flush=True,
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--postgres-url",
        help="required: a postgresql+asyncpg:// URL of a server where a fresh database is "
        "created (and dropped) for each series",
    )
    parser.add_argument("--people", type=int, default=100, help="people at once (100)")
    parser.add_argument("--workers", default="1,2,4", help="comma-separated, e.g. 1,2,4")
    parser.add_argument(
        "--actions", type=int, default=2400, help="at least this many actions per series (2400)"
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: 5 people, workers 1,2")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures here")
    args = parser.parse_args()
    if not args.postgres_url:
        parser.error(
            "--postgres-url is required: webhook workers share one PostgreSQL database, e.g. "
            "--postgres-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
        )
    if make_url(args.postgres_url).get_backend_name() != "postgresql":
        parser.error(f"not a PostgreSQL URL: {make_url(args.postgres_url)!r}")
    try:
        workers = [int(n) for n in args.workers.split(",")]
    except ValueError:
        parser.error(f"--workers takes numbers separated by commas, not {args.workers!r}")
    if any(n < 1 for n in workers) or args.people < 1:
        parser.error("--workers and --people must be at least 1")
    people, options = args.people, {"target_actions": args.actions}
    if args.quick:
        people, workers, options = 5, [1, 2], {"target_actions": 60, "warmup_journeys": 1}
    try:
        rows = asyncio.run(run(people, workers, args.postgres_url, options))
    except Broken as broken:
        sys.exit(f"benchmark failed: {broken}")
    print(table(rows))
    if args.json is not None:
        data = [figures(r, rows[0]) for r in rows]
        args.json.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
