"""Open an HTML report in Debian's headless Chromium (never a downloaded browser), with every
request recorded and anything but the file itself refused, and print it on A4."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HAVE_CHROMIUM = Path(CHROMIUM).exists()
needs_chromium = pytest.mark.skipif(
    not HAVE_CHROMIUM and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (.ci/run installs it)",
)
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@dataclass
class Opened:
    page: Any
    url: str
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    async def text(self, selector: str) -> str:
        """The text a person sees in an element (spaces made plain)."""
        found = await self.page.locator(selector).inner_text()
        return " ".join(found.replace("\xa0", " ").replace("\u202f", " ").split())

    async def pdf_pages(self, path: Path) -> int:
        """Print on A4; the number of pages of the PDF."""
        data = await self.page.pdf(path=str(path), format="A4", print_background=True)
        assert data.startswith(b"%PDF")
        return len(re.findall(rb"/Type\s*/Page[^s]", data))


@asynccontextmanager
async def opened(path: Path) -> AsyncIterator[Opened]:
    """The file in a laptop-sized window; any request but the file's is recorded and refused."""
    from playwright.async_api import Route, async_playwright

    url = path.resolve().as_uri()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1366, "height": 768})
            found = Opened(page, url)

            async def only_the_file(route: Route) -> None:
                found.requests.append(route.request.url)
                if route.request.url == url:
                    await route.continue_()
                else:
                    await route.abort()

            page.on("dialog", lambda dialog: found.dialogs.append(dialog.message))
            await page.route("**/*", only_the_file)
            await page.goto(url)
            await page.wait_for_load_state("load")
            yield found
        finally:
            await browser.close()


async def images_shown(page: Any) -> list[tuple[int, int]]:
    """The size each image is drawn at (0 when it did not load)."""
    return await page.eval_on_selector_all(
        "img", "imgs => imgs.map(i => [i.naturalWidth, i.complete ? i.naturalHeight : 0])"
    )
