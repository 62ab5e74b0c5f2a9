"""/progress, /summary and /results end to end against the local Bot API server: figures that
match the answers stored, charts that arrive as photos, voice answers forwarded, pseudonyms
only, and buttons from another territory that change nothing."""

from __future__ import annotations

import io
import statistics
from collections.abc import Callable

from babel.numbers import format_decimal, format_percent
from matplotlib import image
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sandbox.server import BotMessage, Sandbox, SandboxUser
from dialogs import engine
from dialogs.model import Question
from storage.models import Territory
from storage.repository import Repository
from tests.bot.harness import RunningBot, join, reply_to, say, tap, toggle
from tests.seeding import Pick, Seeder, context, first_choice

Sessions = async_sessionmaker[AsyncSession]


def block(level: str, words: str | None = None, voice: tuple[str, int] | None = None) -> Pick:
    """Every scale at `level`, "don't know" to other scored questions (so a person's block
    score is `level`); the open questions answered with `words`, the first one by a voice
    note when `voice` is given, else skipped."""

    def pick(question: Question) -> engine.Input:
        if question.kind == "scale":
            return engine.Choose(level)
        if question.kind == "text":
            if voice is not None and question.id == "strength":
                return engine.Voice(*voice)
            return engine.Text(f"{words} ({question.id})") if words else engine.Skip(question.id)
        if question.scored:
            return engine.Choose("dk")
        return first_choice(question)

    return pick


async def until(
    user: SandboxUser, before: int, done: Callable[[list[BotMessage]], bool], timeout: float = 30
) -> list[BotMessage]:
    """The messages after index `before`, once `done` holds for them."""
    await user.wait(lambda: done(user.messages[before:]), timeout)
    user.mark_seen()
    return user.messages[before:]


async def command(
    user: SandboxUser, text: str, done: Callable[[list[BotMessage]], bool]
) -> list[BotMessage]:
    before = len(user.messages)
    await user.send_text(text)
    return await until(user, before, done)


def has(text: str) -> Callable[[list[BotMessage]], bool]:
    return lambda messages: any(text in m.text for m in messages)


def photo_of(sandbox: Sandbox, message: BotMessage) -> tuple[int, int]:
    """The photo decoded as an image: its width and height."""
    assert message.kind == "photo" and message.file_id is not None
    _, data = sandbox.files[message.file_id]
    pixels = image.imread(io.BytesIO(data))
    return pixels.shape[1], pixels.shape[0]


async def press_forged(user: SandboxUser, data: str) -> str | None:
    """Press a button with forged data; the notice shown, once nothing else was sent."""
    count = len(user.messages)
    query = await user.press_data(data, user.messages[-1])
    sandbox = user.sandbox
    await user.wait(lambda: query in sandbox.callback_answers)
    assert len(user.messages) == count  # nothing sent
    return sandbox.callback_answers[query].get("text")


async def other_territory(sessions: Sessions, sandbox: Sandbox) -> tuple[Territory, str]:
    """Another territory with someone's voice answer in Communication: its id and file id."""
    async with sessions() as session, session.begin():
        elsewhere = await Repository(session).create_territory(
            name="Córdoba", country="AR", timezone="America/Argentina/Cordoba", language="es"
        )
    file_id = sandbox.add_file(b"OggS-elsewhere", "voice")
    seed = Seeder.for_(sessions)
    seed.next_id = 50_000
    await seed.person(elsewhere, {"communication": block("3", voice=(file_id, 9))})
    return elsewhere, file_id


