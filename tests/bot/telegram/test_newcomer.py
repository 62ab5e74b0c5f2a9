"""What newcomers tripped over, end to end against the local Bot API server: each test does
what the person did (issue 12)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sandbox.server import BotMessage, Sandbox, SandboxUser
from storage.models import Answer, Territory
from tests.bot.harness import (
    RunningBot,
    join,
    labels,
    next_prompt,
    reply_to,
    say,
    stored,
    tap,
    toggle,
)

Sessions = async_sessionmaker[AsyncSession]


async def voice(user: SandboxUser, seconds: int) -> BotMessage:
    """Send a voice note; return the next question or menu."""
    before = len(user.messages)
    await user.send_voice(b"OggS fake opus", seconds)
    return await next_prompt(user, before)


async def test_a_language_changed_mid_block_asks_the_question_again_in_it(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory
) -> None:
    user = sandbox.user(1201, "Awa", "en")
    await join(user, territory.join_code, "I agree")
    await tap(user, "Communication")
    await tap(user, "Full (all questions)")
    old = await tap(user, "1 · Some actions")
    assert old.text.startswith("Question 2 of 11")
    await say(user, "/language")
    before = len(user.messages)
    await user.press("Français")
    again = await next_prompt(user, before)
    assert "C'est fait. Langue choisie\u00a0: français." in user.texts
    assert again.text.startswith("Question 2 sur 11\n\nQuelles actions rendent l'ESS visible")
    assert "◀ Retour" in labels(again) and "Passer ▶" in labels(again)
    assert old.buttons == [], "the question in the old language keeps no live buttons"
    menu = await tap(user, "◀ Retour")
    assert menu.text.startswith("Question 1 sur 11\n\nExiste-t-il un plan")


async def test_spanish_says_its_own_name_in_lower_case(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory
) -> None:
    user = sandbox.user(1202, "Ana", "fr")
    await join(user, territory.join_code, "J'accepte")
    await say(user, "/language")
    await user.press("Español")
    await user.wait(lambda: user.texts[-1] == "Listo. Te escribiré en español.")


async def test_a_typed_level_and_voice_notes_close_their_question_like_a_press(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory
) -> None:
    user = sandbox.user(1203, "Eve", "en")
    await join(user, territory.join_code, "I agree")
    await tap(user, "Communication")
    first = await tap(user, "Full (all questions)")
    second = await say(user, "2")
    assert first.text.endswith("\n\n✓ 2 · A plan, few means") and first.buttons == []
    assert second.text.startswith("Question 2 of 11")
    await tap(user, "Skip ▶")
    for _ in range(4):
        seventh = await tap(user, "Don't know")
    assert seventh.text.startswith("Question 7 of 11")
    eighth = await voice(user, 14)
    assert seventh.text.endswith("\n\n✓ voice note (14 s)") and seventh.buttons == []
    actor = await voice(user, 9)  # the block's last written question
    assert eighth.text.endswith("\n\n✓ voice note (9 s)") and eighth.buttons == []
    assert actor.text.startswith("Question 9 of 11\n\nWho should take this step?")
    await tap(user, "Both together")
    last = await tap(user, "Within 2 years")
    menu = await tap(user, "Money")
    assert menu.text.startswith("Block finished")
    assert last.text.startswith("Question 11 of 11") and last.text.endswith("\n\n✓ Money")
    assert last.buttons == [], "no Back or Skip stays live under the last question"


async def test_a_written_answer_closes_its_question_with_its_beginning(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory
) -> None:
    user = sandbox.user(1204, "Inés", "es")
    await join(user, territory.join_code, "Acepto")
    await tap(user, "Comunicación")
    await tap(user, "Completa (todas las preguntas)")
    for _ in range(6):
        question = await tap(user, "Saltar ▶")
    assert question.text.startswith("Pregunta 7 de 11\n\n¿Qué fortaleza")
    long = "Una semana de la ESS en la plaza principal, cada año, con ferias y premios locales."
    await say(user, long)
    assert question.text.endswith(f"\n\n✓ {long[:59].rstrip()}…")
    assert question.buttons == []


async def test_questions_left_for_later_keep_a_block_unfinished_and_come_first(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory
) -> None:
    user = sandbox.user(1205, "Luc", "fr")
    await join(user, territory.join_code, "J'accepte")
    await tap(user, "Communication")
    await tap(user, "Complète (toutes les questions)")
    await tap(user, "Passer ▶")
    await tap(user, "Passer ▶")
    for _ in range(4):
        await tap(user, "Je ne sais pas")
    await say(user, "La semaine de l'ESS sur la place du marché.")
    await say(user, "Une carte publique des organisations de l'ESS.")
    for choice in ("Les deux ensemble", "D'ici 2 ans"):
        await tap(user, choice)
    menu = await tap(user, "L'argent")
    assert "Communication · 9/11" in labels(menu), "two questions are left for later"
    first = await tap(user, "Communication · 9/11")
    assert "Vous avez laissé 2 questions pour plus tard. Voici la première." in first.text
    assert "\n\nQuestion 1 sur 11\n\nExiste-t-il un plan" in first.text
    await tap(user, "1 · Quelques actions")
    menu = await tap(user, "Passer ▶")
    assert "Communication · 10/11" in labels(menu)
    again = await tap(user, "Communication · 10/11")
    assert "Vous avez laissé 1 question pour plus tard. La voici." in again.text
    assert "\n\nQuestion 2 sur 11\n\nQuelles actions" in again.text


async def test_a_finished_block_looked_over_shows_what_was_written(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory
) -> None:
    user = sandbox.user(1206, "Ann", "en")
    await join(user, territory.join_code, "I agree")
    await tap(user, "Communication")
    for label in ("Full (all questions)", "1 · Some actions", "Skip ▶"):
        await tap(user, label)
    await say(user, "/menu")  # the multi-select question is left for later, then answered
    await tap(user, "Communication · 1/11")
    for label in ("2 · Some adapted", "Don't know", "3 · Regular, and heard", "Don't know"):
        await tap(user, label)
    await say(user, "Our SSE week.")
    await voice(user, 12)
    for label in ("Both together", "Within 2 years"):
        await tap(user, label)
    await tap(user, "Money")
    await tap(user, "Communication · 10/11")
    await toggle(user, "Fairs")
    menu = await tap(user, "Done ✓")
    assert "✅ Communication" in labels(menu)
    path = await tap(user, "✅ Communication")
    assert "Here are your answers again" in path.text
    question = await tap(user, "✓ Full (all questions)")  # the path chosen: no Keep of its own
    for _ in range(6):
        question = await tap(user, "Keep ▶")
    assert "Your answer: Our SSE week." in question.text
    question = await tap(user, "Keep ▶")
    assert "Your answer: a voice note (12 s)" in question.text
    for _ in range(4):  # this one, then who, when, and what holds the area back
        menu = await tap(user, "Keep ▶")
    assert "✅ Communication" in labels(menu)


async def test_a_text_longer_than_a_telegram_message_is_kept_whole(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    user = sandbox.user(1207, "Ama", "en")
    await join(user, territory.join_code, "I agree")
    await tap(user, "Communication")
    await tap(user, "Full (all questions)")
    for _ in range(6):
        await tap(user, "Skip ▶")
    first = "Our SSE week. " * 290  # 4,060 characters: the app sends the rest apart
    rest = "And the awards, every year."
    before = len(user.messages)
    await user.send_text(first)  # the app cut after a space
    await user.send_text(rest)
    await user.wait(lambda: any("I joined them into one answer." in t for t in user.texts[before:]))
    answers = await stored(sessions, Answer, question_id="strength")
    assert max(answers, key=lambda a: a.id).value == {"text": f"{first.strip()} {rest}"}
    question = await next_prompt(user, before)
    assert "Question 8 of 11" in question.text
    actor = await say(user, "A public map.")
    assert actor.text.startswith("Question 9 of 11\n\nWho should take this step?")
    assert [a.value for a in await stored(sessions, Answer, question_id="next_step")] == [
        {"text": "A public map."}
    ]


async def test_a_new_menu_retires_the_old_one_and_leaving_a_block_says_so(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory
) -> None:
    user = sandbox.user(1208, "Sol", "es")
    first_menu = await join(user, territory.join_code, "Acepto")
    await tap(user, "Comunicación")
    await tap(user, "Completa (todas las preguntas)")
    await tap(user, "1 · Algunas acciones")
    second_menu = await say(user, "/menu")
    assert first_menu.buttons == [], "an older menu keeps no stale buttons"
    assert "Comunicación · 1/11" in labels(second_menu)
    await tap(user, "Datos")
    assert "Tus respuestas de «Comunicación» están guardadas (1/11)." in user.texts[-2]
    await tap(user, "Completa (todas las preguntas)")
    await tap(user, "2 · Uno, pero incompleto")
    await running_bot.stop()  # a restart forgets which menu is the latest: an old one still works
    await running_bot.start()
    before = len(user.messages)
    await user.press("Comunicación · 1/11", message=second_menu)
    again = await next_prompt(user, before)
    assert "Tus respuestas de «Datos» están guardadas (1/11)." in user.texts[before]
    assert "Pregunta 2 de 11" in again.text


async def test_words_sent_right_after_the_last_answer_go_on_it(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    user = sandbox.user(1209, "Rosa", "es")
    await join(user, territory.join_code, "Acepto")
    await tap(user, "Comunicación")
    await tap(user, "Completa (todas las preguntas)")
    for _ in range(7):
        question = await tap(user, "Saltar ▶")
    assert question.text.startswith("Pregunta 8 de 11\n\n¿Qué paso concreto")
    before = len(user.messages)
    await user.send_text("Economía social")  # the last written question: "who" asks next
    await user.send_text("y solidaria, en el barrio")
    added = "Agregué esto a tu respuesta a la pregunta anterior.\n\nPregunta 9 de 11\n\n¿Quién"
    await user.wait(lambda: any(t.startswith(added) for t in user.texts))
    actor = await next_prompt(user, before)
    assert actor.text.startswith(added), "the question with buttons is asked again"
    first_ask = next(m for m in user.messages[before:] if m.text.startswith("Pregunta 9 de 11"))
    assert first_ask.buttons == []
    values = [a.value for a in await stored(sessions, Answer, question_id="next_step")]
    assert values[-1] == {"text": "Economía social\ny solidaria, en el barrio"}
    assert not any(t.startswith("Guardé esto como un comentario") for t in user.texts[before:])
    assert await stored(sessions, Answer, question_id="actor") == []


async def test_a_code_typed_alone_joins_as_join_does(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory
) -> None:
    user = sandbox.user(1210, "Moussa", "fr")
    notice = await say(user, territory.join_code)
    assert notice.text.startswith("Avant de commencer")
    welcome = await reply_to(user, "perfecta")  # a word of a code's form is not taken for one
    assert welcome.text.startswith("Bonjour\u202f!") and welcome.buttons == []


async def test_an_old_menu_pressed_after_forget_says_how_to_join_again(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory
) -> None:
    user = sandbox.user(1211, "Lea", "en")
    menu = await join(user, territory.join_code, "I agree")
    legal = next(b["callback_data"] for b in menu.buttons if b["text"] == "Legal frameworks")
    await say(user, "/forget")
    await user.press("Yes, delete")
    await user.wait(lambda: user.texts[-1] == "Your data is deleted. Thank you for taking part.")
    before = len(user.messages)
    press = await user.press_data(legal, menu)
    await user.wait(lambda: len(user.messages) > before)
    assert sandbox.callback_answers[press]["text"] == "This button no longer works."
    assert "/join" in user.texts[-1]


async def test_keep_and_skip_leave_a_mark_under_their_question(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory
) -> None:
    user = sandbox.user(1212, "Kofi", "en")
    await join(user, territory.join_code, "I agree")
    await tap(user, "Communication")
    first = await tap(user, "Full (all questions)")
    second = await tap(user, "Skip ▶")
    assert first.text.endswith("\n\nSkipped") and first.buttons == []
    again = await tap(user, "◀ Back")
    await tap(user, "2 · A plan, few means")
    back = await tap(user, "◀ Back")
    await tap(user, "Keep ▶")
    assert back.text.endswith("\n\n✓ 2 · A plan, few means") and back.buttons == []
    assert second.buttons == [] and again.buttons == []
