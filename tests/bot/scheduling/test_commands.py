"""The facilitator's /session, /schedule and /remind, end to end against the local Bot API
server, in French and Spanish; the refusals to participants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from babel.dates import format_time
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sandbox.server import Sandbox
from bot.scheduling import messages
from dialogs.loader import load_flows
from storage.models import OutboxMessage, Territory
from tests.bot.harness import RunningBot, join, reply_to
from tests.bot.scheduling.helpers import daytime, new_message, scheduling
from tests.seeding import Seeder, context, level

Sessions = async_sessionmaker[AsyncSession]


async def test_session_schedule_and_remind_in_french(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    await daytime(sessions, territory)
    marie = sandbox.user(740, "Marie", "fr")
    await join(marie, territory.facilitator_code, "J'accepte")
    people = [sandbox.user(741 + n, f"P{n}", "fr") for n in range(2)]
    for someone in people:
        await join(someone, territory.join_code, "J'accepte")

    shown = await reply_to(marie, "/session")
    assert shown.text == (
        "Dakar <Plateau> & Co n'a pas encore de date de séance.\n"
        "Pour la fixer, envoyez la date et l'heure de Africa/Dakar, comme ceci\u00a0: "
        "/session 2027-06-01 16:15"
    )
    assert (await reply_to(marie, "/session demain matin")).text == (
        "Je ne trouve pas de date ni d'heure dans «\u00a0demain matin\u00a0». "
        "Envoyez-les comme ceci\u00a0: "
        "/session 2027-06-01 16:15"
    )
    assert (await reply_to(marie, "/session 2020-01-01 10:00")).text.startswith(
        "Cette date est passée."
    )
    saved = await reply_to(marie, "/session 2099-06-01 16:15")
    assert saved.text == (
        "C'est enregistré\u00a0: la séance pour Dakar <Plateau> & Co a lieu le lundi "
        "1er juin 2099, "
        "16:15 (UTC+00:00). Je reprogramme les rappels."
    )
    async with sessions() as session:
        place = await session.get(Territory, territory.id)
        assert place is not None and place.session_at == datetime(2099, 6, 1, 16, 15, tzinfo=UTC)

    timer = scheduling(running_bot)
    # a day before: the 3-hour reminder is left, and the participants, who joined long ago
    # and never started, are invited
    await timer.plan(datetime(2099, 5, 31, 9, 0, tzinfo=UTC))
    listed = await reply_to(marie, "/schedule")
    assert listed.text == (
        "Ce que j'enverrai pour Dakar <Plateau> & Co\u00a0:\n"
        "• dim. 31 mai, 09:00\u00a0: une invitation à commencer, à 2 personnes\n"
        "• dim. 31 mai, 16:15\u00a0: la synthèse, pour l'équipe d'animation, à 1 personne\n"
        "• lun. 1 juin, 13:15\u00a0: un rappel de la séance, à 3 personnes\n"
        "Jamais entre 00:00 et 00:00, heure de Africa/Dakar. /remind envoie un rappel "
        "maintenant."
    )

    asked = await reply_to(marie, "/remind")
    assert asked.text == (
        "Envoyer un rappel aux 2 personnes de Dakar <Plateau> & Co qui n'ont pas fini\u202f?"
    )
    data = asked.buttons[0]["callback_data"]
    before = len(marie.messages)
    await marie.press("Envoyer à 2 personnes", message=asked)
    assert (
        await new_message(marie, before) == "C'est fait\u00a0: 2 personnes le recevront maintenant."
    )
    assert asked.buttons == []  # the button went
    query = await marie.press_data(data, asked)  # a double tap, or an old copy of it
    await marie.wait(lambda: query in sandbox.callback_answers)
    assert sandbox.callback_answers[query].get("text") == "Déjà envoyé."
    counts = [len(p.messages) for p in people]
    assert await timer.dispatcher.tick() == 2
    for someone, count in zip(people, counts, strict=True):
        assert await new_message(someone, count) == (
            "L'équipe d'animation de Dakar <Plateau> & Co vous le rappelle\u00a0: vos réponses "
            "aident à préparer la séance. /menu montre ce qu'il reste."
        )
    async with sessions() as session:
        kinds = (await session.scalars(select(OutboxMessage.kind))).all()
        assert sorted(kinds).count("remind") == 2

    refused = await reply_to(people[0], "/remind")
    assert refused.text.startswith("Cette commande est réservée")


async def test_remind_at_night_waits_for_the_morning_in_spanish(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    now = datetime.now(UTC)
    night_start = (now - timedelta(hours=1)).strftime("%H:%M")  # it is night now, in Dakar
    night_end = (now + timedelta(hours=2)).strftime("%H:%M")
    async with sessions() as session, session.begin():
        await session.execute(
            update(Territory).values(schedule={"quiet": [night_start, night_end]})
        )
    carlos = sandbox.user(750, "Carlos", "es")
    await join(carlos, territory.facilitator_code, "Acepto")
    assert (await reply_to(carlos, "/remind")).text == (
        "Todavía ninguna persona participante se unió a Dakar <Plateau> & Co: no hay a quién "
        "enviarle un recordatorio."
    )
    ana = sandbox.user(751, "Ana", "es")
    await join(ana, territory.join_code, "Acepto")
    asked = await reply_to(carlos, "/remind")
    assert asked.text == (
        "¿Envío un recordatorio a 1 persona de Dakar <Plateau> & Co que no ha terminado?"
    )
    before = len(carlos.messages)
    await carlos.press("Enviar a 1 persona", message=asked)
    said = await new_message(carlos, before)
    morning = format_time(
        datetime.strptime(night_end, "%H:%M").time(), "short", locale="es"
    )  # Babel writes 8:00 in Spanish
    assert said == (
        f"Listo: 1 persona lo recibirá a las {morning}, después de las horas de descanso."
    )


async def test_a_digest_the_summary_the_day_before_and_thanks_after_the_session(
    sandbox: Sandbox,
    running_bot: RunningBot,
    territory: Territory,
    sessions: Sessions,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await daytime(sessions, territory)
    marie = sandbox.user(760, "Marie", "fr")
    await join(marie, territory.facilitator_code, "J'accepte")
    seeder = Seeder(sessions, load_flows(), next_id=760)
    for _ in range(3):  # people 761, 762, 763 answered two blocks
        await seeder.person(
            territory, {"context": context("official"), "legal": level("2")}, language="fr"
        )
    people = [sandbox.user(761 + n, f"P{n}", "fr") for n in range(3)]

    assert (await reply_to(marie, "/digest")).text.startswith("Envoyez /digest et une heure")
    assert (await reply_to(marie, "/digest 25:00")).text.startswith(
        "Je ne trouve pas d'heure dans «\u00a025:00\u00a0»"
    )
    assert (await reply_to(marie, "/digest 18h")).text.startswith("Chaque jour à 18:00 ")
    assert (await reply_to(marie, "/digest 7h30")).text == (
        "Chaque jour à 07:30 (heure de Africa/Dakar), vous recevrez l'avancement pour "
        "Dakar <Plateau> & Co et ce qui a changé."
    )
    timer = scheduling(running_bot)
    now = datetime.now(UTC)
    await timer.plan(now)
    seven = now.replace(hour=7, minute=30, second=0, microsecond=0)  # Dakar is UTC+0
    due = seven if seven >= now else seven + timedelta(days=1)
    before = len(marie.messages)
    await timer.dispatcher.tick(due)
    digest = await new_message(marie, before)
    assert digest.endswith(
        "Depuis le dernier point\u00a0: 3 personnes ont répondu. Blocs terminés\u00a0: 6. "
        "Nouvelles personnes\u00a0: 4."
    )

    session_at = (now + timedelta(days=3)).replace(microsecond=0)
    local = session_at.strftime("%Y-%m-%d %H:%M")
    assert (await reply_to(marie, f"/session {local}")).text.startswith("C'est enregistré")
    await timer.plan(now)
    before = len(marie.messages)
    await timer.dispatcher.tick(session_at - timedelta(hours=23))
    await marie.wait(lambda: any("a lieu demain" in m.text for m in marie.messages[before:]))
    await marie.wait(lambda: any("Cadres juridiques" in m.text for m in marie.messages[before:]))
    [chart] = [m for m in marie.messages[before:] if m.kind == "photo"]  # the radar, as /summary
    assert chart.text.startswith("Dakar <Plateau> & Co")

    counts = [len(p.messages) for p in people]
    computed = []
    real = messages.territory_figures

    async def counted(*args: object) -> object:
        computed.append(args)
        return await real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(messages, "territory_figures", counted)
    await timer.dispatcher.tick(session_at + timedelta(hours=3))
    assert len(computed) == 1  # the territory's figures, once for the three thanks
    for someone, count in zip(people, counts, strict=True):
        await someone.wait(
            lambda s=someone, c=count: any(
                m.text.startswith("Merci d'avoir répondu pour Dakar <Plateau> & Co\u202f!")
                for m in s.messages[c:]
            )
        )
    thanks = next(m for m in people[0].messages if m.text.startswith("Merci d'avoir"))
    assert "Cadres juridiques" in thanks.text  # their score, next to the territory's
    async with sessions() as session:
        kinds = sorted((await session.scalars(select(OutboxMessage.kind))).all())
    assert kinds.count("thanks") == 3 and kinds.count("summary") == 1
