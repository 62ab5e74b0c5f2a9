"""The facilitator's side on Telegram, end to end against the local Bot API server."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sandbox.server import Sandbox
from storage.models import Membership, Territory
from tests.bot.harness import RunningBot, join, reply_to, say

Sessions = async_sessionmaker[AsyncSession]


async def roles(sessions: Sessions) -> list[tuple[int, str]]:
    async with sessions() as session:
        rows = await session.execute(select(Membership.number, Membership.role))
        return sorted((number, role) for number, role in rows)


async def test_the_facilitator_code_gives_the_role_after_the_same_consent(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    marie = sandbox.user(701, "Marie", "fr")
    menu = await join(marie, territory.facilitator_code, "J'accepte")
    welcome = f"Vous faites maintenant partie de l'équipe d'animation de {territory.name}."
    assert menu.text.startswith(welcome)
    carlos = sandbox.user(702, "Carlos", "es")
    menu = await join(carlos, territory.join_code, "Acepto")
    assert menu.text.startswith(f"¡Te damos la bienvenida a {territory.name}!")
    assert await roles(sessions) == [(1, "facilitator"), (2, "participant")]
    help_text = (await reply_to(marie, "/help")).text
    assert "/summary – résultats par bloc" in help_text
    assert "/summary" not in (await reply_to(carlos, "/help")).text


async def test_a_participant_becomes_facilitator_with_the_facilitator_link(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    ann = sandbox.user(703, "Ann", "en")
    await join(ann, territory.join_code, "I agree")
    menu = await say(ann, f"/join {territory.facilitator_code}")
    assert menu.text.startswith(f"You are now a facilitator of {territory.name}.")
    assert await roles(sessions) == [(1, "facilitator")]
    menu = await say(ann, f"/start {territory.join_code}")
    assert menu.text.startswith(f"You already take part for {territory.name}.")
    assert await roles(sessions) == [(1, "facilitator")]


async def test_facilitator_commands_are_refused_kindly_to_others(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory
) -> None:
    stranger = sandbox.user(704, "Stranger", "en")
    reply = await reply_to(stranger, "/summary")
    assert reply.text.startswith("This command is for facilitators.")
    carlos = sandbox.user(705, "Carlos", "es")
    await join(carlos, territory.join_code, "Acepto")
    for command in ("/progress", "/export", "/briefing markets", "/invite"):
        reply = await reply_to(carlos, command)
        assert reply.text.startswith("Este comando es para el equipo facilitador."), command
