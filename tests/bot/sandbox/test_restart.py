"""`sse-facilitator sandbox` stopped and started again on the same database and state file:
the bot still answers, people keep their identity and their chats, new people are new."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from bot.sandbox.app import RunningSandbox, start_sandbox
from bot.sandbox.server import BotMessage, SandboxUser
from tests.bot.harness import free_port, join, next_prompt, say, tap


def labels(message: BotMessage) -> list[str]:
    return [b["text"] for b in message.buttons]


async def add_person(running: RunningSandbox, name: str, language: str) -> SandboxUser:
    """Add a test person as the page does."""
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{running.url}/sandbox/api/users", json={"name": name, "language": language}
        ) as response,
    ):
        person = await response.json()
    return running.sandbox.user_handle(person["id"])


async def people(running: RunningSandbox) -> list[dict[str, object]]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{running.url}/sandbox/api/users") as response,
    ):
        return list(await response.json())


async def test_the_sandbox_survives_a_restart(tmp_path: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}"
    state = tmp_path / "sandbox.telegram.json"
    port = free_port()
    running = await start_sandbox("127.0.0.1", port, database_url, state)
    try:
        assert running.notice is None, "a new database: nothing to warn about"
        marie = await add_person(running, "Marie", "fr")
        await join(marie, running.join_code, "J'accepte")
        await tap(marie, "Cadres juridiques")
        await tap(marie, "Complète (toutes les questions)")
        question = await tap(marie, "1 · Projet ou discussion")
        assert question.text.startswith("Question 2 sur 13")
        seen = marie.texts
    finally:
        await running.stop()

    running = await start_sandbox("127.0.0.1", port, database_url, state)
    try:
        assert running.notice is None
        assert await people(running) == [{"id": marie.id, "name": "Marie", "language": "fr"}]
        marie = running.sandbox.user_handle(marie.id)
        assert marie.texts == seen, "her chat is there, as on Telegram"
        question = await tap(marie, "3 · Claire et complète")  # a button sent before the restart
        assert question.text.startswith("Question 3 sur 13")
        menu = await say(marie, "/menu")  # a message after the restart is answered
        assert "Cadres juridiques · 2/13" in labels(menu)

        ana = await add_person(running, "Ana", "es")
        assert ana.id != marie.id
        await ana.send_text(f"/start {running.join_code}")
        consent = await next_prompt(ana, 0)
        assert consent.text.startswith("Antes de empezar, esto es lo que guardo")
        assert "Acepto" in labels(consent), "a new person, asked for consent"
        menu = await tap(ana, "Acepto")
        assert "Marcos jurídicos" in labels(menu), "with nothing answered yet"
    finally:
        await running.stop()


async def test_a_lost_state_file_starts_afresh_and_the_bot_still_answers(tmp_path: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}"
    state = tmp_path / "sandbox.telegram.json"
    port = free_port()
    running = await start_sandbox("127.0.0.1", port, database_url, state)
    try:
        kofi = await add_person(running, "Kofi", "en")
        await join(kofi, running.join_code, "I agree")
    finally:
        await running.stop()
    state.write_text('{"version": 1, "next_ids": {"upd', encoding="utf-8")

    running = await start_sandbox("127.0.0.1", port, database_url, state)
    try:
        assert running.notice is not None and "is unreadable" in running.notice
        assert await people(running) == []
        yaw = await add_person(running, "Yaw", "en")
        assert yaw.id != kofi.id
        await yaw.send_text(f"/start {running.join_code}")
        consent = await next_prompt(yaw, 0)
        assert consent.text.startswith("Before we start, here is what I keep")
    finally:
        await running.stop()
