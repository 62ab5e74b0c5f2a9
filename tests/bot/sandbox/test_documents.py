"""The sandbox page lets a person save a document the bot sent them (an export, say)."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from bot.sandbox.app import start_sandbox
from bot.sandbox.spec import UploadedFile
from tests.bot.harness import free_port
from tests.bot.sandbox.test_restart import add_person


async def test_a_document_can_be_saved_from_the_page_with_its_name(tmp_path: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}"
    running = await start_sandbox("127.0.0.1", free_port(), database_url, None)
    try:
        marie = await add_person(running, "Marie", "fr")
        other = await add_person(running, "Ana", "es")
        sent = await running.sandbox.call(
            "sendDocument",
            {"chat_id": marie.id, "document": UploadedFile("dakar-2027.csv", b"\xef\xbb\xbfa,b")},
        )
        assert sent["document"]["file_name"] == "dakar-2027.csv"
        base = f"{running.url}/sandbox/api/users"
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base}/{marie.id}/messages") as response:
                shown = await response.json()
            assert [(m["kind"], m["file_name"]) for m in shown] == [("document", "dakar-2027.csv")]
            url = f"/documents/{sent['message_id']}"
            async with http.get(f"{base}/{marie.id}{url}") as response:
                assert response.status == 200
                assert await response.read() == b"\xef\xbb\xbfa,b"
                assert "filename*=UTF-8''dakar-2027.csv" in response.headers["Content-Disposition"]
            async with http.get(f"{base}/{other.id}{url}") as response:
                assert response.status == 404, "only the person the bot sent it to"
    finally:
        await running.stop()
