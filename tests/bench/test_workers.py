"""The webhook-workers benchmark at tiny scale on PostgreSQL: one polling process and two
workers answer everyone, every update and answer is stored once, no worker outlives it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from journey import JOURNEY
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from workers import QUESTIONS, Broken, check_database, run_series, table

from bot.sandbox.server import Sandbox
from tests.databases import requested_postgres_url

WORKERS = Path(__file__).resolve().parents[2] / "bench" / "workers.py"


@pytest.fixture
def postgres() -> str:
    url = requested_postgres_url()
    if url is None:
        pytest.skip("webhook workers share a PostgreSQL database: set DATABASE_URL to one")
    return url


def serving(port: int) -> list[int]:
    """The ids of the `sse-facilitator serve` processes listening on `port`."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
        except (OSError, ValueError):
            continue
        if b"serve" in command and str(port).encode() in command:
            found.append(int(entry.name))
    return found


def test_without_a_postgresql_url_it_says_what_it_needs() -> None:
    done = subprocess.run(
        [sys.executable, str(WORKERS), "--quick"],
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": ""},
    )
    assert done.returncode == 2
    assert "--postgres-url is required" in done.stderr


async def test_polling_and_two_workers_answer_everyone_once(postgres: str) -> None:
    polling = await run_series(0, 3, postgres, target_actions=0, warmup_journeys=1)
    webhook = await run_series(2, 3, postgres, target_actions=0, warmup_journeys=1)
    for series, warm in ((polling, 1), (webhook, 4)):
        assert (series.errors, series.actions) == (0, 3 * len(JOURNEY)), series.failures
        assert series.updates == (warm + 3) * len(JOURNEY)
        assert series.answers == (warm + 3) * QUESTIONS
        assert series.bot_cpu_s > 0 and series.postgres_cpu_s > 0 and series.p50_ms <= series.p95_ms
    assert polling.delivery_outcomes == {} and polling.posts_by_worker == []
    assert webhook.delivery_outcomes == {"200": 3 * len(JOURNEY)}
    assert len(webhook.posts_by_worker) == 2 and min(webhook.posts_by_worker) > 0
    printed = table([polling, webhook]).splitlines()
    assert printed[2].split()[:4] == ["polling", "1", f"{polling.actions_per_s:.1f}", "1.00"]
    assert printed[3].split()[:2] == ["webhook", "2"]


@pytest.fixture
def taken_port() -> Iterator[int]:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


async def test_a_worker_that_cannot_start_stops_the_series_and_the_others(
    postgres: str, taken_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import workers

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        first = probe.getsockname()[1]
    ports = iter([first, taken_port])
    monkeypatch.setattr(workers, "free_port", lambda: next(ports))
    before_stop: list[int] = []
    stop = workers.stop

    async def stopping(processes: list) -> None:
        before_stop.extend(serving(first))
        await stop(processes)

    monkeypatch.setattr(workers, "stop", stopping)
    with pytest.raises(Broken, match="a worker did not start"):
        await run_series(2, 1, postgres, target_actions=0, warmup_journeys=1)
    assert len(before_stop) == 1, "the first worker was serving when the second failed"
    assert serving(first) == [] and serving(taken_port) == []


async def test_the_checks_see_a_lost_an_unhandled_and_a_missing_answer(
    database_url: str,
) -> None:
    engine = create_async_engine(database_url)
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO updates (channel, update_id, received_at) "
                "VALUES ('telegram', 1, CURRENT_TIMESTAMP)"
            )
        )
    await engine.dispose()
    sandbox = Sandbox("1:token")
    sandbox.delivered_ids.update({1, 2})
    with pytest.raises(Broken) as broken:
        await check_database(database_url, sandbox, finished=1)
    assert str(broken.value) == (
        "1 delivered updates not stored, e.g. [2]; 1 updates stored but not handled; "
        "1 journeys finished, 0 with all answers stored"
    )
