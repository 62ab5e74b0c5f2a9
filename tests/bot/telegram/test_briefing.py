"""/briefing end to end against the local Bot API server: Spanish and French facilitators of
two territories each get short messages and an HTML file, opened in the real headless Chromium
(the database's numbers, no network, escaped quotes, printed on A4)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path

from babel.numbers import format_decimal, format_percent
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sandbox.server import BotMessage, Sandbox, SandboxUser
from dialogs import engine
from dialogs.loader import load_flows
from dialogs.model import Question
from storage.models import Territory
from storage.repository import Repository
from tests.bot.harness import RunningBot, join, reply_to
from tests.bot.reports.browser import images_shown, needs_chromium, opened
from tests.seeding import Pick, Seeder, context, level

pytestmark = needs_chromium
Sessions = async_sessionmaker[AsyncSession]
SCRIPT = "<script>window.pwned = 1</script>"
FIRST_ID = 987_654_000
"""Seeded people's Telegram ids start above this: none of them may show in a file."""


def markets(value: str, step: str | None = None, voice: int | None = None) -> Pick:
    """Level `value` on every scale but one, "don't know" on that one (paying on time) and on
    the multi-select (so the person's score is exactly the level, with a level on 5 of the 6
    scored questions), `step` (or a voice note) as the proposed next step."""

    def pick(question: Question) -> engine.Input:
        if question.kind == "multi" or question.id == "paid_on_time":
            return engine.Choose("dk")
        if question.id == "next_step":
            if voice is not None:
                return engine.Voice("voice-file", voice)
            return engine.Text(step or "")
        if question.id == "strength":
            return engine.Text("Una fortaleza")
        return level(value)(question)

    return pick


@dataclass
class Place:
    territory: Territory
    levels: list[int]
    """The level each person who answered the block gave."""


async def territory(sessions: Sessions, name: str, language: str) -> Territory:
    async with sessions() as session, session.begin():
        return await Repository(session).create_territory(
            name=name, country="AR", timezone="America/Argentina/Cordoba", language=language
        )


async def seed(sessions: Sessions, dakar: Territory) -> dict[str, Place]:
    seeder = Seeder(sessions, load_flows(), next_id=FIRST_ID)
    cordoba = await territory(sessions, "Córdoba", "es")
    rosario = await territory(sessions, "Rosario", "es")
    thies = await territory(sessions, "Thiès", "fr")
    elsewhere = await territory(sessions, "Elsewhere", "en")
    official, sse = context("official"), context("sse_org")

    async def add(where: Territory, role: Pick, answers: Pick, language: str = "en") -> None:
        await seeder.person(where, {"context": role, "markets": answers}, language=language)

    for _ in range(3):
        await add(cordoba, official, markets("1", f"Más compras públicas {SCRIPT}"), "es")
    for _ in range(3):
        await add(cordoba, sse, markets("3", "Ferias mensuales"), "es")
    await add(rosario, official, markets("0", voice=42), "en")
    await add(rosario, sse, markets("2", "Un label commun"), "fr")
    for _ in range(3):
        await add(dakar, sse, markets("2", "Des foires locales"), "fr")
    await seeder.person(thies, {"context": official, "legal": level("2")}, language="fr")
    for _ in range(3):
        await add(elsewhere, sse, markets("3", "SECRET-ELSEWHERE"))
    return {
        "cordoba": Place(cordoba, [1, 1, 1, 3, 3, 3]),
        "rosario": Place(rosario, [0, 2]),
        "dakar": Place(dakar, [2, 2, 2]),
        "thies": Place(thies, []),
        "elsewhere": Place(elsewhere, [3, 3, 3]),
    }


def num(value: float, language: str) -> str:
    """As the chat writes a score: at most two decimals (2, 1,5, 1,75)."""
    return format_decimal(round(value, 2), format="0.##", locale=language)


def expected_row(place: Place, language: str, level_word: str) -> list[str]:
    """What the scores table shows for a territory, from the levels people gave."""
    mean = round(statistics.fmean(place.levels), 2)
    ordered = sorted(place.levels)
    q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    confidence = format_percent(round(5 / 6, 2), locale=language)  # a level on 5 of 6
    return [
        place.territory.name,
        num(mean, language),
        level_word,
        str(round(mean / 3 * 100)),
        str(len(place.levels)),
        confidence.replace("\xa0", " ").replace("\u202f", " "),
        f"{num(ordered[0], language)}–{num(ordered[-1], language)}",
        f"{num(q1, language)}–{num(q3, language)}",
    ]


