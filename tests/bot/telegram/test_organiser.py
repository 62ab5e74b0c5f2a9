"""/newterritory end to end against the local Bot API server: an organiser's guided dialog
(wrong answers said kindly and asked again, nothing lost), /cancel, and the refusal to others."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sandbox.server import BOT_USERNAME, Sandbox
from storage.models import PendingDialog, Territory
from tests.bot.harness import RunningBot, SandboxServer, join, reply_to, say, tap

Sessions = async_sessionmaker[AsyncSession]
ORGANISERS = frozenset({910, 911})


@pytest.fixture
async def organising_bot(server: SandboxServer, database_url: str) -> AsyncIterator[RunningBot]:
    running = RunningBot(server.url, database_url, organisers=ORGANISERS)
    await running.start()
    yield running
    await running.stop()


async def stored(sessions: Sessions) -> list[Territory]:
    async with sessions() as session:
        return list((await session.scalars(select(Territory).order_by(Territory.id))).all())


async def dialogs(sessions: Sessions) -> list[tuple[str, str, dict]]:
    async with sessions() as session:
        rows = await session.scalars(select(PendingDialog))
        return [(d.external_id, d.kind, d.state) for d in rows]


async def test_an_organiser_creates_a_territory_step_by_step(
    sandbox: Sandbox, organising_bot: RunningBot, sessions: Sessions
) -> None:
    lucia = sandbox.user(910, "Lucía", "es")
    reply = await reply_to(lucia, "/newterritory")
    assert reply.text == "Nuevo territorio. ¿Cómo se llama? (Para cancelar, envía /cancel.)"
    reply = await reply_to(lucia, "  Río   Cuarto ")
    assert reply.text.startswith("¿En qué país está Río Cuarto? Escribe su código de dos letras")
    reply = await reply_to(lucia, "Argentina")
    assert reply.text == (
        "No conozco el código de país «Argentina». Escribe dos letras, por ejemplo AR o SN."
    )
    assert await dialogs(sessions) == [
        ("910", "newterritory", {"step": "country", "name": "Río Cuarto"})
    ]
    zones = await say(lucia, "ar")
    assert zones.text.startswith("¿Qué zona horaria? Elige una o escribe otra")
    assert "Córdoba (UTC−3)" in [b["text"] for b in zones.buttons]
    refused = await say(lucia, "Mars/Base")
    assert refused.text == (
        "No conozco la zona horaria «Mars/Base». Escribe un nombre como "
        "America/Argentina/Buenos_Aires."
    )
    assert refused.buttons == zones.buttons  # asked again, with the same choices
    languages = await tap(lucia, "Córdoba (UTC−3)")
    assert refused.text.endswith("✓ Córdoba (UTC−3)")
    assert [b["text"] for b in languages.buttons] == ["English", "Español", "Français"]
    again = await say(lucia, "alemán")
    assert again.text == "Elige el idioma con un botón, por favor."
    session = await tap(lucia, "Français")
    assert session.text.startswith(
        "¿Cuándo es la sesión, en hora de America/Argentina/Cordoba? Escribe la fecha"
    )
    assert [b["text"] for b in session.buttons] == ["Saltar"]
    reply = await reply_to(lucia, "mañana a las 4")
    assert reply.text.startswith("No entiendo «mañana a las 4» como fecha y hora.")
    reply = await reply_to(lucia, "2027-06-01 16:15")
    [territory] = await stored(sessions)
    assert (territory.name, territory.country, territory.timezone, territory.language) == (
        "Río Cuarto",
        "AR",
        "America/Argentina/Cordoba",
        "fr",
    )
    assert territory.session_at == datetime(2027, 6, 1, 19, 15, tzinfo=UTC)
    link = f"https://t.me/{BOT_USERNAME}?start="
    assert reply.text == (
        "Territorio creado: Río Cuarto\n"
        "Argentina · America/Argentina/Cordoba · francés\n"
        "Sesión: 1 jun 2027, 16:15 hora de Argentina (Córdoba)\n\n"
        f"Las personas participantes se suman con este enlace, o con /join {territory.join_code}:\n"
        f"{link}{territory.join_code}\n\n"
        "Solo para el equipo facilitador, no lo difundas "
        f"(o /join {territory.facilitator_code}):\n"
        f"{link}{territory.facilitator_code}\n\n"
        "Si vas a facilitarlo tú, abre el enlace de facilitación o usa /territory. "
        "Después, /invite prepara el afiche con el código QR."
    )
    assert await dialogs(sessions) == []
    query = await lucia.press_data(session.buttons[0]["callback_data"], session)
    await lucia.wait(lambda: query in sandbox.callback_answers)
    assert sandbox.callback_answers[query]["text"] == "Este botón ya no funciona."
    assert len(await stored(sessions)) == 1


async def test_typed_zones_skip_cancel_and_the_blocks_afterwards(
    sandbox: Sandbox, organising_bot: RunningBot, sessions: Sessions
) -> None:
    pierre = sandbox.user(911, "Pierre", "fr")
    reply = await reply_to(pierre, "/cancel")
    assert reply.text == "Il n'y a rien à annuler."
    await reply_to(pierre, "/newterritory")
    await reply_to(pierre, "Montréal")
    reply = await reply_to(pierre, "CA")
    assert reply.text == "Quel fuseau horaire\u202f? Tapez son nom, par exemple America/St_Johns."
    assert not reply.buttons  # too many zones for buttons
    reply = await reply_to(pierre, "/cancel")
    assert reply.text == "Annulé. Aucun territoire n'a été créé."
    assert await stored(sessions) == [] and await dialogs(sessions) == []
    reply = await reply_to(pierre, "Montréal")  # no dialog: an ordinary message again
    assert reply.text.startswith("Bonjour\u202f!")

    await reply_to(pierre, "/newterritory")
    await reply_to(pierre, "Montréal")
    await reply_to(pierre, "ca")
    languages = await say(pierre, "america/toronto")
    assert languages.text.startswith("Quelle langue\u202f?")
    await tap(pierre, "Français")
    reply = await reply_to(pierre, "2020-01-01 10:00")
    assert reply.text.startswith("Cette date est passée.")
    before = len(pierre.messages)
    await pierre.press("Passer")
    await pierre.wait(lambda: any("Territoire créé" in m.text for m in pierre.messages[before:]))
    created = next(m for m in pierre.messages[before:] if "Territoire créé" in m.text).text
    assert created.startswith(
        "Territoire créé\u00a0: Montréal\nCanada · America/Toronto · français\n"
        "Séance\u00a0: pas encore de date de séance\n\n"
    )
    [montreal] = await stored(sessions)
    assert (montreal.timezone, montreal.session_at) == ("America/Toronto", None)

    menu = await join(pierre, montreal.join_code, "J'accepte")
    assert menu.text.startswith("Bienvenue")
    await reply_to(pierre, "/newterritory")
    reply = await reply_to(pierre, "Laval")  # the dialog takes it, not the blocks
    assert reply.text.startswith("Dans quel pays se trouve Laval\u202f?")
    await reply_to(pierre, "/cancel")
    reply = await reply_to(pierre, "Laval")  # back to the blocks
    assert reply.text.startswith("Choisissez d'abord un bloc.")


async def test_newterritory_is_refused_kindly_to_others_and_their_typing_is_untouched(
    sandbox: Sandbox, organising_bot: RunningBot, sessions: Sessions
) -> None:
    for user_id, language, refusal in (
        (920, "en", "Only organisers can create territories."),
        (921, "es", "Solo el equipo organizador puede crear territorios."),
    ):
        person = sandbox.user(user_id, "Someone", language)
        reply = await reply_to(person, "/newterritory")
        assert reply.text.startswith(refusal)
        reply = await reply_to(person, "Dakar")
        assert not reply.text.startswith(("In which country", "¿En qué país"))
    assert await stored(sessions) == [] and await dialogs(sessions) == []


async def test_a_name_the_country_has_already_is_asked_again(
    sandbox: Sandbox, organising_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    awa = sandbox.user(911, "Awa", "fr")
    await reply_to(awa, "/newterritory")
    await reply_to(awa, "  dakar <PLATEAU>  & co")
    taken = await reply_to(awa, "SN")
    assert taken.text == (
        "Il y a déjà un territoire nommé Dakar <Plateau> & Co dans ce pays (Sénégal, code pour "
        f"rejoindre\u00a0: {territory.join_code}). Tapez un autre nom, par exemple en ajoutant le "
        "quartier."
    )
    zones = await say(awa, "Dakar Médina")  # the country is kept: on to the time zone
    assert zones.text.startswith("Quel fuseau horaire\u202f? Choisissez-en un")
    assert await dialogs(sessions) == [
        ("911", "newterritory", {"step": "timezone", "name": "Dakar Médina", "country": "SN"})
    ]
