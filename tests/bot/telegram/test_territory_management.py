"""An organiser closes a territory and replaces a leaked code at the command line while the bot
runs; people who send the old code or the closed territory's link are told so kindly, in their
language, and people already in go on."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cli import main
from bot.sandbox.server import Sandbox, SandboxUser
from storage.models import JoinAttempt, Membership, Participant, Territory
from tests.bot.harness import RunningBot, join, reply_to, tap

Sessions = async_sessionmaker[AsyncSession]
NAME = "Dakar <Plateau> & Co"

CLOSED = {
    "en": f"You can no longer join {NAME}. If you think you should take part, please ask its "
    "facilitation team.",
    "es": f"Ya no es posible sumarse a {NAME}. Si crees que deberías participar, consulta con "
    "su equipo facilitador.",
    "fr": f"Il n'est plus possible de rejoindre {NAME}. Si vous pensez que vous devriez en faire "
    "partie, adressez-vous à son équipe d'animation.",
}
REPLACED = {
    "en": "This code has been replaced by a new one. Please ask your facilitation team for the "
    "new code or link.",
    "es": "Este código fue reemplazado por uno nuevo. Pídele el nuevo código o enlace a tu "
    "equipo facilitador.",
    "fr": "Ce code a été remplacé par un nouveau. Demandez le nouveau code ou le nouveau lien "
    "à votre équipe d'animation.",
}


async def operator(*args: str) -> None:
    """`sse-facilitator ARGS`, run while the bot runs."""
    assert await asyncio.to_thread(main, list(args)) == 0


async def count(sessions: Sessions, model: type, **where: object) -> int:
    async with sessions() as session:
        query = select(func.count()).select_from(model).filter_by(**where)
        return int(await session.scalar(query) or 0)


async def members(sessions: Sessions, territory: Territory) -> int:
    return await count(sessions, Membership, territory_id=territory.id)


async def notice(user: SandboxUser, code: str) -> str:
    """What the bot answers to the link of a code (/start CODE)."""
    return (await reply_to(user, f"/start {code}")).text


@pytest.fixture(autouse=True)
def operator_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)


async def test_a_closed_territory_takes_no_new_people_and_those_in_go_on(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    code = territory.join_code
    aminata = sandbox.user(801, "Aminata", "fr")
    await join(aminata, code, "J'accepte")
    late = sandbox.user(804, "Late", "en")  # read the notice before the territory closed
    consent = await reply_to(late, f"/start {code}")
    assert consent.text.startswith("Before we start")

    await operator("territory", "close", code)

    for user_id, language in ((802, "es-AR"), (803, "fr"), (805, "en")):
        newcomer = sandbox.user(user_id, "New", language)
        assert await notice(newcomer, code) == CLOSED[language[:2]]
        assert newcomer.messages[-1].buttons == []
    before = len(late.messages)
    await late.press("I agree", message=consent)
    await late.wait(lambda: len(late.messages) > before)
    assert late.messages[-1].text == CLOSED["en"]
    assert await members(sessions, territory) == 1
    assert await count(sessions, JoinAttempt) == 0, "a real code is not a guess"
    assert await count(sessions, Participant) == 1

    # Aminata is in: her link opens the menu, and she goes on answering
    menu = await reply_to(aminata, f"/start {code}")
    assert menu.text.startswith(f"Vous participez déjà pour {NAME}.")
    path = await tap(aminata, "Communication")
    assert path.text.endswith("Quelle version de ce bloc choisissez-vous\u202f?")
    question = await tap(aminata, "Complète (toutes les questions)")
    assert "Question 1 sur 11" in question.text

    await operator("territory", "reopen", territory.facilitator_code)
    again = sandbox.user(806, "Again", "es")
    assert (await notice(again, code)).startswith("Antes de empezar")
    await join(again, code, "Acepto")
    assert await members(sessions, territory) == 2


async def test_the_facilitator_code_still_works_when_closed(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    await operator("territory", "close", territory.join_code)
    team = sandbox.user(811, "Team", "fr")
    assert (await notice(team, territory.facilitator_code)).startswith("Avant de commencer")
    menu = await join(team, territory.facilitator_code, "J'accepte")
    assert f"l'équipe d'animation de {NAME}" in menu.text


async def test_an_old_code_says_it_was_replaced_and_the_new_one_works(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    old = territory.join_code
    await operator("territory", "new-code", old)
    async with sessions() as session:
        new = (await session.scalars(select(Territory.join_code))).one()
    assert new != old

    for user_id, language in ((821, "es-419"), (822, "fr-SN"), (823, "en")):
        person = sandbox.user(user_id, "Person", language)
        for typed in (f"/start {old}", f"/join {old.lower()[:4]}-{old.lower()[4:]}"):
            assert (await reply_to(person, typed)).text == REPLACED[language[:2]]
    assert await count(sessions, JoinAttempt) == 0, "a replaced code is not a guess"

    unknown = sandbox.user(824, "Typo", "en")
    assert (await notice(unknown, "ZZZZ2345")).startswith("I can't find this code.")
    assert await count(sessions, JoinAttempt) == 1, "a wrong code still counts"

    fatou = sandbox.user(825, "Fatou", "fr")
    await join(fatou, new, "J'accepte")
    assert await members(sessions, territory) == 1

    await operator("territory", "new-code", new, "--facilitator")
    team = sandbox.user(826, "Team", "es")
    assert await notice(team, territory.facilitator_code) == REPLACED["es"]