async def briefing(user: SandboxUser, command: str) -> tuple[list[BotMessage], BotMessage]:
    """Send the command; the messages before the HTML document, and the document."""
    before = len(user.messages)
    await user.send_text(command)
    await user.wait(lambda: any(m.kind == "document" for m in user.messages[before:]), 30)
    sent = user.messages[before:]
    document = next(m for m in sent if m.kind == "document")
    return [m for m in sent if m.kind == "text"], document


def saved(sandbox: Sandbox, document: BotMessage, path: Path) -> bytes:
    assert document.file_id is not None
    data = sandbox.files[document.file_id][1]
    path.write_bytes(data)
    return data


def private(data: bytes, *ids: int) -> None:
    """Nothing in the file says who a person is: no name, no Telegram id."""
    text = data.decode("utf-8")
    assert "Secret Name" not in text
    for person in ids:
        assert str(person) not in text
    for person in range(FIRST_ID + 1, FIRST_ID + 25):
        assert str(person) not in text


async def test_briefing_in_spanish_across_two_territories(
    sandbox: Sandbox,
    running_bot: RunningBot,
    sessions: Sessions,
    territory: Territory,
    tmp_path: Path,
) -> None:
    places = await seed(sessions, territory)
    cordoba, rosario = places["cordoba"], places["rosario"]
    ana = sandbox.user(880_101, "Ana", "es")
    await join(ana, cordoba.territory.facilitator_code, "Acepto")
    await join(ana, rosario.territory.facilitator_code, "Acepto")

    messages, document = await briefing(ana, "/briefing markets")
    chat = "\n".join(m.text for m in messages)
    assert chat.startswith("Bloque 6: Acceso a los mercados. Puntajes (0–3 y 0–100):")
    assert "• Córdoba: 2/3 (Establecido) · 67/100 · n = 6" in chat
    assert "• Rosario: 1/3 (Incipiente) · 33/100 · n = 2" in chat
    assert "Preguntas con los puntajes más altos" in chat
    assert "Próximos pasos propuestos" in chat
    assert f"“Más compras públicas {SCRIPT}” — P-0001, Córdoba" in chat
    assert "Dakar" not in chat and "SECRET-ELSEWHERE" not in chat
    assert document.text.startswith("El resumen completo")
    data = saved(sandbox, document, tmp_path / "briefing.html")
    private(data, 880_101)
    assert b"SECRET-ELSEWHERE" not in data and b"Dakar" not in data

    async with opened(tmp_path / "briefing.html") as shown:
        page = shown.page
        assert await page.get_attribute("html", "lang") == "es"
        assert (await shown.text("h1")) == "Resumen para el grupo: Acceso a los mercados"
        for place, word in ((cordoba, "Establecido"), (rosario, "Incipiente")):
            row = f'#scores-markets tr[data-territory="{place.territory.name}"]'
            cells = await page.locator(f"{row} th, {row} td").all_inner_texts()
            cleaned = [
                " ".join(c.replace("\xa0", " ").replace("\u202f", " ").split()) for c in cells
            ]
            assert cleaned == expected_row(place, "es", word)
        roles = await shown.text('#roles-markets tr[data-territory="Córdoba"]')
        assert roles == "Córdoba 1 (n = 3) 3 (n = 3) +2"
        roles = await shown.text('#roles-markets tr[data-territory="Rosario"]')
        assert roles == "Rosario menos de 3 menos de 3 —"
        # Quotes: shown as text in their own language, never run as code.
        quote = page.locator("blockquote", has_text="Más compras públicas").first
        assert SCRIPT in await quote.inner_text()
        assert await quote.locator("p[lang]").first.get_attribute("lang") == "es"
        french = page.locator("blockquote", has_text="Un label commun")
        assert await french.locator("p[lang]").get_attribute("lang") == "fr"
        assert "P-0002 · Rosario · Francés" in await french.inner_text()
        assert await page.evaluate("typeof window.pwned") == "undefined"
        assert shown.dialogs == []
        voice = await shown.text(".quote.voice")
        assert voice == "🎤 Nota de voz (42 s) P-0001 · Rosario · Inglés"
        assert all(width > 0 for width, _ in await images_shown(page))
        assert shown.requests == [shown.url]  # nothing fetched but the file itself
        pages = await shown.pdf_pages(tmp_path / "briefing.pdf")
        assert 2 <= pages <= 12


