"""/invite and /territory end to end against the local Bot API server: the links, the poster
(its QR code decoded back to the link), switching territories, and forged buttons."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sandbox.server import BOT_USERNAME, BotMessage, Sandbox, SandboxUser
from bot.telegram.callbacks import TerritoryCb
from storage.models import Membership, Territory
from storage.repository import Repository
from tests.bot.harness import RunningBot, SandboxServer, join, reply_to, say, tap

Sessions = async_sessionmaker[AsyncSession]
BOT_LINK = f"https://t.me/{BOT_USERNAME}"
ORGANISER = 900


async def new_territory(sessions: Sessions, name: str, country: str, language: str) -> Territory:
    async with sessions() as session, session.begin():
        return await Repository(session).create_territory(
            name=name, country=country, timezone="UTC", language=language
        )


async def invite(user: SandboxUser) -> tuple[BotMessage, BotMessage, BotMessage]:
    """Send /invite; the links message and the two poster files."""
    before = len(user.messages)
    await user.send_text("/invite")
    await user.wait(lambda: len(user.messages) >= before + 3, timeout=60)
    links, png, svg = user.messages[before : before + 3]
    return links, png, svg


def file_of(sandbox: Sandbox, message: BotMessage) -> bytes:
    assert message.kind == "document" and message.file_id is not None
    return sandbox.files[message.file_id][1]


def svg_text(svg: bytes) -> str:
    root = ET.fromstring(svg)
    return " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))


async def current(sessions: Sessions, user_id: int) -> tuple[str, str]:
    """The person's current territory and their role there."""
    async with sessions() as session:
        found = await Repository(session).person("telegram", str(user_id))
        assert found is not None and found.territory is not None and found.role is not None
        return found.territory.name, found.role


async def test_invite_gives_both_links_and_a_poster_whose_code_is_the_join_link(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory
) -> None:
    marie = sandbox.user(801, "Marie", "fr")
    await join(marie, territory.facilitator_code, "J'accepte")
    links, png, svg = await invite(marie)
    join_link = f"{BOT_LINK}?start={territory.join_code}"
    facilitator_link = f"{BOT_LINK}?start={territory.facilitator_code}"
    assert links.text == (
        f"Liens pour {territory.name}\n\n"
        "Pour les personnes participantes\u00a0: partagez ce lien ou imprimez l'affiche "
        "ci-dessous.\n"
        f"{join_link}\n\n"
        "Réservé à l'équipe d'animation, à ne pas diffuser largement\u00a0:\n"
        f"{facilitator_link}"
    )
    assert png.file_name == "poster-dakar-plateau-co.png"
    assert png.text == "L'affiche à imprimer en A4 (langue\u00a0: français)."
    image = Image.open(io.BytesIO(file_of(sandbox, png)))
    assert [code.text for code in zxingcpp.read_barcodes(image)] == [join_link]
    assert svg.file_name == "poster-dakar-plateau-co.svg"
    words = svg_text(file_of(sandbox, svg))
    assert words.startswith(territory.name)
    assert "Scannez ce code avec votre téléphone pour donner votre avis sur Telegram" in words
    assert words.endswith(join_link)


async def test_the_poster_is_in_the_territory_language_and_the_message_in_mine(
    sandbox: Sandbox, running_bot: RunningBot, sessions: Sessions
) -> None:
    cordoba = await new_territory(sessions, "Córdoba", "AR", "es")
    ann = sandbox.user(802, "Ann", "en")
    await join(ann, cordoba.facilitator_code, "I agree")
    links, png, svg = await invite(ann)
    assert links.text.startswith("Links for Córdoba\n\nFor participants: share this link")
    assert "For facilitators only, do not share widely:" in links.text
    assert png.text == "The poster to print on A4, in Spanish."
    image = Image.open(io.BytesIO(file_of(sandbox, png)))
    join_link = f"{BOT_LINK}?start={cordoba.join_code}"
    assert [code.text for code in zxingcpp.read_barcodes(image)] == [join_link]
    words = svg_text(file_of(sandbox, svg))
    assert words == f"Córdoba Escanea con tu teléfono para dar tu opinión en Telegram {join_link}"


