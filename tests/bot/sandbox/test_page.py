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