async def test_briefing_in_french_by_number_and_by_button(
    sandbox: Sandbox,
    running_bot: RunningBot,
    sessions: Sessions,
    territory: Territory,
    tmp_path: Path,
) -> None:
    places = await seed(sessions, territory)
    dakar, thies = places["dakar"], places["thies"]
    marie = sandbox.user(880_202, "Marie", "fr")
    await join(marie, dakar.territory.facilitator_code, "J'accepte")
    await join(marie, thies.territory.facilitator_code, "J'accepte")

    messages, document = await briefing(marie, "/briefing 6")
    chat = "\n".join(m.text for m in messages)
    assert chat.startswith("Bloc 6\u00a0: Accès aux marchés. Scores (0–3 et 0–100)\u00a0:")
    assert "• Dakar <Plateau> & Co\u00a0: 2/3 (Établi) · 67/100 · n = 3" in chat
    assert "• Thiès\u00a0: pas encore de réponses" in chat
    assert "“Des foires locales” — P-0001, Dakar <Plateau> & Co" in chat
    assert "Córdoba" not in chat and "Rosario" not in chat
    data = saved(sandbox, document, tmp_path / "note.html")
    private(data, 880_202)
    assert "Córdoba".encode() not in data and b"SECRET-ELSEWHERE" not in data

    async with opened(tmp_path / "note.html") as shown:
        page = shown.page
        assert await page.get_attribute("html", "lang") == "fr"
        # the page reads its text with innerText, which gives no-break spaces as spaces
        assert await shown.text("h1") == "Note de préparation : Accès aux marchés"
        row = await page.locator(
            '#scores-markets tr[data-territory="Dakar <Plateau> & Co"] th, '
            '#scores-markets tr[data-territory="Dakar <Plateau> & Co"] td'
        ).all_inner_texts()
        cleaned = [" ".join(c.replace("\xa0", " ").replace("\u202f", " ").split()) for c in row]
        assert cleaned == expected_row(dakar, "fr", "Établi")
        assert await shown.text('#scores-markets tr[data-territory="Thiès"]') == (
            "Thiès Pas encore de réponses."
        )
        quote = page.locator("blockquote", has_text="Des foires locales").first
        assert await quote.locator("p[lang]").get_attribute("lang") == "fr"
        assert shown.requests == [shown.url]
        assert 2 <= await shown.pdf_pages(tmp_path / "note.pdf") <= 12

    # An unknown block: a kind message with the list and buttons; a button gives the briefing.
    reply = await reply_to(marie, "/briefing zzz")
    assert reply.text.startswith("Je ne connais pas le bloc «\u00a0zzz\u00a0».")
    assert "6 · Accès aux marchés" in reply.text
    before = len(marie.messages)
    await marie.press("6 · Accès aux marchés", message=reply)
    await marie.wait(lambda: any(m.kind == "document" for m in marie.messages[before:]), 30)
    assert marie.messages[before].text.startswith("Bloc 6\u00a0: Accès aux marchés.")

    # Without a block: buttons to choose one.
    reply = await reply_to(marie, "/briefing")
    assert reply.text.startswith("Sur quel bloc porte votre groupe de travail\u202f?")
    assert len(reply.buttons) == 8


async def test_forged_buttons_and_participants_get_nothing(
    sandbox: Sandbox,
    running_bot: RunningBot,
    sessions: Sessions,
    territory: Territory,
) -> None:
    places = await seed(sessions, territory)
    marie = sandbox.user(880_303, "Marie", "fr")
    await join(marie, territory.facilitator_code, "J'accepte")
    menu = await reply_to(marie, "/briefing")
    count = len(marie.messages)
    for forged in ("br:nothing", "br:context", "br:markets:9999"):
        query = await marie.press_data(forged, menu)
        await marie.wait(lambda q=query: sandbox.callbacks.get(q) is True)
    assert sandbox.callback_answers[query]["text"] == "Ce bouton ne marche plus."
    assert len(marie.messages) == count  # nothing sent, no briefing

    carlos = sandbox.user(880_404, "Carlos", "es")
    await join(carlos, places["cordoba"].territory.join_code, "Acepto")
    reply = await reply_to(carlos, "/briefing markets")
    assert reply.text.startswith("Este comando es para el equipo facilitador.")
    count = len(carlos.messages)
    query = await carlos.press_data("br:markets", reply)
    await carlos.wait(lambda: sandbox.callbacks.get(query) is True)
    assert sandbox.callback_answers[query]["text"].startswith(
        "Este comando es para el equipo facilitador."
    )
    assert len(carlos.messages) == count
    assert all(m.kind != "document" for m in carlos.messages)
