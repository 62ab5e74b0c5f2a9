"""The participant's side on Telegram, end to end against the local Bot API server."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sandbox.server import BotMessage, Chat, Fault, Sandbox, SandboxUser
from storage.models import (
    AnonymousAnswer,
    Answer,
    Conversation,
    JoinAttempt,
    Participant,
    Territory,
)
from storage.repository import Repository
from tests.bot.harness import RunningBot, join, labels, next_prompt, say, stored, tap, toggle

Sessions = async_sessionmaker[AsyncSession]


async def test_a_whole_block_in_english(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    user = sandbox.user(601, "Ann", "en-GB")
    menu = await join(user, territory.join_code, "I agree")
    assert labels(menu)[7] == "Communication"
    path = await tap(user, "Communication")
    assert path.text.startswith("Communication strategies\n\nMany people do not know")
    assert path.text.endswith("How would you like to answer this block?")
    assert labels(path) == ["Short (about 3 minutes)", "Full (all questions)"]
    question = await tap(user, "Full (all questions)")
    assert question.text.startswith("Question 1 of 11\n\nIs there a plan to make the SSE known?")
    assert labels(question) == [
        "0 · No plan", "1 · Some actions", "2 · A plan, few means", "3 · A plan with means",
        "Don't know", "◀ Back", "Skip ▶",
    ]  # fmt: skip
    before = len(user.messages)
    await user.send_voice(b"OggS-fake-voice", 9)  # the group's reasons, on a button question
    again = await next_prompt(user, before)
    assert again.text.startswith("I kept this as a comment on the question. Now tap the answer")
    assert "\n\nQuestion 1 of 11\n\nIs there a plan" in again.text
    assert question.text.endswith("Comment: voice note (9 s)") and question.buttons == []
    question = await tap(user, "1 · Some actions")
    assert question.text.startswith("Question 2 of 11")
    await toggle(user, "Fairs")
    edited = await toggle(user, "Awards")
    assert labels(edited)[1:3] == ["✓ Fairs", "✓ Awards"]
    question = await tap(user, "Done ✓")
    assert edited.text.endswith("✓ Fairs, Awards") and edited.buttons == []
    for level in (
        "2 · Some adapted",
        "Don't know",
        "3 · Regular, and heard",
        "2 · A yearly report",
    ):
        question = await tap(user, level)
    assert question.text.startswith("Question 7 of 11")
    assert "Write your answer, or send a voice note." in question.text
    await say(user, "Our SSE week fills the main square <every> year & grows.")
    await say(user, "A public map of SSE organisations.")
    for choice in ("Both together", "Within 2 years"):
        await tap(user, choice)
    menu = await tap(user, "Money")
    assert menu.text.startswith("Block finished: Communication strategies.")
    assert "Your level: mostly established, 2 of 3." in menu.text  # (1 + 2 + 2 + 3 + 2) / 5
    assert "You chose a level for 5 of the 6 questions that apply here." in menu.text
    assert menu.text.endswith("Choose a block. ✅ = finished.")
    assert labels(menu)[7] == "✅ Communication"
    texts = await stored(sessions, Answer, flow_id="communication", question_id="strength")
    assert texts[0].value == {"text": "Our SSE week fills the main square <every> year & grows."}
    plan = await stored(sessions, Answer, flow_id="communication", question_id="plan")
    voice = plan[-1].value["comments"][0]["voice"]
    assert plan[-1].value == {"choice": "1", "comments": [{"voice": voice}]}
    assert voice["duration"] == 9


async def test_a_short_path_in_spanish(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory
) -> None:
    carlos = sandbox.user(602, "Carlos", "es-AR")
    await join(carlos, territory.join_code, "Acepto")
    await tap(carlos, "Datos")
    question = await tap(carlos, "Corta (unos 3 minutos)")
    assert "Pregunta 1 de 8\n\n" in question.text
    for level in ("2 · Uno, pero incompleto", "No sé"):
        question = await tap(carlos, level)
    await toggle(carlos, "Por sexo")
    await tap(carlos, "Listo ✓")
    for level in ("0 · Ninguno", "◀ Atrás", "1 · En discusión"):
        question = await tap(carlos, level)
    assert question.text.startswith("Pregunta 5 de 8")  # the next step
    await tap(carlos, "Saltar ▶")
    menu = await tap(carlos, "Dinero")
    # (2 + 0.75 + 1) / 3: the "don't know" stays in the base of what applies
    assert "Tu nivel en la versión corta: mayormente incipiente, 1,3 de 3." in menu.text
    assert "Elegiste un nivel en 3 de las 4 preguntas que aplican aquí." in menu.text
    assert "Datos · 5/6" in labels(menu), "the skipped next step waits for later"


async def test_a_whole_block_in_french_after_the_context_block(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    amina = sandbox.user(603, "Aminata", "fr")
    await join(amina, territory.join_code, "J'accepte")
    await tap(amina, "Votre territoire")
    for choice in ("Organisation de l'ESS", "Un groupe de 2 à 5", "Commune ou ville"):
        await tap(amina, choice)
    await toggle(amina, "Services sociaux")
    await tap(amina, "Terminé ✓")
    for choice in ("Non", "Oui", "Moins de 50"):
        await tap(amina, choice)
    before = len(amina.messages)
    await amina.send_voice(b"OggS-fake-voice", 12)
    menu = await next_prompt(amina, before)
    assert labels(menu)[0] == "✅ Votre territoire"
    await tap(amina, "Accès aux marchés")
    question = await tap(amina, "Complète (toutes les questions)")
    assert question.text.startswith("Question 1 sur 7\n\n")  # no procurement power: 5 NA
    await toggle(amina, "Labels (signes de qualité)")
    await tap(amina, "Terminé ✓")
    await tap(amina, "2 · Un programme")
    await say(amina, "Le marché des groupements de femmes.")
    await say(amina, "Ouvrir un point de vente à la mairie.")
    for choice in ("Les organisations de l'ESS", "D'ici 6 mois"):
        await tap(amina, choice)
    menu = await tap(amina, "Les pouvoirs légaux de la collectivité")
    assert "Pas de score pour ce bloc\u00a0: il faut un niveau pour au moins 3" in menu.text
    assert "5 questions ne s'appliquent pas ici\u00a0: ce ne sont pas des compétences" in menu.text
    voice = await stored(sessions, Answer, flow_id="context", question_id="local_term")
    assert voice[0].value == {
        "voice": {"file_id": voice[0].value["voice"]["file_id"], "duration": 12}
    }
    automatic = await stored(sessions, Answer, flow_id="markets", question_id="clauses")
    assert automatic[0].value == {"na": True, "auto": "person"}


async def test_join_by_typed_code_and_wrong_codes(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory
) -> None:
    user = sandbox.user(604, "Kim", "en")
    await say_text(user, "/join")
    assert user.texts[-1] == "Type /join and your code, for example: /join ABCD2345"
    await say_text(user, "/join hello")
    assert user.texts[-1] == (
        "A code has 8 characters: letters and the digits 2 to 9, like ABCD2345. It never uses "
        "0, 1, I, L or O. Please check your code."
    )
    await say_text(user, "/join ABCD2345")
    assert user.texts[-1].startswith("I can't find this code.")
    await say_text(
        user, f"/join {territory.join_code[:4].lower()} {territory.join_code[4:].lower()}"
    )
    assert user.texts[-1].startswith("Before we start, here is what I keep")


async def test_a_person_typing_off_a_poster_gets_in_after_a_short_wait(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    user = sandbox.user(605, "Guess", "es")
    for _ in range(5):
        await say_text(user, "/start WRONGCDE")
    await say_text(user, f"/start {territory.join_code}")
    assert (
        user.texts[-1] == "Demasiados códigos incorrectos. Espera 1 minuto y vuelve a intentarlo."
    )
    other = sandbox.user(606, "Other", "en")
    await say_text(other, f"/start {territory.join_code}")
    assert other.texts[-1].startswith("Before we start")
    await failures_earlier(sessions, timedelta(minutes=1))  # a minute later
    await say_text(user, f"/start {territory.join_code}")
    assert user.texts[-1].startswith("Antes de empezar"), "the right code now gets in"


async def test_each_further_wrong_code_doubles_the_wait(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    user = sandbox.user(607, "Guess", "fr")
    for _ in range(5):
        await say_text(user, "/join WRANGCDE")
    for minutes in (1, 2, 4):
        await failures_earlier(sessions, timedelta(minutes=minutes))
        await say_text(user, "/join WRANGCDE")
        assert user.texts[-1].startswith("Je ne trouve pas ce code.")
        await say_text(user, f"/join {territory.join_code}")
        assert user.texts[-1].startswith(f"Trop de codes incorrects. Attendez {2 * minutes}")


async def failures_earlier(sessions: Sessions, by: timedelta) -> None:
    """Move every recorded wrong code back in time (the guard reads the clock)."""
    async with sessions() as session, session.begin():
        for attempt in (await session.scalars(select(JoinAttempt))).all():
            attempt.failed_at -= by


async def say_text(user: SandboxUser, text: str) -> None:
    count = len(user.messages)
    await user.send_text(text)
    await user.wait(lambda: len(user.messages) > count)


async def test_nothing_is_stored_before_consent(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    user = sandbox.user(607, "Shy", "fr")
    await say_text(user, f"/start {territory.join_code}")
    assert await stored(sessions, Participant) == []
    await user.press("English")
    await user.wait(lambda: user.messages[-1].text.startswith("Before we start"))
    await user.press("No, thanks")
    await user.wait(lambda: user.messages[-1].text.startswith("No problem. Nothing was kept."))
    assert await stored(sessions, Participant) == []


async def test_resume_after_the_bot_process_restarts(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory
) -> None:
    user = sandbox.user(608, "Marie", "fr")
    await join(user, territory.join_code, "J'accepte")
    await tap(user, "Cadres juridiques")
    await tap(user, "Complète (toutes les questions)")
    question = await tap(user, "1 · Projet ou discussion")
    assert question.text.startswith("Question 2 sur 13\n\nCe texte définit-il l'ESS")
    await running_bot.stop()
    await running_bot.start()
    menu = await say(user, "/menu")
    assert "Cadres juridiques · 1/13" in labels(menu)
    question = await tap(user, "Cadres juridiques · 1/13")
    assert question.text.startswith("Rebonjour\u202f!")
    assert "Question 2 sur 13\n\nCe texte définit-il l'ESS" in question.text
    question = await tap(user, "3 · Claire et complète")
    assert "Question 3 sur 13" in question.text


async def test_stale_and_forged_buttons(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    user = sandbox.user(609, "Ana", "es")
    await join(user, territory.join_code, "Acepto")
    await tap(user, "Marcos jurídicos")
    first = await tap(user, "Completa (todas las preguntas)")
    await tap(user, "2 · Aprobada, poco aplicada")
    second = user.messages[-1]
    query = await user.press_data("a:legal:instrument:3", first)
    await user.wait(lambda: query in sandbox.callback_answers)
    await user.wait(lambda: "Esa pregunta ya tiene respuesta" in user.messages[-1].text)
    assert user.messages[-1].text.split("\n\n")[1].startswith("Pregunta 2 de 14")
    for forged in ("a:legal:definition:9", "a:legal", "zz:1", "a:other:q:1", "m:nope"):
        query = await user.press_data(forged, second)
        await user.wait(lambda q=query: q in sandbox.callback_answers)
    assert sandbox.callback_answers[query]["text"] == "Este botón ya no funciona."
    answers = await stored(sessions, Answer, question_id="instrument")
    assert [a.value for a in answers] == [{"choice": "2"}]
    assert all(sandbox.callbacks.values()), "every callback query is answered"


@pytest.mark.parametrize(
    ("content", "reply"),
    [
        ({"sticker": {"file_id": "s", "file_unique_id": "s", "type": "regular", "width": 1,
                      "height": 1, "is_animated": False, "is_video": False}},
         "I can read text, voice notes and button presses."),
        ({"photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]},
         "I can read text, voice notes and button presses."),
        ({"location": {"latitude": 14.7, "longitude": -17.4}},
         "I can read text, voice notes and button presses."),
        ({"text": "/weather", "entities": [{"type": "bot_command", "offset": 0, "length": 8}]},
         "I don't know this command. Send /help to see what I can do."),
    ],
)  # fmt: skip
async def test_unexpected_input_gets_a_helpful_reply(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, content: dict, reply: str
) -> None:
    user = sandbox.user(610, "Odd", "en")
    await join(user, territory.join_code, "I agree")
    question = await tap(user, "Legal frameworks")
    count = len(user.messages)
    await user.send(**content)
    await user.wait(lambda: len(user.messages) > count)
    assert user.messages[-1].text.startswith(reply)
    assert question.buttons, "the question is still open"


async def test_edited_messages_and_groups(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory
) -> None:
    user = sandbox.user(611, "Edit", "es")
    await say_text(user, "/help")
    assert user.texts[-1].startswith("Cómo funciona:")
    await user.edit_text(1, "otra cosa")
    await user.wait(lambda: user.texts[-1].startswith("No puedo leer mensajes editados."))
    group = Chat(-100500, "supergroup", "Cooperativas")
    sandbox.chats[group.id] = group
    await user.send_text("/start", chat=group)
    await user.wait(lambda: bool(sandbox.messages.get(group.id)))
    assert sandbox.messages[group.id][-1].text == (
        "Escríbeme en un chat privado: https://t.me/sse_sandbox_bot"
    )


async def test_html_in_what_people_type_never_breaks_a_message(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory
) -> None:
    user = sandbox.user(612, "<b>Bold</b> & co", "en")
    await join(user, territory.join_code, "I agree")
    await tap(user, "Legal frameworks")
    await tap(user, "Full (all questions)")
    for _ in range(6):  # no act: the questions about it are not asked, then the good practice
        await tap(user, "Skip ▶")
    await say(user, "<script>alert(1)</script> & <i>")
    await say_text(user, "/mydata")
    assert "Name: <b>Bold</b> & co. Language: English." in user.texts[-1]
    assert "→ <script>alert(1)</script> & <i>" in user.texts[-1]
    assert sandbox.errors == []


async def test_mydata_and_forget(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    user = sandbox.user(613, "Leave", "en")
    await join(user, territory.join_code, "I agree")
    await tap(user, "Legal frameworks")
    await tap(user, "Full (all questions)")
    await say(user, "Our council adopted it in 2019.")  # kept as a comment on the question
    await tap(user, "3 · Widely applied")
    for _ in range(8):
        await tap(user, "Skip ▶")
    await say(user, "We share a building with three cooperatives.")
    await say_text(user, "/mydata")
    mine = user.texts[-1]
    assert (
        "\n\nDakar <Plateau> & Co · Legal and institutional frameworks\n"
        "• How would you like to answer this block?\n  → Full (all questions) ("
    ) in mine
    assert "\n• Does your local government have a formal act" in mine
    assert "→ 3 · Widely applied" in mine
    assert "Our council adopted it in 2019." in mine
    assert all(ord(ch) < 0x2E80 for ch in mine), "no CJK brackets: they show as boxes"
    await say_text(user, "/forget")
    await user.press("No, keep it")
    await user.wait(lambda: user.texts[-1] == "Nothing was deleted.")
    await say_text(user, "/forget")
    await user.press("Yes, delete")
    await user.wait(lambda: user.texts[-1] == "Your data is deleted. Thank you for taking part.")
    assert await stored(sessions, Participant) == []
    assert await stored(sessions, Conversation) == []
    assert await stored(sessions, Answer) == []
    await say_text(user, "/mydata")
    assert user.texts[-1] == (
        "I keep nothing about you: no name, no Telegram ID, and no answer linked to you."
    )
    left = await stored(sessions, AnonymousAnswer)  # the button answers, and nothing written
    assert sorted((a.flow_id, a.question_id, a.value) for a in left) == [
        ("legal", "instrument", {"choice": "3"}),
        ("legal", "path", {"choice": "full"}),
    ]


async def test_commands_are_registered_in_each_language(
    sandbox: Sandbox, running_bot: RunningBot
) -> None:
    by_language = {c.get("language_code"): c["commands"] for c in sandbox.commands}
    assert set(by_language) == {None, "es", "fr"}
    assert {"command": "mydata", "description": "Voir vos données"} in by_language["fr"]
    assert {"command": "forget", "description": "Borrar tus datos"} in by_language["es"]


async def test_telegram_faults_are_retried_and_nothing_is_lost(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    user = sandbox.user(614, "Flaky", "en")
    await join(user, territory.join_code, "I agree")
    await tap(user, "Legal frameworks")
    await tap(user, "Full (all questions)")
    sandbox.faults += [
        Fault("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1),
        Fault("sendMessage", 502, "Bad Gateway"),
        Fault("editMessageText", delay=1.5),
    ]
    question = await tap(user, "2 · Adopted, little used")
    assert question.text.startswith("Question 2 of 14")
    assert all(f.times == 0 for f in sandbox.faults)
    answers = await stored(sessions, Answer, question_id="instrument")
    assert [a.value for a in answers] == [{"choice": "2"}]


async def test_a_redelivered_update_changes_nothing(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    user = sandbox.user(615, "Twice", "en")
    await join(user, territory.join_code, "I agree")
    await tap(user, "Legal frameworks")
    await tap(user, "Full (all questions)")
    await tap(user, "1 · Draft or discussion")
    delivered = next(u for u in reversed(sandbox.delivered) if "callback_query" in u)
    count = len(user.messages)
    sandbox.updates.append({**delivered})
    await sandbox.push("message", sandbox.user_message(615, user.chat, text="/help"))
    await user.wait(lambda: user.texts[-1].startswith("How it works"))
    assert len(user.messages) == count + 1
    answers = await stored(sessions, Answer, question_id="instrument")
    assert len(answers) == 1


async def test_language_from_telegram_then_chosen_and_remembered(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory
) -> None:
    user = sandbox.user(616, "Zé", "pt-BR")
    await say_text(user, "/about")
    assert "(UNRISD and GSEF, 2021)" in user.texts[-1], "Portuguese falls back to English"
    await join(user, territory.join_code, "I agree")
    await say_text(user, "/language")
    assert labels(user.messages[-1]) == ["✓ English", "Español", "Français"]
    await user.press("Español")
    await user.wait(lambda: user.texts[-1] == "Listo. Te escribiré en español.")
    await say_text(user, "/about")
    assert "(UNRISD y GSEF, 2021)" in user.texts[-1]
    await running_bot.stop()
    await running_bot.start()
    menu = await say(user, "/menu")
    assert menu.text == "Elige un bloque. ✅ = terminado."


async def test_pressing_the_answer_already_chosen_marks_it_once(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory
) -> None:
    user = sandbox.user(617, "Back", "en")
    await join(user, territory.join_code, "I agree")
    await tap(user, "Communication")
    await tap(user, "Full (all questions)")
    await tap(user, "1 · Some actions")
    again = await tap(user, "◀ Back")
    assert "✓ 1 · Some actions" in labels(again)
    await tap(user, "✓ 1 · Some actions")
    assert again.text.endswith("\n\n✓ 1 · Some actions") and again.buttons == []


async def double_tap(user: SandboxUser, label: str, message: BotMessage) -> tuple[str, str]:
    """Two presses of one button before the bot answers the first (both on the message as it
    was); return when both are answered."""
    first = await user.press(label, message=message)
    second = await user.press(label, message=message)
    await user.wait(lambda: bool(user.sandbox.callbacks[first] and user.sandbox.callbacks[second]))
    return first, second


async def test_double_taps_give_the_right_answer(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    shy = sandbox.user(618, "Shy", "en")
    await say_text(shy, f"/start {territory.join_code}")
    await double_tap(shy, "No, thanks", shy.messages[-1])
    assert shy.texts == [
        "No problem. Nothing was kept. If you change your mind, open the link again."
    ]
    assert await stored(sessions, Participant) == []

    keen = sandbox.user(619, "Keen", "en")
    await say_text(keen, f"/start {territory.join_code}")
    consent = keen.messages[-1]
    _, second = await double_tap(keen, "I agree", consent)
    await keen.wait(lambda: len(keen.messages) == 2)
    assert keen.messages[1].text.startswith("Welcome to Dakar <Plateau> & Co!")
    assert (
        sandbox.callback_answers[second]["text"]
        == "You already take part for Dakar <Plateau> & Co."
    )
    assert len(await stored(sessions, Participant)) == 1

    await tap(keen, "Legal frameworks")
    question = await tap(keen, "Full (all questions)")
    await double_tap(keen, "2 · Adopted, little used", question)
    await keen.wait(lambda: "Question 2 of 14" in keen.texts[-1])
    assert sum("Question 2 of 14" in text for text in keen.texts) == 1, "shown once"
    assert len(await stored(sessions, Answer, question_id="instrument")) == 1

    await say_text(keen, "/forget")
    await double_tap(keen, "Yes, delete", keen.messages[-1])
    assert keen.texts[-1] == "Your data is deleted. Thank you for taking part."
    assert not any(text in ("Nothing was deleted.",) or "Sorry" in text for text in keen.texts)
    assert await stored(sessions, Participant) == []
    assert sandbox.errors == [] or {e for _, e in sandbox.errors} == {
        "Bad Request: message is not modified"
    }


async def test_a_person_who_blocked_the_bot_is_marked_unreachable(
    sandbox: Sandbox,
    running_bot: RunningBot,
    territory: Territory,
    sessions: Sessions,
    caplog: pytest.LogCaptureFixture,
) -> None:
    user = sandbox.user(620, "Gone", "en")
    await join(user, territory.join_code, "I agree")
    sandbox.blocked.add(user.id)
    calls = len(sandbox.calls)
    press = await user.press("Legal frameworks")
    await user.wait(lambda: sandbox.callbacks[press])
    await asyncio.sleep(0.3)
    [person] = await stored(sessions, Participant)
    assert person.unreachable_at is not None
    tries = [method for method, params in sandbox.calls[calls:] if params.get("chat_id") == user.id]
    assert tries == [], "refused once, not tried again"
    assert not any(r.exc_info for r in caplog.records), "no traceback in the log"
    sandbox.blocked.discard(user.id)
    await say(user, "/menu")
    [person] = await stored(sessions, Participant)
    assert person.unreachable_at is None, "writing again makes them reachable"


async def test_mydata_shows_everything_and_sends_files_when_long(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    async with sessions() as session, session.begin():
        other = await Repository(session).create_territory(
            name="Córdoba", country="AR", timezone="America/Argentina/Cordoba", language="es"
        )
    user = sandbox.user(621, "Mo", "en")
    await join(user, territory.join_code, "I agree")
    await tap(user, "Communication")
    await tap(user, "Full (all questions)")
    await tap(user, "1 · Some actions")
    await tap(user, "◀ Back")
    await tap(user, "2 · A plan, few means")
    await join(user, other.join_code, "I agree")  # the notice again: a new team
    await say_text(user, "/mydata")
    text = user.texts[-1]
    assert text.startswith("Everything I keep about you:\nName: Mo. Language: English.\n")
    assert "Telegram ID: 621." in text and "You gave your consent on " in text
    assert "Córdoba: taking part since " in text and "Dakar <Plateau> & Co: taking part" in text
    assert ", as P-0001." in text
    assert "Argentina (Córdoba) Time" in text, "times in the current territory's zone"
    assert "→ 1 · Some actions (" in text and ", #1)" in text
    assert "→ 2 · A plan, few means (" in text and ", #2)" in text
    long = ("A long answer about our cooperative. " * 50).strip()
    await say_text(user, f"/join {territory.join_code}")
    await tap(user, "Communication · 1/11")
    for _ in range(5):
        await tap(user, "Skip ▶")
    await say(user, long)
    await say(user, long)
    before = len(user.messages)
    await user.send_text("/mydata")
    await user.wait(lambda: len(user.messages) == before + 3)
    summary, as_text, as_json = user.messages[before:]
    assert summary.text.endswith(
        "Your answers are too long for one message, so they are in the two files below: "
        "one to read, and one for computers (JSON)."
    )
    assert (as_text.kind, as_json.kind) == ("document", "document")
    readable = sandbox.files[as_text.file_id][1].decode()
    data = json.loads(sandbox.files[as_json.file_id][1])
    assert readable.count(long) == 2
    assert data["telegram_id"] == "621" and len(data["territories"]) == 2
    assert [a["revision"] for a in data["answers"] if a["question"] == "plan"] == [1, 2]
    assert [a["answer"] for a in data["answers"] if a["question"] == "strength"] == [{"text": long}]


async def test_a_passing_database_failure_is_retried_before_anything_is_said(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    user = sandbox.user(622, "Busy", "en")
    await join(user, territory.join_code, "I agree")
    await tap(user, "Legal frameworks")
    await tap(user, "Full (all questions)")
    failing = {"left": 2}

    def busy_twice(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.startswith("UPDATE conversations") and failing["left"]:
            failing["left"] -= 1
            raise OperationalError(statement, {}, Exception("database is locked"))

    event.listen(running_bot.database.engine.sync_engine, "before_cursor_execute", busy_twice)
    try:
        question = await tap(user, "2 · Adopted, little used")
    finally:
        event.remove(running_bot.database.engine.sync_engine, "before_cursor_execute", busy_twice)
    assert failing["left"] == 0 and question.text.startswith("Question 2 of 14")
    assert not any("Sorry" in text for text in user.texts)
    assert [a.value for a in await stored(sessions, Answer, question_id="instrument")] == [
        {"choice": "2"}
    ]


async def test_when_saving_keeps_failing_the_person_is_told_so_truthfully(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    user = sandbox.user(623, "Down", "fr")
    await join(user, territory.join_code, "J'accepte")
    await tap(user, "Cadres juridiques")
    await tap(user, "Complète (toutes les questions)")

    def down(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.startswith("UPDATE conversations"):
            raise OperationalError(statement, {}, Exception("disk I/O error"))

    event.listen(running_bot.database.engine.sync_engine, "before_cursor_execute", down)
    try:
        press = await user.press("2 · Adopté, peu appliqué")
        await user.wait(lambda: sandbox.callbacks[press] and "Pardon" in user.texts[-1], 20)
    finally:
        event.remove(running_bot.database.engine.sync_engine, "before_cursor_execute", down)
    notice = (
        "Pardon, il y a eu un problème\u00a0: je n'ai pas pu l'enregistrer. "
        "Réessayez, s'il vous plaît."
    )
    assert user.texts[-1] == notice and sandbox.callback_answers[press]["text"] == notice
    assert await stored(sessions, Answer, question_id="instrument") == []
    question = await tap(user, "2 · Adopté, peu appliqué")  # trying again works
    assert question.text.startswith("Question 2 sur 14")


async def test_guessing_codes_through_the_consent_button_is_slowed_down_too(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory
) -> None:
    user = sandbox.user(624, "Guess", "en")
    await say_text(user, "/help")
    for n in range(5):
        press = await user.press_data(f"c:WRONGCD{'ABCDE'[n]}:en:yes", user.messages[-1])
        await user.wait(lambda p=press: sandbox.callbacks[p])
        assert sandbox.callback_answers[press]["text"] == "This button no longer works."
    press = await user.press_data(f"c:{territory.join_code}:en:yes", user.messages[-1])
    await user.wait(lambda: sandbox.callbacks[press])
    assert sandbox.callback_answers[press]["text"].startswith("Too many wrong codes.")
    await say_text(user, f"/start {territory.join_code}")
    assert user.texts[-1] == "Too many wrong codes. Please wait 1 minute and try again."
