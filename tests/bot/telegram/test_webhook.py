"""Webhook mode, one worker against the local Bot API server: updates arrive by POST with the
secret token; anything else is refused and changes nothing; a redelivered update is skipped;
`/healthz` answers; a stopping worker finishes the update it is handling."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy.engine import make_url

from bot.sandbox.server import Fault, Sandbox
from bot.telegram.webhook import SECRET_HEADER
from storage.models import Participant, ReceivedUpdate, Territory
from storage.repository import LOCK_PERSON, PERSON_LOCKS, person_lock_key
from tests.bot.harness import (
    TOKEN,
    WEBHOOK_SECRET,
    RunningWorker,
    SandboxServer,
    finish,
    free_port,
    join,
    labels,
    start,
    stored,
    tap,
)
from tests.bot.scheduling.helpers import Sessions
from tests.forwarder import Forwarder
from tests.reliability.people import answers_by_person


@pytest.fixture
async def worker(server: SandboxServer, database_url: str) -> AsyncIterator[RunningWorker]:
    running = RunningWorker(server.url, database_url)
    await running.start()
    yield running
    await running.stop()


async def post(url: str, body: bytes | str, secret: str | None = WEBHOOK_SECRET) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    async with aiohttp.ClientSession() as client, client.post(url, data=body, headers=headers) as r:
        return r.status


async def test_a_person_joins_and_answers_through_the_webhook(
    worker: RunningWorker, sandbox: Sandbox, territory: Territory
) -> None:
    assert sandbox.webhook == f"{worker.url}/telegram"
    user = sandbox.user(7001, "Ana", "es")
    menu = await join(user, territory.join_code, "Acepto")
    assert any("Comunicación" in label for label in labels(menu))
    path = await tap(user, next(b for b in labels(menu) if "Comunicación" in b))
    assert labels(path) == ["Corta (unos 3 minutos)", "Completa (todas las preguntas)"]
    question = await tap(user, "Completa (todas las preguntas)")
    assert question.text.startswith("Pregunta 1 de 11\n\n")
    assert sandbox.delivery is not None
    for _ in range(50):  # the 200 follows the reply by a moment
        if sandbox.delivery.pending == 0:
            break
        await asyncio.sleep(0.02)
    info = await sandbox.call("getWebhookInfo", {})
    assert info["pending_update_count"] == 0 and "last_error_message" not in info
    assert {a.outcome for a in sandbox.delivery.attempts} == {200}


async def test_without_the_secret_token_nothing_is_read(
    worker: RunningWorker, sandbox: Sandbox, sessions: Sessions
) -> None:
    user = sandbox.user(7002, "Eve", "en")
    update = {"update_id": 5001, "message": sandbox.user_message(7002, user.chat, text="/help")}
    body = json.dumps(update)
    hook = f"{worker.url}/telegram"
    assert await post(hook, body, secret=None) == 401
    assert await post(hook, body, secret="test-webhook-secret_0123456788") == 401
    assert await post(hook, body, secret=TOKEN) == 401
    assert await post(hook, "this is no JSON") == 400
    assert await post(hook, json.dumps({"hello": "world"})) == 400
    assert await post(hook, json.dumps([update])) == 400
    await asyncio.sleep(0.2)
    assert user.messages == []
    assert await stored(sessions, ReceivedUpdate) == []
    assert await stored(sessions, Participant) == []
    assert await post(hook, body) == 200
    assert user.texts[0].startswith("How it works")
    assert [u.update_id for u in await stored(sessions, ReceivedUpdate)] == [5001]


async def test_an_update_delivered_twice_is_handled_once(
    worker: RunningWorker, sandbox: Sandbox
) -> None:
    user = sandbox.user(7003, "Twice", "fr")
    update = {"update_id": 5002, "message": sandbox.user_message(7003, user.chat, text="/help")}
    hook = f"{worker.url}/telegram"
    first, second = await asyncio.gather(
        post(hook, json.dumps(update)), post(hook, json.dumps(update))
    )
    assert (first, second) == (200, 200)
    await asyncio.sleep(0.2)
    assert len(user.messages) == 1


async def test_healthz_says_the_database_answers(worker: RunningWorker) -> None:
    async with aiohttp.ClientSession() as client, client.get(f"{worker.url}/healthz") as r:
        assert (r.status, await r.text()) == (200, "ok")


async def test_a_stopping_worker_finishes_the_update_it_is_handling(
    worker: RunningWorker, sandbox: Sandbox, territory: Territory, sessions: Sessions
) -> None:
    user = sandbox.user(7004, "Slow", "en")
    # The Bot API is slow to answer the reply: the update is in flight when the stop comes.
    slow = Fault("sendMessage", delay=1.0)
    sandbox.faults.append(slow)
    await user.send_text(f"/start {territory.join_code}")
    while slow.times:  # counted down as the slow call begins
        await asyncio.sleep(0.01)
    assert worker.worker is not None
    await worker.worker.stop()
    worker.worker = None
    assert any("I agree" in labels(m) for m in user.messages), "the reply was sent"
    assert sandbox.delivery is not None
    assert [a.outcome for a in sandbox.delivery.attempts] == [200], "answered, not cut off"


async def test_healthz_says_when_the_database_stops_answering(
    server: SandboxServer, database_url: str
) -> None:
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("a worker's database stops answering: a PostgreSQL server behind a cut")
    forwarder = Forwarder(url.host or "127.0.0.1", url.port or 5432)
    await forwarder.start()
    through = url.set(host="127.0.0.1", port=forwarder.port).render_as_string(hide_password=False)
    running = RunningWorker(server.url, through)
    await running.start()
    try:
        health = f"{running.url}/healthz"
        async with aiohttp.ClientSession() as client:
            async with client.get(health) as r:
                assert (r.status, await r.text()) == (200, "ok")
            await forwarder.cut()
            async with client.get(health) as r:
                assert (r.status, await r.text()) == (503, "database unreachable")
            await forwarder.start()
            async with client.get(health) as r:
                assert (r.status, await r.text()) == (200, "ok"), "and back once it answers"
    finally:
        await running.stop()
        await forwarder.cut()


async def test_one_persons_updates_at_two_workers_at_once_are_applied_in_turn(
    server: SandboxServer, database_url: str, territory: Territory, sessions: Sessions
) -> None:
    if make_url(database_url).get_backend_name() != "postgresql":
        pytest.skip("two workers share a PostgreSQL database (SQLite: one process)")
    sandbox = server.sandbox
    first, second = RunningWorker(server.url, database_url), RunningWorker(server.url, database_url)
    await first.start()
    await second.start()
    try:
        user = sandbox.user(7005, "Both", "en")
        await join(user, territory.join_code, "I agree")
        await tap(user, "Communication")
        question = await tap(user, "Full (all questions)")
        for _ in range(6):
            question = await tap(user, "Skip ▶")
        assert question.text.startswith("Question 7 of 11\n\nWhat is one strength")
        chat = user.chat
        strength, next_step = (
            {
                "update_id": next(sandbox.update_ids),
                "message": sandbox.user_message(7005, chat, text=t),
            }
            for t in ("Our fair", "A map")
        )
        # Telegram sends a chat's next update only after the previous one is answered; this
        # is what it would look like if it did not: each worker gets one, at the same moment,
        # while a third transaction holds the person's lock.
        async with sessions() as session, session.begin():
            key = person_lock_key("telegram", 7005)
            await session.execute(LOCK_PERSON, {"space": PERSON_LOCKS, "key": key})
            one = asyncio.create_task(post(f"{first.url}/telegram", json.dumps(strength)))
            await asyncio.sleep(0.3)
            two = asyncio.create_task(post(f"{second.url}/telegram", json.dumps(next_step)))
            await asyncio.sleep(0.3)
            assert not one.done() and not two.done(), "both wait for the person's lock"
        assert await one == 200 and await two == 200
    finally:
        await first.stop()
        await second.stop()
    answers = (await answers_by_person(sessions))["7005"]
    assert answers["strength"] == {"text": "Our fair"} and answers["next_step"] == {"text": "A map"}


@pytest.mark.parametrize(
    ("env", "hook", "status", "says"),
    [
        ({"TELEGRAM_WEBHOOK_SECRET": ""}, "{local}", 2, "TELEGRAM_WEBHOOK_SECRET is not set"),
        ({"TELEGRAM_WEBHOOK_SECRET": "short"}, "{local}", 2,
         "TELEGRAM_WEBHOOK_SECRET must be 16 to 256 letters, digits, - and _"),
        ({"TELEGRAM_WEBHOOK_SECRET": "has spaces in it, sixteen+"}, "{local}", 2,
         "TELEGRAM_WEBHOOK_SECRET must be 16 to 256 letters, digits, - and _"),
        ({"TELEGRAM_API_URL": ""}, "http://bot.example.org/telegram", 2,
         "Telegram sends updates only to https:// addresses: fix --webhook-url"),
        ({"TELEGRAM_API_URL": ""}, "https://bot.example.org:9000/telegram", 2,
         "Telegram sends updates only to ports 443, 80, 88 or 8443: fix --webhook-url"),
        ({}, "not an address", 2, "--webhook-url must be an address"),
        ({}, "{taken}", 1, "cannot listen on 127.0.0.1:{port}"),
    ],
)  # fmt: skip
async def test_serve_says_in_one_line_what_cannot_work(
    tmp_path: Path,
    server: SandboxServer,
    env: dict[str, str],
    hook: str,
    status: int,
    says: str,
) -> None:
    port = free_port()
    base = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": server.url,
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
            "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET}  # fmt: skip
    hook = hook.format(local=f"http://127.0.0.1:{port}/telegram", taken="http://x.test/t")
    args = ("serve", "--port", str(port), "--webhook-url", hook)
    blocker = await asyncio.start_server(lambda r, w: None, "127.0.0.1", port)
    try:
        code, out, err = await finish(await start({**base, **env}, tmp_path, args=args))
    finally:
        blocker.close()
    assert code == status, err
    assert err.splitlines()[-1].startswith("sse-facilitator: ")
    assert says.format(port=port) in err.splitlines()[-1]
    assert TOKEN not in out + err and WEBHOOK_SECRET not in out + err


async def test_serve_runs_until_stopped_and_never_logs_its_secrets(
    tmp_path: Path, server: SandboxServer
) -> None:
    sandbox = server.sandbox
    port = free_port()
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": server.url,
           "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
           "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET}  # fmt: skip
    hook = f"http://127.0.0.1:{port}/hook/path"
    process = await start(env, tmp_path, args=("serve", "--port", str(port), "--webhook-url", hook))
    user = sandbox.user(7006, "Logs", "en")
    sandbox.faults.append(Fault("sendMessage", 502, "Bad Gateway"))
    await user.send_text("/help")
    await user.wait(lambda: bool(user.messages), timeout=60)
    assert sandbox.webhook == hook
    code, out, err = await finish(process, stop=True)
    assert code == 0, err
    assert "sendMessage failed (TelegramServerError), retrying" in err
    assert user.texts[-1].startswith("How it works")
    assert TOKEN not in out + err and WEBHOOK_SECRET not in out + err and "Traceback" not in err
