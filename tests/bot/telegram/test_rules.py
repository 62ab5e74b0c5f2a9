"""The rules of who sees what, as a test proves them end to end: a facilitator sees only the
territories they facilitate (summaries, exports and briefings hold nothing of another), and a
role belongs to one territory (facilitating one gives no rights in another), and an old menu
of another territory opens nothing."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sandbox.server import Sandbox, SandboxUser
from dialogs import engine
from dialogs.model import Question
from storage.models import Conversation, Participant, Territory
from storage.repository import Repository
from tests.bot.harness import RunningBot, join, reply_to
from tests.exports import all_text, csv_rows
from tests.seeding import Pick, Seeder, context, first_choice, level

Sessions = async_sessionmaker[AsyncSession]
ELSEWHERE = "Quote from Cordoba that Dakar must never see"


def with_words(text: str) -> Pick:
    """Level 2 everywhere, and `text` for every open question."""

    def pick(question: Question) -> engine.Input:
        if question.kind == "text":
            return engine.Text(text)
        return level("2")(question) if question.kind == "scale" else first_choice(question)

    return pick


async def two_territories(sessions: Sessions, dakar: Territory) -> Territory:
    """Dakar with three answers; Córdoba with three, each saying ELSEWHERE."""
    async with sessions() as session, session.begin():
        cordoba = await Repository(session).create_territory(
            name="Córdoba", country="AR", timezone="America/Argentina/Cordoba", language="es"
        )
    seeder = Seeder.for_(sessions)
    for role in ("official", "sse_org", "network"):
        await seeder.person(dakar, {"context": context(role), "markets": level("1")})
        await seeder.person(cordoba, {"context": context(role), "markets": with_words(ELSEWHERE)})
    return cordoba


def files_of(user: SandboxUser) -> list[bytes]:
    sent = [m for m in user.messages if m.file_id and m.kind == "document"]
    return [user.sandbox.files[m.file_id][1] for m in sent if m.file_id]


async def test_a_facilitator_sees_nothing_of_another_territory(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    cordoba = await two_territories(sessions, territory)
    marie = sandbox.user(7101, "Marie", "fr")
    await join(marie, territory.facilitator_code, "J'accepte")
    await marie.send_text("/summary")
    await marie.wait(lambda: "Pas encore de réponses" in (marie.messages[-1].text or ""), 30)
    for command, files in (("/export", 2), ("/briefing markets", 3)):
        await marie.send_text(command)
        await marie.wait(lambda n=files: len(files_of(marie)) >= n, 30)  # type: ignore[misc]
    seen = "\n".join(m.text or "" for m in marie.messages)
    assert ELSEWHERE not in seen and cordoba.name not in seen
    xlsx, table, page = files_of(marie)[:3]
    assert ELSEWHERE not in all_text(xlsx) and cordoba.name not in all_text(xlsx)
    assert {row[0] for row in csv_rows(table)[1:]} == {territory.name}
    assert ELSEWHERE not in page.decode() and cordoba.name not in page.decode()


async def test_facilitating_one_territory_gives_no_rights_in_another(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    cordoba = await two_territories(sessions, territory)
    ana = sandbox.user(7102, "Ana", "es")
    await join(ana, territory.facilitator_code, "Acepto")
    await join(ana, cordoba.join_code, "Acepto")  # a new notice: Córdoba's team will see
    for command in ("/summary", "/export", "/progress", "/briefing markets"):
        reply = await reply_to(ana, command)
        assert reply.text.startswith("Este comando es para el equipo facilitador."), command
    menu = await reply_to(ana, "/territory")
    before = len(ana.messages)
    await ana.press(next(b["text"] for b in menu.buttons if territory.name in b["text"]))
    await ana.wait(lambda: len(ana.messages) > before or menu.edits > 0)
    reply = await reply_to(ana, "/progress")
    assert territory.name in (reply.text or reply.caption or "")
    assert cordoba.name not in (reply.text or reply.caption or "")


async def test_an_old_menu_of_another_territory_opens_nothing_there(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    cordoba = await two_territories(sessions, territory)
    lucia = sandbox.user(7103, "Lucía", "es")
    old_menu = await join(lucia, territory.join_code, "Acepto")
    legal = next(b["callback_data"] for b in old_menu.buttons if b["text"] == "Marcos jurídicos")
    await join(lucia, cordoba.join_code, "Acepto")
    assert old_menu.buttons == [], "the new menu retired the old one's buttons"
    before = len(lucia.messages)  # a menu kept live by a restart is pressed all the same
    await lucia.press_data(legal, old_menu)
    await lucia.wait(lambda: len(lucia.messages) > before)
    reply = lucia.messages[before]
    assert reply.text.startswith(
        "Ese menú era de otro territorio. Ahora participas en Córdoba: estos son sus bloques."
    )
    assert await conversations_in(sessions, cordoba) == []  # nothing was opened there


async def conversations_in(sessions: Sessions, territory: Territory) -> list[str]:
    """The flows someone has a conversation in, in a territory (beyond the seeded people's)."""
    async with sessions() as session:
        rows = await session.execute(
            select(Conversation.flow_id)
            .join(Participant, Participant.id == Conversation.participant_id)
            .where(Conversation.territory_id == territory.id, Participant.external_id == "7103")
        )
        return [flow for (flow,) in rows]
