"""The invite poster: its QR code decodes back to the link, in the PNG and in the SVG (drawn by
a real headless Chromium); the territory's name and the instruction are on it."""

from __future__ import annotations

import io
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from bot.reports.qr import file_stem, invite_poster, poster_file, poster_png, poster_svg
from tests.bot.sandbox.test_page import CHROMIUM, CHROMIUM_ARGS, HAVE_CHROMIUM

SVG = "{http://www.w3.org/2000/svg}"
LINK = "https://t.me/sse_sandbox_bot?start=ABCD2345"


def decoded(png: bytes) -> list[str]:
    return [code.text for code in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def svg_lines(svg: bytes) -> list[tuple[str, float]]:
    root = ET.fromstring(svg)
    return [(t.text or "", float(t.get("font-size", 0))) for t in root.iter(f"{SVG}text")]


@pytest.mark.parametrize(
    ("name", "language", "instruction"),
    [
        ("Dakar", "fr", "Scannez ce code avec votre téléphone pour donner votre avis sur Telegram"),
        (
            "Córdoba <Sur> & $alrededores$ — un nombre muy largo de territorio, "
            "con sus barrios y sus pueblos vecinos",
            "es",
            "Escanea con tu teléfono para dar tu opinión en Telegram",
        ),
    ],
)
def test_the_png_is_an_a4_page_whose_code_is_the_link(
    name: str, language: str, instruction: str
) -> None:
    poster = invite_poster(name, language, LINK)
    assert poster.instruction == instruction
    png = poster_png(poster)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    width, height = image.size
    assert (width, abs(height - 1754) <= 1) == (1240, True)  # A4 at 150 dpi
    assert decoded(png) == [LINK]


def test_the_svg_holds_the_name_large_the_instruction_and_the_link_as_text() -> None:
    name = "Saint-Louis <Nord> & Co"
    svg = poster_svg(invite_poster(name, "fr", LINK))
    lines = svg_lines(svg)
    title = [text for text, size in lines if size == max(s for _, s in lines)]
    assert " ".join(title) == name
    words = " ".join(text for text, _ in lines)
    assert "Scannez ce code avec votre téléphone pour donner votre avis sur Telegram" in words
    assert lines[-1][0] == LINK
    root = ET.fromstring(svg)
    assert root.get("width") == "210mm" and root.get("height") == "297mm"
    assert b"href" not in svg and b"url(" not in svg  # self-contained: nothing to fetch
    assert root.find(f"{SVG}title").text == name  # type: ignore[union-attr]


def test_a_long_name_is_made_smaller_to_fit_and_the_files_have_plain_names() -> None:
    short = svg_lines(poster_svg(invite_poster("Dakar", "en", LINK)))
    long = svg_lines(poster_svg(invite_poster("Municipalidad " * 12, "en", LINK)))
    assert short[0][1] > long[0][1]
    assert file_stem("Córdoba Sur (Ñuñoa)") == "cordoba-sur-nunoa"
    assert file_stem("서울") == "territory"
    assert poster_file(invite_poster("Dakar", "en", LINK), "svg").startswith(b"<?xml")


@pytest.mark.skipif(
    not HAVE_CHROMIUM and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (.ci/run installs it)",
)
async def test_the_svg_drawn_by_a_browser_decodes_to_the_link(tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    path = tmp_path / "poster.svg"
    path.write_bytes(poster_svg(invite_poster("Dakar", "fr", LINK)))
    html = tmp_path / "poster.html"
    html.write_text(
        '<body style="margin:0"><img src="poster.svg" style="width:794px;height:1123px"></body>'
    )
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = await browser.new_page(viewport={"width": 794, "height": 1123})
        await page.goto(html.as_uri())
        shot = await page.screenshot()
        await browser.close()
    assert decoded(shot) == [LINK]
