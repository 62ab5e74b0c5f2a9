"""The sandbox page in a real headless Chromium: join, answer two questions, see the progress."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.sandbox.app import RunningSandbox, start_sandbox
from tests.bot.harness import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HAVE_CHROMIUM = Path(CHROMIUM).exists()
pytestmark = pytest.mark.skipif(
    not HAVE_CHROMIUM and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (.ci/run installs it)",
)
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture
async def running_sandbox(database_url: str) -> AsyncIterator[RunningSandbox]:
    running = await start_sandbox("127.0.0.1", free_port(), database_url)
    yield running
    await running.stop()


async def test_join_answer_two_questions_and_see_progress(
    running_sandbox: RunningSandbox, tmp_path: Path
) -> None:
    from playwright.async_api import async_playwright, expect

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 420, "height": 900})
        await page.goto(running_sandbox.url)
        await expect(page.locator("#join-info")).to_contain_text(running_sandbox.join_code)
        await page.fill("#name", "Aminata")
        await page.select_option("#language", "fr")
        await page.click("#add")
        await expect(page.locator("#tabs")).to_contain_text("Aminata (fr)")
        await page.click("#join")
        await page.get_by_role("button", name="J'accepte").click()
        await page.get_by_role("button", name="Cadres juridiques").click()
        await expect(page.locator("#chat")).to_contain_text("Question 1 sur 10")
        await page.get_by_role("button", name="2 · Établi").click()
        await expect(page.locator("#chat")).to_contain_text("Question 2 sur 10")
        await page.get_by_role("button", name="1 · Émergent").click()
        await expect(page.locator("#chat")).to_contain_text("Question 3 sur 10")
        voice = {"name": "note.ogg", "mimeType": "audio/ogg", "buffer": b"OggS-voice"}
        await page.set_input_files("#voice", files=[voice])
        await expect(page.locator("#chat")).to_contain_text("🎤")
        await expect(page.locator("#chat")).to_contain_text(
            "Appuyez sur un des boutons ci-dessous."  # a voice note is no answer to a multi-select
        )
        await page.fill("#text", "/menu")
        await page.click("#composer button")
        progress = page.get_by_role("button", name="Cadres juridiques · 2/10")
        await expect(progress.last).to_be_visible()
        await page.screenshot(path=str(tmp_path / "sandbox.png"), full_page=True)
        await browser.close()


async def test_people_and_chats_survive_a_reload_and_a_restart(tmp_path: Path) -> None:
    from playwright.async_api import async_playwright, expect

    port = free_port()
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}"
    state = tmp_path / "sandbox.telegram.json"
    running = await start_sandbox("127.0.0.1", port, database_url, state)
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = await browser.new_page(viewport={"width": 420, "height": 900})
            await page.goto(running.url)
            tabs, chat = page.locator("#tabs"), page.locator("#chat")
            await page.fill("#name", "Aminata")
            await page.select_option("#language", "fr")
            await page.click("#add")
            await page.click("#join")
            await page.get_by_role("button", name="J'accepte").click()
            await page.get_by_role("button", name="Cadres juridiques").click()
            await page.get_by_role("button", name="2 · Établi").click()
            await expect(chat).to_contain_text("Question 2 sur 10")
            await page.fill("#name", "Kofi")
            await page.select_option("#language", "en")
            await page.click("#add")
            await page.click("#join")
            await expect(chat).to_contain_text("Before we start, here is what I keep")

            await page.reload()
            await expect(tabs.get_by_role("button")).to_have_text(["Aminata (fr)", "Kofi (en)"])
            await expect(tabs.locator(".active")).to_have_text("Kofi (en)")
            await expect(chat).to_contain_text("Before we start, here is what I keep")
            await tabs.get_by_role("button", name="Aminata (fr)").click()
            await expect(chat).to_contain_text("Question 2 sur 10")

            await running.stop()
            await expect(page.locator("#status")).to_contain_text("The sandbox is not running")
            running = await start_sandbox("127.0.0.1", port, database_url, state)
            await expect(page.locator("#status")).to_be_hidden()
            await page.get_by_role("button", name="1 · Émergent").last.click()
            await expect(chat).to_contain_text("Question 3 sur 10")

            await page.reload()
            await expect(tabs.get_by_role("button")).to_have_text(["Aminata (fr)", "Kofi (en)"])
            await expect(chat).to_contain_text("Question 3 sur 10")
            await tabs.get_by_role("button", name="Kofi (en)").click()
            await page.get_by_role("button", name="I agree").click()
            await expect(chat).to_contain_text("Legal frameworks")
            await page.fill("#name", "Ana")
            await page.select_option("#language", "es")
            await page.click("#add")
            await expect(tabs.get_by_role("button")).to_have_count(3)
            await page.click("#join")
            await expect(chat).to_contain_text("Antes de empezar, esto es lo que guardo")
            await page.screenshot(path=str(tmp_path / "restarted.png"), full_page=True)
            await browser.close()
    finally:
        await running.stop()
