"""The sandbox page in a real headless Chromium, as a person uses it: join and answer, see the
bot's notices and bold titles, send a voice note, on a phone-sized screen; one browser for all."""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import time
import wave
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from unittest.mock import ANY

import pytest
import pytest_asyncio
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.sandbox.app import RunningSandbox, page_routes, start_sandbox
from bot.sandbox.server import Sandbox, api_routes
from storage.models import Answer
from tests.bot.harness import free_port, join, reply_to, tap

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HAVE_CHROMIUM = Path(CHROMIUM).exists()
pytestmark = [
    pytest.mark.skipif(
        not HAVE_CHROMIUM and not os.environ.get("CI"),
        reason="Debian's chromium is not installed (.ci/run installs it)",
    ),
    pytest.mark.asyncio(loop_scope="module"),
]
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
PHONE = {"width": 390, "height": 844}


def wav(seconds: int) -> bytes:
    """A WAV file of silence that lasts `seconds` (8 kHz, 8 bits, mono)."""
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(1)
        audio.setframerate(8000)
        audio.writeframes(b"\x80" * 8000 * seconds)
    return out.getvalue()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        await launched.close()


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Any) -> AsyncIterator[Any]:
    context = await browser.new_context(viewport=PHONE)
    yield await context.new_page()
    await context.close()


@pytest_asyncio.fixture(loop_scope="module")
async def running_sandbox(database_url: str) -> AsyncIterator[RunningSandbox]:
    running = await start_sandbox("127.0.0.1", free_port(), database_url)
    yield running
    await running.stop()


async def add_person(page: Any, name: str, language: str) -> None:
    from playwright.async_api import expect

    await page.fill("#name", name)
    await page.select_option("#language", language)
    await page.click("#add")
    await expect(page.locator("#tabs .active")).to_have_text(f"{name} ({language})")


async def test_join_answer_two_questions_and_see_progress(
    running_sandbox: RunningSandbox, page: Any, tmp_path: Path
) -> None:
    from playwright.async_api import expect

    await page.goto(running_sandbox.url)
    await expect(page.locator("#join-info")).to_contain_text(running_sandbox.join_code)
    await add_person(page, "Aminata", "fr")
    chat, toast = page.locator("#chat"), page.locator("#toast")
    await page.click("#join")
    await page.get_by_role("button", name="J'accepte").click()
    await page.get_by_role("button", name="Cadres juridiques").click()
    await expect(chat).to_contain_text("Quelle version de ce bloc choisissez-vous")
    title = chat.locator(".msg b", has_text="Cadres juridiques et institutionnels").last
    await expect(title).to_be_visible()  # the block's title, in bold as Telegram shows <b>
    assert int(await title.evaluate("b => getComputedStyle(b).fontWeight")) >= 700
    await page.get_by_role("button", name="Complète (toutes les questions)").click()
    await expect(chat).to_contain_text("Question 1 sur 14")
    chosen = chat.locator(".msg", has_text="Quelle version de ce bloc choisissez-vous")
    await expect(chosen.locator("b", has_text="✓ Complète (toutes les questions)")).to_be_visible()
    await expect(  # the closed message keeps its bold title
        chosen.locator("b", has_text="Cadres juridiques et institutionnels")
    ).to_be_visible()
    await page.get_by_role("button", name="2 · Adopté, peu appliqué").click()
    await expect(toast).to_have_text("Enregistré ✓")  # the bot's answer to the press
    await expect(chat).to_contain_text("Question 2 sur 14")
    closed = chat.locator(".msg", has_text="Question 1 sur 14")
    await expect(closed.locator("b", has_text="✓ 2 · Adopté, peu appliqué")).to_be_visible()
    await page.get_by_role("button", name="1 · Une mention vague").click()
    await expect(chat).to_contain_text("Question 3 sur 14")
    voice = {"name": "note.wav", "mimeType": "audio/wav", "buffer": wav(3)}
    await page.set_input_files("#voice", files=[voice])
    await expect(chat.locator(".msg.mine").last).to_have_text("🎤 0:03")
    await expect(chat.locator(".msg:not(.mine)").last).to_contain_text(  # kept, asked again
        "J'ai gardé ce message comme commentaire sur la question. Maintenant, appuyez sur la "
        "réponse qui convient le mieux.\n\nQuestion 3 sur 14"
    )

    async def entities(session: AsyncSession) -> object:
        query = select(Answer.value).where(Answer.question_id == "entities")
        return (await session.scalars(query)).one()

    stored = await running_sandbox.database.run(entities)
    assert stored == {"comments": [{"voice": {"file_id": ANY, "duration": 3}}]}
    assert "<b>" not in await chat.inner_text()
    await page.fill("#text", "/menu")
    await page.click("#composer button[type=submit]")
    progress = page.get_by_role("button", name="Cadres juridiques · 2/14")
    await expect(progress.last).to_be_visible()
    await page.screenshot(path=str(tmp_path / "sandbox.png"), full_page=True)