async def test_progress_and_summary_in_french(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    seed = Seeder.for_(sessions)
    voice_id = sandbox.add_file(b"OggS-voice-of-p7", "voice")
    people = [
        ("official", "1", "fr", "Idée <b>n°1</b> & plus", None),
        ("official", "1", "fr", "Plus de foires", None),
        ("elected", "1", "es", "Más ferias", None),
        ("sse_org", "2", "es", "Una red", None),
        ("sse_org", "2", "en", "A network", None),
        ("network", "2", "fr", "Un réseau", None),
        ("researcher", "3", "en", "Mapping", (voice_id, 42)),
    ]
    for role, level, language, words, voice in people:
        answers = {"context": context(role), "communication": block(level, words, voice)}
        await seed.person(territory, answers, language=language)
    await seed.person(territory, {"context": context("official")})
    marie = sandbox.user(801, "Marie", "fr")
    await join(marie, territory.facilitator_code, "J'accepte")

    [progress] = await command(marie, "/progress", lambda ms: any(m.kind == "photo" for m in ms))
    assert min(photo_of(sandbox, progress)) >= 400 and max(photo_of(sandbox, progress)) <= 1200
    assert progress.text.startswith(f"Avancement\u00a0: {territory.name}\n")
    assert "9 personnes inscrites (dont 1 dans l'équipe d'animation)." in progress.text
    assert "Votre territoire\u00a0: 8 · 8\n" in progress.text
    assert "Communication\u00a0: 7 · 7\n" in progress.text
    assert "Données\u00a0: 0 · 0" in progress.text

    shown = await command(
        marie, "/summary", has("Pas encore de réponses\u00a0: Cadres juridiques,")
    )
    radar, *texts = shown
    assert radar.kind == "photo" and all(m.kind == "text" for m in texts)
    width, height = photo_of(sandbox, radar)
    assert 400 <= width <= 1200 and 400 <= height <= 1200
    assert radar.text == (
        f"{territory.name}\nScores par bloc, de 0 à 100. "
        "Courbes\u00a0: Territoire, Collectivité locale, Organisations de l'ESS."
    )
    whole = "\n".join(m.text for m in texts)
    assert all(len(m.markup) <= 4096 for m in texts)
    mean = round(statistics.fmean([1, 1, 1, 2, 2, 2, 3]), 2)  # each person's level
    expected = format_decimal(mean, locale="fr")
    assert expected == "1,71"
    assert (
        f"Stratégies de communication\nScore\u00a0: {expected} sur 3 · Établi (57/100)\n" in whole
    )
    # a level on 5 of the 6 scored questions: "don't know" on the multi-select of actions
    confidence = format_percent(round(5 / 6, 2), locale="fr")
    assert confidence == "83\u00a0%"
    assert f"7 personnes ont répondu, dont 7 jusqu'au bout. Fiabilité\u00a0: {confidence}." in whole
    assert "Dispersion\u00a0: de 1 à 3\u202f; moitié centrale entre 1 et 2." in whole
    assert (
        "Collectivité locale (3)\u00a0: 1 · Organisations de l'ESS (3)\u00a0: 2 · écart +1" in whole
    )
    gaps = format_percent(round(1 / 6, 2), locale="fr")
    assert (
        f"«\u00a0Je ne sais pas\u00a0»\u00a0: {gaps} (Collectivité locale {gaps}, "
        f"Organisations de l'ESS {gaps})." in whole
    )
    assert (
        "• P-0001 (fr)\u00a0: Idée <b>n°1</b> & plus (strength)" in whole
    )  # escaped, shown as typed
    assert "• P-0003 (es)\u00a0: Más ferias (next_step)" in whole
    assert "• P-0007 (en)\u00a0: 🎤 message vocal (42 s)" in whole
    assert whole.endswith(
        "Pas encore de réponses\u00a0: Cadres juridiques, Co-construction, "
        "Planification stratégique, "
        "Accompagnement et financement, Renforcement des capacités, Accès aux marchés, Données."
    )
    for secret in ("Secret Name", "10001", "10007", "801"):
        assert all(secret not in m.text for m in shown), secret

    holding = next(m for m in texts if m.buttons)
    label = "🎤 P-0007 · Communication · 42 s"  # whose, which block, how long
    assert [b["text"] for b in holding.buttons] == [label]
    before = len(marie.messages)
    await marie.press(label, message=holding)
    await marie.press(label, message=holding)  # a double tap sends it once
    await marie.send_text("/help")
    shown = await until(marie, before, lambda ms: any("/summary" in m.text for m in ms))
    [voice] = [m for m in shown if m.kind == "voice"]
    assert (voice.kind, voice.file_id) == ("voice", voice_id)
    assert voice.text.startswith("Message vocal de P-0007 (en), Stratégies de communication.")

    elsewhere, _ = await other_territory(sessions, sandbox)
    gone = "Ce bouton ne marche plus."
    assert await press_forged(marie, f"vo:{elsewhere.id}:1:communication:strength") == gone
    assert await press_forged(marie, f"su:{elsewhere.id}:communication") == gone
    assert await press_forged(marie, f"vo:{territory.id}:99:communication:strength") == gone


async def test_summary_in_spanish_voice_forget_and_small_groups(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    carlos = sandbox.user(901, "Carlos", "es")
    await join(carlos, territory.facilitator_code, "Acepto")
    [nothing] = await command(carlos, "/summary", lambda ms: bool(ms))
    assert nothing.kind == "text"
    assert nothing.text == (
        f"Nadie respondió todavía un bloque en {territory.name}. /progress muestra quién se "
        "sumó; /invite da los enlaces para compartir."
    )
    [progress] = await command(carlos, "/progress", lambda ms: bool(ms))
    assert progress.kind == "text"  # nobody started: no empty chart
    assert "Nadie empezó un bloque todavía." in progress.text

    seed = Seeder.for_(sessions)
    voice_id = sandbox.add_file(b"OggS-ana", "voice")
    await seed.person(territory, {"context": context("official"), "communication": block("2")})
    await seed.person(
        territory, {"context": context("sse_org"), "communication": block("1", "Ferias")}
    )
    ana = sandbox.user(902, "Ana", "es")
    seed.next_id = ana.id - 1  # the next person is Ana, who will write to the bot
    await seed.person(
        territory,
        {"context": context("sse_org"), "communication": block("0", "Mi idea", (voice_id, 7))},
        language="es",
    )
    done = has("Estrategias de comunicación\nPuntaje: 1 de 3 · Incipiente (33/100)")
    radar, *texts = await command(carlos, "/summary", done)
    assert radar.text.endswith("Puntajes por bloque, de 0 a 100. Líneas: Territorio.")
    whole = "\n".join(m.text for m in texts)
    assert "Gobierno local (" not in whole and "Organizaciones de la ESS (" not in whole
    assert "3 personas respondieron (3 hasta el final)." in whole
    # "don't know" on 1 of the 6 scored questions; no group has 3 people: no figure per group
    assert "«No sé»: 17\xa0%." in whole
    assert "• P-0004 (es): 🎤 nota de voz (7 s)" in whole
    assert "• P-0004 (es): Mi idea (next_step)" in whole
    holding = next(m for m in texts if m.buttons)
    before = len(carlos.messages)
    await carlos.press("🎤 P-0004 · Comunicación · 7 s", message=holding)
    [voice] = await until(carlos, before, lambda ms: bool(ms))
    assert (voice.kind, voice.file_id) == ("voice", voice_id)

    elsewhere, _ = await other_territory(sessions, sandbox)
    gone = "Este botón ya no funciona."
    assert await press_forged(carlos, f"vo:{elsewhere.id}:1:communication:strength") == gone

    await reply_to(ana, "/forget")
    await ana.press("Sí, borrar")
    await ana.wait(lambda: "Tus datos están borrados." in ana.messages[-1].text)
    texts = (await command(carlos, "/summary", has("Estrategias de comunicación\n")))[1:]
    whole = "\n".join(m.text for m in texts)
    assert "P-0004" not in whole and "Mi idea" not in whole and "🎤" not in whole
    assert "2 personas respondieron" in whole  # her button answers stay, anonymous
    assert await press_forged(carlos, holding.buttons[0]["callback_data"]) == gone


LEVEL_2 = {  # level 2 of the scale questions of Communication, in order, as the buttons say
    "en": ["2 · A plan, few means", "2 · Some adapted", "2 · Often", "2 · Some campaigns",
           "2 · A yearly report"],
    "fr": ["2 · Un plan, peu de moyens", "2 · Certains sont adaptés", "2 · Souvent",
           "2 · Pour quelques campagnes", "2 · Un rapport annuel"],
}  # fmt: skip


async def answer_communication(
    user: SandboxUser, labels: dict[str, str], levels: list[str]
) -> BotMessage:
    """Answer the Communication block in full with level 2 on every scale and "don't know" on
    the actions; skip the open questions, name what holds the area back; the menu after it."""
    await tap(user, labels["block"])
    await tap(user, labels["full"])
    await tap(user, levels[0])
    await tap(user, labels["dk"])
    for level in levels[1:]:
        await tap(user, level)
    await tap(user, labels["skip"])
    await tap(user, labels["skip"])
    return await tap(user, labels["obstacle"])


async def test_participants_see_the_territory_from_the_third_respondent_and_results(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    voice = (sandbox.add_file(b"OggS", "voice"), 5)
    await Seeder.for_(sessions).person(territory, {"communication": block("2", voice=voice)})
    ann = sandbox.user(1001, "Ann", "en")
    await join(ann, territory.join_code, "I agree")
    [nothing] = await command(ann, "/results", lambda ms: bool(ms))
    assert nothing.text.startswith("You have not finished a block yet. Choose one in /menu")
    english = {
        "block": "Communication",
        "full": "Full (all questions)",
        "dk": "Don't know",
        "skip": "Skip ▶",
        "obstacle": "Money",
    }
    menu = await answer_communication(ann, english, LEVEL_2["en"])
    assert "Your level: mostly established, 2 of 3." in menu.text
    assert "You chose a level for 5 of the 6 questions that apply here." in menu.text
    assert "You will see the territory's score once 3 people have answered this block." in (
        menu.text
    )
    assert "from 2 people" not in menu.text

    lea = sandbox.user(1002, "Léa", "fr")
    await join(lea, territory.join_code, "J'accepte")
    french = {
        "block": "Communication",
        "full": "Complète (toutes les questions)",
        "dk": "Je ne sais pas",
        "skip": "Passer ▶",
        "obstacle": "L'argent",
    }
    menu = await answer_communication(lea, french, LEVEL_2["fr"])
    assert "Votre niveau\u00a0: plutôt établi, 2 sur 3." in menu.text
    assert f"{territory.name}\u00a0: 2 sur 3 · Établi, d'après 3 personnes." in menu.text

    [results] = await command(lea, "/results", lambda ms: bool(ms))
    assert results.kind == "photo" and min(photo_of(sandbox, results)) >= 400
    assert results.text.startswith(f"Vos scores et ceux de {territory.name}, de 0 à 3\u00a0:\n")
    assert "• Communication\u00a0: vous 2 · plutôt établi · territoire 2\n" in results.text
    assert results.text.endswith("dès que 3 personnes ont répondu à un bloc.")
    assert "Cadres juridiques" not in results.text  # not finished: not listed

    forged = f"vo:{territory.id}:1:communication:strength"  # a participant: no voice of others
    assert await press_forged(ann, forged) == "This button no longer works."
    assert await press_forged(ann, f"su:{territory.id}:communication") == (
        "This button no longer works."
    )
    help_text = (await reply_to(ann, "/help")).text
    assert "/results – your scores next to your territory's" in help_text
    names = [c["command"] for c in sandbox.commands[0]["commands"]]
    assert "results" in names


async def test_every_open_answer_of_a_block_is_one_tap_away(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    seed = Seeder.for_(sessions)
    for i in range(12):
        await seed.person(territory, {"data": block("2", f"Idea {i:02d}")}, language="es")
    carlos = sandbox.user(1101, "Carlos", "es")
    await join(carlos, territory.facilitator_code, "Acepto")
    texts = (await command(carlos, "/summary", has("Todavía no hay respuestas:")))[1:]
    whole = "\n".join(m.text for m in texts)
    assert "Idea 09 (strength)" in whole and "Idea 10 (strength)" not in whole
    assert whole.count("… y 2 más.") == 2
    holding = next(m for m in texts if m.buttons)
    assert [b["text"] for b in holding.buttons] == ["Todas las respuestas: Datos"]
    before = len(carlos.messages)
    await carlos.press("Todas las respuestas: Datos", message=holding)
    [every] = await until(carlos, before, has("Idea 11 (next_step)"))
    assert every.text.startswith("Gestión de datos e información\nPuntaje: 2 de 3")
    assert "Idea 11 (strength)" in every.text and every.buttons == []


async def test_looking_over_a_finished_block_keeps_it_finished(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory
) -> None:
    awa = sandbox.user(811, "Awa", "fr")
    await join(awa, territory.join_code, "J'accepte")
    await tap(awa, "Communication")
    await tap(awa, "Complète (toutes les questions)")
    await tap(awa, "2 · Un plan, peu de moyens")
    await toggle(awa, "Foires")
    for label in ("Terminé ✓", *LEVEL_2["fr"][1:]):
        await tap(awa, label)
    await say(awa, "Une semaine de l'ESS")
    await say(awa, "Une carte")
    for label in ("La collectivité", "D'ici 6 mois"):  # who takes the next step, and when
        await tap(awa, label)
    menu = await tap(awa, "L'argent")
    assert "✅ Communication" in [b["text"] for b in menu.buttons]
    await tap(awa, "✅ Communication")  # looks over her answers, then leaves
    menu = await reply_to(awa, "/menu")
    assert "✅ Communication" in [b["text"] for b in menu.buttons]
    marie = sandbox.user(812, "Marie", "fr")
    await join(marie, territory.facilitator_code, "J'accepte")
    [progress] = await command(marie, "/progress", lambda ms: any(m.kind == "photo" for m in ms))
    assert "Communication\u00a0: 1 · 1\n" in progress.text