async def test_a_person_in_two_territories_switches_and_forged_buttons_change_nothing(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    cordoba = await new_territory(sessions, "Córdoba", "AR", "es")
    elsewhere = await new_territory(sessions, "Elsewhere", "FR", "fr")
    carlos = sandbox.user(803, "Carlos", "es")
    await join(carlos, territory.join_code, "Acepto")
    await join(carlos, cordoba.facilitator_code, "Acepto")
    assert await current(sessions, 803) == ("Córdoba", "facilitator")
    choose = await say(carlos, "/territory")
    assert choose.text == "Elige un territorio. ✓ = el actual."
    assert [b["text"] for b in choose.buttons] == ["✓ Córdoba · AR", f"{territory.name} · SN"]
    menu = await tap(carlos, f"{territory.name} · SN")
    assert menu.text.startswith(f"Ahora estás en {territory.name}.")
    assert choose.text.endswith(f"✓ {territory.name}") and not choose.buttons
    assert await current(sessions, 803) == (territory.name, "participant")
    reply = await reply_to(carlos, "/invite")
    assert reply.text.startswith("Este comando es para el equipo facilitador.")
    choose = await say(carlos, "/territory")
    for forged in (TerritoryCb(id=elsewhere.id).pack(), TerritoryCb(id=9999).pack(), "ter:x"):
        query = await carlos.press_data(forged, choose)
        await carlos.wait(lambda q=query: q in sandbox.callback_answers)
        assert sandbox.callback_answers[query]["text"] == "Este botón ya no funciona."
    assert await current(sessions, 803) == (territory.name, "participant")
    async with sessions() as session:
        joined = select(Membership).where(Membership.territory_id == elsewhere.id)
        assert (await session.scalars(joined)).all() == []
    menu = await tap(carlos, "Córdoba · AR")
    assert menu.text.startswith("Ahora estás en Córdoba.")
    assert await current(sessions, 803) == ("Córdoba", "facilitator")


async def test_with_one_territory_or_none_territory_says_how_to_join(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory
) -> None:
    stranger = sandbox.user(804, "Stranger", "en")
    reply = await reply_to(stranger, "/territory")
    assert reply.text.startswith("You have not joined a territory yet.")
    aminata = sandbox.user(805, "Aminata", "fr")
    await join(aminata, territory.join_code, "J'accepte")
    reply = await reply_to(aminata, "/territory")
    assert reply.text.startswith(f"Vous participez seulement pour {territory.name}.")


@pytest.fixture
async def organising_bot(server: SandboxServer, database_url: str) -> AsyncIterator[RunningBot]:
    running = RunningBot(server.url, database_url, organisers=frozenset({ORGANISER}))
    await running.start()
    yield running
    await running.stop()


async def test_an_organiser_sees_every_territory_and_becomes_its_facilitator(
    sandbox: Sandbox, organising_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    await new_territory(sessions, "Córdoba", "AR", "es")
    organiser = sandbox.user(ORGANISER, "Org", "fr")
    choose = await say(organiser, "/territory")
    assert [b["text"] for b in choose.buttons] == ["Córdoba · AR", f"{territory.name} · SN"]
    notice = await tap(organiser, "Córdoba · AR")  # never agreed: the notice first
    assert notice.text.startswith("Avant de commencer")
    menu = await tap(organiser, "J'accepte")
    assert menu.text.startswith("Vous faites maintenant partie de l'équipe d'animation de Córdoba.")
    await say(organiser, "/territory")
    menu = await tap(organiser, f"{territory.name} · SN")
    assert menu.text.startswith(
        f"Vous faites maintenant partie de l'équipe d'animation de {territory.name}."
    )
    assert await current(sessions, ORGANISER) == (territory.name, "facilitator")
    links, _, _ = await invite(organiser)
    assert links.text.startswith(f"Liens pour {territory.name}")
    choose = await say(organiser, "/territory")
    assert [b["text"] for b in choose.buttons] == ["Córdoba · AR", f"✓ {territory.name} · SN"]
    menu = await tap(organiser, "Córdoba · AR")
    assert menu.text.startswith("Territoire actuel\u00a0: Córdoba.")