async def test_people_and_chats_survive_a_reload_and_a_restart(page: Any, tmp_path: Path) -> None:
    from playwright.async_api import expect

    port = free_port()
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}"
    state = tmp_path / "sandbox.telegram.json"
    running = await start_sandbox("127.0.0.1", port, database_url, state)
    try:
        await page.goto(running.url)
        tabs, chat = page.locator("#tabs"), page.locator("#chat")
        await page.fill("#name", "Aminata")
        await page.select_option("#language", "fr")
        await page.click("#add")
        await page.click("#join")
        await page.get_by_role("button", name="J'accepte").click()
        await page.get_by_role("button", name="Cadres juridiques").click()
        await page.get_by_role("button", name="Complète (toutes les questions)").click()
        await page.get_by_role("button", name="2 · Adopté, peu appliqué").click()
        await expect(chat).to_contain_text("Question 2 sur 14")
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
        await expect(chat).to_contain_text("Question 2 sur 14")

        await running.stop()
        await expect(page.locator("#status")).to_contain_text("The sandbox is not running")
        running = await start_sandbox("127.0.0.1", port, database_url, state)
        await expect(page.locator("#status")).to_be_hidden()
        await page.get_by_role("button", name="1 · Une mention vague").last.click()
        await expect(chat).to_contain_text("Question 3 sur 14")

        await page.reload()
        await expect(tabs.get_by_role("button")).to_have_text(["Aminata (fr)", "Kofi (en)"])
        await expect(chat).to_contain_text("Question 3 sur 14")
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
    finally:
        await running.stop()


async def test_a_voice_note_from_the_page_has_the_length_of_its_file(
    running_sandbox: RunningSandbox, page: Any
) -> None:
    from playwright.async_api import expect

    await page.goto(running_sandbox.url)
    await add_person(page, "Kofi", "en")
    chat = page.locator("#chat")
    await page.click("#join")
    await page.get_by_role("button", name="I agree").click()
    await page.get_by_role("button", name="Your territory").click()
    for choice in ("SSE organisation", "A group of 2 to 5", "Town or city"):
        await page.get_by_role("button", name=choice).click()
    await page.get_by_role("button", name="Social services").click()
    await page.get_by_role("button", name="Done ✓").click()
    await page.get_by_role("button", name="No", exact=True).click()  # a law on the SSE
    await expect(chat).to_contain_text("Is there a national or regional law on cooperatives?")
    await page.get_by_role("button", name="No", exact=True).last.click()
    await page.get_by_role("button", name="Fewer than 50").click()
    await expect(chat).to_contain_text("What do people in your territory call the SSE?")
    voice = {"name": "what-we-call-it.wav", "mimeType": "audio/wav", "buffer": wav(14)}
    async with page.expect_response("**/voice") as sent:
        await page.set_input_files("#voice", files=[voice])
    answer = await (await sent.value).json()
    assert answer == {"ok": True, "duration": 14, "length_read_by": "page"}, "from its metadata"
    await expect(chat.locator(".msg.mine").last).to_have_text("🎤 0:14")
    await expect(page.get_by_role("button", name="✅ Your territory").last).to_be_visible()
    await page.fill("#text", "/mydata")
    await page.click("#composer button[type=submit]")
    await expect(chat.locator(".msg:not(.mine)").last).to_contain_text("voice note (14 s)")


async def test_on_a_phone_the_chat_scrolls_and_the_composer_stays_in_sight(
    running_sandbox: RunningSandbox, page: Any, tmp_path: Path
) -> None:
    from playwright.async_api import expect

    await page.goto(running_sandbox.url)
    await add_person(page, "Ana", "es")
    sandbox = running_sandbox.sandbox
    ana = sandbox.user_handle(max(sandbox.users))
    await join(ana, running_sandbox.join_code, "Acepto")
    await tap(ana, "Marcos jurídicos")
    await tap(ana, "Completa (todas las preguntas)")
    for _ in range(14):  # a long chat: each message kept as a comment, the question asked again
        await reply_to(ana, "no sé")
    chat = page.locator("#chat")
    shown = len(ana.messages) + len(sandbox.written[ana.id])
    assert shown >= 30
    await expect(chat.locator(".msg")).to_have_count(shown)
    last_keyboard = chat.locator(".msg").last.locator(".keyboard")
    await expect(last_keyboard).to_be_visible()
    layout = await page.evaluate(
        """() => {
            const chat = document.getElementById("chat");
            const inside = (el) => {
                const r = el.getBoundingClientRect();
                return r.top >= 0 && r.left >= 0
                    && r.bottom <= innerHeight && r.right <= innerWidth;
            };
            const last = document.querySelector("#chat .msg:last-child");
            const buttons = [...last.querySelectorAll(".keyboard button")];
            return {
                pageScrolls: document.documentElement.scrollHeight > innerHeight,
                scrollY: scrollY,
                chatScrolls: chat.scrollHeight > chat.clientHeight,
                composer: [...document.querySelectorAll("#text, #composer button, #composer label")]
                    .map(inside),
                lastButtons: buttons.map(inside),
                lastButtonsInChat: buttons.map((b) => b.getBoundingClientRect().bottom
                    <= chat.getBoundingClientRect().bottom + 1),
            };
        }"""
    )
    assert layout["pageScrolls"] is False and layout["scrollY"] == 0, layout
    assert layout["chatScrolls"] is True, layout
    assert layout["composer"] == [True, True, True], layout
    assert layout["lastButtons"] and all(layout["lastButtons"]), layout
    assert all(layout["lastButtonsInChat"]), layout
    await page.screenshot(path=str(tmp_path / "phone.png"))
    await chat.locator(".msg").last.get_by_role("button", name="1 · Borrador o debate").click()
    await expect(chat).to_contain_text("Pregunta 2 de 13")
    await page.fill("#text", "Hola")
    await page.click("#composer button[type=submit]")
    await expect(chat.locator(".msg.mine").last).to_have_text("Hola")
    assert await page.evaluate("scrollY") == 0


