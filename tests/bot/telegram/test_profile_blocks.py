"""/profile and /blocks, end to end against the local Bot API server: the territory's profile
replaces participants' own answers about the local government, closed blocks leave menus, a
break-out group's link and a pseudonym put blocks first."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sandbox.server import BotMessage, Sandbox, SandboxUser
from storage.models import Answer, GroupLink, Membership, Territory
from storage.repository import Repository
from tests.bot.harness import RunningBot, join, next_prompt, reply_to, say, tap, toggle

Sessions = async_sessionmaker[AsyncSession]
PROCUREMENT = ("clauses", "share", "simple_procedures", "buyers_training", "paid_on_time")


def labels(message: BotMessage) -> list[str]:
    return [b["text"] for b in message.buttons]


async def press_for_text(user: SandboxUser, label: str) -> BotMessage:
    """Press a button; return the first new message (with or without buttons)."""
    before = len(user.messages)
    await user.press(label)
    await user.wait(lambda: len(user.messages) > before)
    user.mark_seen()
    return user.messages[before]


async def toast(sandbox: Sandbox, user: SandboxUser, data: str) -> str | None:
    """Press a button with any data (even forged) under the user's newest message; return
    the notice the press was answered with."""
    query = await user.press_data(data, user.messages[-1])
    await user.wait(lambda: query in sandbox.callback_answers)
    return sandbox.callback_answers[query].get("text")


async def territory_row(sessions: Sessions, territory_id: int) -> Territory:
    async with sessions() as session:
        found = await session.get(Territory, territory_id)
        assert found is not None
        return found


async def answer_values(sessions: Sessions, flow_id: str) -> dict[str, Any]:
    async with sessions() as session:
        rows = await session.execute(
            select(Answer.question_id, Answer.value).where(Answer.flow_id == flow_id)
        )
        return dict(rows.all())


async def other_territory(sessions: Sessions) -> Territory:
    async with sessions() as session, session.begin():
        return await Repository(session).create_territory(
            name="Córdoba", country="AR", timezone="America/Argentina/Cordoba", language="es"
        )


async def test_the_profile_is_asked_once_and_replaces_participants_answers(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    marie = sandbox.user(801, "Marie", "fr")
    await join(marie, territory.facilitator_code, "J'accepte")
    question = await say(marie, "/profile")
    assert question.text.startswith("Le profil de votre territoire\n\nTrois informations")
    assert "Question 1 sur 3" in question.text
    await tap(marie, "Commune ou ville")
    await toggle(marie, "Formation")
    await tap(marie, "Terminé ✓")
    saved = await press_for_text(marie, "Non")
    assert saved.text == (
        f"Enregistré. Profil de {territory.name}\u00a0:\n"
        "• Échelon de gouvernement\u00a0: Commune ou ville\n"
        "• Compétences\u00a0: Formation\n"
        "• Loi sur l'ESS\u00a0: Non\n\n"
        "Ces questions ne sont plus posées aux personnes participantes."
    )
    row = await territory_row(sessions, territory.id)
    assert row.profile == {
        "level": {"choice": "municipal"},
        "powers": {"choices": ["training"]},
        "sse_law": {"choice": "no"},
    }
    assert row.profile_at is not None

    carlos = sandbox.user(802, "Carlos", "es")
    await join(carlos, territory.join_code, "Acepto")
    question = await tap(carlos, "Tu territorio")
    answers = ("Organización de la ESS", "Por mi cuenta", "En preparación", "Menos de 50")
    settled_by_the_profile = (
        "nivel de gobierno",
        "competencias",
        "ley nacional o regional sobre la ESS",
    )
    for n, label in enumerate(answers, 1):
        assert f"Pregunta {n} de 5" in question.text, question.text
        for settled in settled_by_the_profile:
            assert settled not in question.text, question.text
        question = await tap(carlos, label)
    assert "Pregunta 5 de 5" in question.text
    menu = await say(carlos, "Economía popular")
    assert labels(menu)[0] == "✅ Tu territorio"
    await tap(carlos, "Acceso a los mercados")
    question = await tap(carlos, "Completa (todas las preguntas)")
    assert "Pregunta 1 de 7" in question.text  # the profile has no procurement power
    assert "¿Qué herramientas ayudan a la ESS a vender en el mercado privado?" in question.text
    markets = await answer_values(sessions, "markets")
    assert {q: markets[q] for q in PROCUREMENT} == {
        q: {"na": True, "auto": "territory"} for q in PROCUREMENT
    }
    context = await answer_values(sessions, "context")
    assert not {"level", "powers", "sse_law"} & set(context)

    # /profile again: the answers, then each question with its answer ticked, to change
    before = len(marie.messages)
    await marie.send_text("/profile")
    question = await next_prompt(marie, before)
    assert marie.messages[before].text.startswith(f"Profil de {territory.name}\u00a0:\n• Échelon")
    assert "✓ Commune ou ville" in labels(question)
    await tap(marie, "Province ou région")
    await toggle(marie, "Commande publique")
    await tap(marie, "Terminé ✓")
    saved = await press_for_text(marie, "Garder ▶")
    assert "• Compétences\u00a0: Commande publique, Formation\n" in saved.text
    row = await territory_row(sessions, territory.id)
    assert row.profile == {
        "level": {"choice": "regional"},
        "powers": {"choices": ["procurement", "training"]},
        "sse_law": {"choice": "no"},
    }

    # forged or stale presses change nothing; participants are refused
    other = await other_territory(sessions)
    notice = await toast(sandbox, marie, f"pf:{other.id}:level:a:national")
    assert notice == "Ce profil n'est plus ouvert. Envoyez /profile pour le revoir."
    assert (await territory_row(sessions, other.id)).profile is None
    notice = await toast(sandbox, carlos, f"pf:{territory.id}:level:a:national")
    assert notice == "Este botón ya no funciona."
    assert (await territory_row(sessions, territory.id)).profile == row.profile
    for command in ("/profile", "/blocks"):
        reply = await reply_to(carlos, command)
        assert reply.text.startswith("Este comando es para el equipo facilitador."), command


async def test_cancel_stops_the_profile_and_changes_nothing(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    ann = sandbox.user(812, "Ann", "es")
    await join(ann, territory.facilitator_code, "Acepto")
    question = await say(ann, "/profile")
    reply = await reply_to(ann, "/cancel")
    assert reply.text == ("Cancelado. El perfil no cambió. Envía /profile para empezar de nuevo.")
    query = await ann.press_data(question.buttons[0]["callback_data"], question)  # a late press
    await ann.wait(lambda: query in sandbox.callback_answers)
    assert sandbox.callback_answers[query].get("text") == (
        "Este perfil ya no está abierto. Envía /profile para verlo de nuevo."
    )
    assert (await territory_row(sessions, territory.id)).profile is None


async def test_dont_know_in_the_profile_leaves_the_question_to_participants(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    ann = sandbox.user(811, "Ann", "en")
    await join(ann, territory.facilitator_code, "I agree")
    await say(ann, "/profile")
    await tap(ann, "Skip ▶")
    await tap(ann, "Don't know")
    saved = await press_for_text(ann, "No")
    assert saved.text.endswith(
        "• Level of government: not given – each participant answers\n"
        "• Powers: Don't know – each participant answers\n"
        "• Law on the SSE: No\n\n"
        "Participants are not asked these questions any more."
    )
    question = await tap(ann, "Your territory")
    assert "Question 1 of 7" in question.text


async def test_blocks_close_group_links_and_first_blocks(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    ann = sandbox.user(821, "Ann", "en")
    await join(ann, territory.facilitator_code, "I agree")
    amina = sandbox.user(822, "Aminata", "fr")
    old_menu = await join(amina, territory.join_code, "J'accepte")
    assert "Accès aux marchés" in labels(old_menu)

    shown = await say(ann, "/blocks")
    assert shown.text.startswith(f"Blocks of {territory.name}. Tap a block to close it")
    assert labels(shown)[:2] == ["✅ Legal frameworks", "✅ Co-construction"]
    edits = shown.edits
    notice = await toast_press(sandbox, ann, "✅ Access to markets", shown)
    assert notice == "Closed: Access to markets"
    await ann.wait(lambda: shown.edits > edits)
    assert "⛔ Access to markets" in labels(shown)
    row = await territory_row(sessions, territory.id)
    assert row.open_blocks is not None and "markets" not in row.open_blocks
    assert len(row.open_blocks) == 8

    # the old menu button of the closed block is answered kindly; the menu has it no more
    before = len(amina.messages)
    await amina.press("Accès aux marchés", message=old_menu)
    menu = await next_prompt(amina, before)
    assert menu.text == "Ce bloc est maintenant fermé. Voici les blocs ouverts."
    assert "Accès aux marchés" not in labels(menu) and len(labels(menu)) == 9
    assert "Accès aux marchés" not in labels(await say(amina, "/menu"))

    # a break-out group's link: two blocks, the first picked first
    picker = await tap(ann, "👥 Link for a break-out group")
    assert "Access to markets" not in labels(picker)  # closed blocks are not offered
    await toggle(ann, "Data")
    await toggle(ann, "Capacity building")
    notice = await toast_press(sandbox, ann, "Legal frameworks", picker)
    assert notice == "Two blocks at most. Untick one first."
    assert labels(picker)[:3] == ["Legal frameworks", "Co-construction", "Strategic planning"]
    link = await press_for_text(ann, "Create link ▶")
    found = re.search(r"https://t\.me/sse_sandbox_bot\?start=([A-Z0-9]{8})", link.text)
    assert found, link.text
    assert link.text.startswith(
        "Link for the break-out group on Data and Capacity building:\nhttps://t.me/"
    )
    assert link.text.endswith(
        f"Who joins with it takes part in {territory.name} and finds these blocks first "
        "in their menu."
    )
    async with sessions() as session:
        group = await session.scalar(select(GroupLink))
        assert group is not None and group.first_blocks == ["data", "capacity"]
        assert group.code == found.group(1) and group.territory_id == territory.id

    fatou = sandbox.user(823, "Fatou", "fr")
    menu = await join(fatou, found.group(1), "J'accepte")
    assert labels(menu)[:4] == [
        "Votre territoire",
        "Données",
        "Renforcement des capacités",
        "Cadres juridiques",
    ]
    assert "Accès aux marchés" not in labels(menu)

    # one participant, by pseudonym (Aminata joined second: P-0002)
    reply = await reply_to(ann, "/blocks P-0002 markets legal")
    assert reply.text == "“Access to markets” is closed. Open it first with /blocks."
    reply = await reply_to(ann, "/blocks P-0002 legal communication data")
    assert reply.text == "One or two blocks, please."
    reply = await reply_to(ann, "/blocks P-0099 legal")
    assert reply.text == f"No one in {territory.name} has the pseudonym P-0099."
    reply = await reply_to(ann, "/blocks Aminata legal")
    assert reply.text == "A pseudonym looks like P-0007. Please check it."
    reply = await reply_to(ann, "/blocks P-0002 gardening")
    assert reply.text.startswith("I don't know the block “gardening”. Block names:\n1 – ")
    assert "6 – Access to markets (markets)" in reply.text
    reply = await reply_to(ann, "/blocks P-0002 finance")  # a word of a title is enough
    assert reply.text.startswith("P-0002 now finds Support and finance first in their menu.")
    reply = await reply_to(ann, "/blocks p-2 communication legal")
    assert reply.text == "P-0002 now finds Communication and Legal frameworks first in their menu."
    assert labels(await say(amina, "/menu"))[:3] == [
        "Votre territoire",
        "Communication",
        "Cadres juridiques",
    ]
    picker = await say(ann, "/blocks P-0002")
    assert picker.text.startswith("P-0002: pick one or two blocks")
    assert "✓ Communication" in labels(picker) and "✓ Legal frameworks" in labels(picker)
    await toggle(ann, "✓ Communication")
    await toggle(ann, "✓ Legal frameworks")
    done = await press_for_text(ann, "Save ✓")
    assert done.text == "The menu of P-0002 is back in the usual order."
    assert labels(await say(amina, "/menu"))[:2] == ["Votre territoire", "Cadres juridiques"]

    # forged presses change nothing
    other = await other_territory(sessions)
    stale = "These buttons are out of date. Send /blocks again."
    await say(ann, "/blocks")
    for forged in (
        f"bk:{other.id}:toggle:legal",
        f"bk:{territory.id}:toggle:context",
        f"bk:{territory.id}:toggle:nowhere",
        f"bp:{territory.id}:0:1.2.3:ok:0",
        f"bp:{territory.id}:0:6:ok:0",  # a closed block
        f"bp:{other.id}:0:1:ok:0",
        f"bp:{territory.id}:99:1:ok:0",
    ):
        assert await toast(sandbox, ann, forged) == stale, forged
    assert (await territory_row(sessions, other.id)).open_blocks is None
    assert (await territory_row(sessions, territory.id)).open_blocks == row.open_blocks
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(GroupLink)) == 1
        firsts = await session.scalars(select(Membership.first_blocks).order_by(Membership.number))
        assert list(firsts) == [None, None, ["data", "capacity"]]
    assert await toast(sandbox, amina, f"bk:{territory.id}:toggle:legal") == (
        "Ce bouton ne marche plus."
    )
    reply = await reply_to(amina, "/blocks")
    assert reply.text.startswith("Cette commande est réservée à l'équipe d'animation.")

    # opening the block again brings it back
    shown = await say(ann, "/blocks")
    await toast_press(sandbox, ann, "⛔ Access to markets", shown)
    assert (await territory_row(sessions, territory.id)).open_blocks is None
    assert "Accès aux marchés" in labels(await say(amina, "/menu"))


async def toast_press(sandbox: Sandbox, user: SandboxUser, label: str, message: BotMessage) -> str:
    query = await user.press(label, message=message)
    await user.wait(lambda: query in sandbox.callback_answers)
    return str(sandbox.callback_answers[query].get("text"))