@pytest_asyncio.fixture(loop_scope="module")
async def bare_sandbox() -> AsyncIterator[tuple[Sandbox, str]]:
    """The fake Telegram and its page with no bot: the test answers as the bot would."""
    sandbox = Sandbox("42:bare")
    info = {"bot_username": "b", "territory": "T", "join_code": "C", "join_link": "l"}
    app = web.Application()
    app.add_routes(api_routes(sandbox) + page_routes(sandbox, info, iter(range(1001, 2000))))
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield sandbox, f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def presses(sandbox: Sandbox, count: int) -> list[str]:
    """The ids of the `count` button presses the page sent, once they are there (the bot's
    updates, taken as the bot would)."""
    for _ in range(100):
        if len(sandbox.updates) >= count:
            taken, sandbox.updates[:] = sandbox.updates[:count], sandbox.updates[count:]
            return [str(u["callback_query"]["id"]) for u in taken]
        await asyncio.sleep(0.05)
    raise AssertionError(f"the page sent {len(sandbox.updates)} button presses, not {count}")


async def test_notices_alerts_and_formatting_as_telegram_shows_them(
    bare_sandbox: tuple[Sandbox, str], page: Any
) -> None:
    from playwright.async_api import expect

    sandbox, url = bare_sandbox
    await page.goto(url)
    await add_person(page, "Marie", "fr")
    marie = max(sandbox.users)
    markup = (
        "<b>Bloc 1</b> · <i>facultatif</i> <code>x=1</code>\n"
        "&lt;b&gt;pas gras&lt;/b&gt; &lt;img src=x onerror=alert(1)&gt; 🎉 <b>fin</b>"
    )
    keyboard = {"inline_keyboard": [[{"text": "Oui", "callback_data": "yes"}]]}
    await sandbox.call(
        "sendMessage",
        {"chat_id": marie, "text": markup, "parse_mode": "HTML", "reply_markup": keyboard},
    )
    message = page.locator("#chat .msg").last
    await expect(message.locator("b")).to_have_text(["Bloc 1", "fin"])  # after an emoji too
    await expect(message.locator("i")).to_have_text("facultatif")
    await expect(message.locator("code")).to_have_text("x=1")
    await expect(message).to_contain_text("<b>pas gras</b> <img src=x onerror=alert(1)> 🎉")
    assert await message.locator("img").count() == 0, "text stays text"

    button = message.get_by_role("button", name="Oui")
    await button.click()
    await button.click()
    alerted, notified = await presses(sandbox, 2)
    await sandbox.call(
        "answerCallbackQuery",
        {"callback_query_id": notified, "text": "Ce bouton ne marche plus."},
    )
    toast = page.locator("#toast")
    await expect(toast).to_have_text("Ce bouton ne marche plus.")
    started = time.monotonic()
    text = "Réservé aux personnes qui animent."
    await sandbox.call(
        "answerCallbackQuery", {"callback_query_id": alerted, "text": text, "show_alert": True}
    )
    alert = page.get_by_role("dialog")
    await expect(alert).to_contain_text(text)
    await expect(toast).to_be_hidden(timeout=5000)
    assert 1.5 <= time.monotonic() - started <= 4.5, "about as long as Telegram shows one"
    await expect(alert).to_be_visible()  # an alert stays until the person closes it
    await alert.get_by_role("button", name="OK").click()
    await expect(alert).to_be_hidden()
    await button.click()
    (quiet,) = await presses(sandbox, 1)
    await sandbox.call("answerCallbackQuery", {"callback_query_id": quiet})
    await page.wait_for_timeout(300)
    await expect(toast).to_be_hidden()  # an answer with no text shows nothing
    await expect(alert).to_be_hidden()
