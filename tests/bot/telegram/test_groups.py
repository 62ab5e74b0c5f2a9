"""In groups the bot speaks only when spoken to: a command addressed to it, its own addition
(once); a button pressed there is answered; everything else is left alone."""

from __future__ import annotations

import asyncio
import time

from bot.sandbox.server import BOT_ID, BOT_USERNAME, Chat, Sandbox
from tests.bot.harness import RunningBot

PRIVATELY = "Please write to me in a private chat: https://t.me/sse_sandbox_bot"


def member(status: str) -> dict[str, object]:
    bot = {"id": BOT_ID, "is_bot": True, "first_name": "SSE", "username": BOT_USERNAME}
    return {"status": status, "user": bot}


async def test_in_a_group_the_bot_speaks_only_when_spoken_to(
    sandbox: Sandbox, running_bot: RunningBot
) -> None:
    group = Chat(-100700, "supergroup", "Cooperatives")
    sandbox.chats[group.id] = group
    ana = sandbox.user(701, "Ana", "en")
    said = lambda: [m.text for m in sandbox.messages.get(group.id, [])]  # noqa: E731

    added = {"chat": group.to_json(), "from": sandbox.users[701], "date": int(time.time()),
             "old_chat_member": member("left"), "new_chat_member": member("member")}  # fmt: skip
    await sandbox.push("my_chat_member", added)
    joined = sandbox.user_message(701, group, new_chat_members=[member("member")["user"]])
    await sandbox.push("message", joined)  # the service message about the same addition
    for text in ("Hello everyone", "/start@another_bot", "/help@another_bot"):
        await ana.send_text(text, chat=group)
    await ana.send_text(f"/start@{BOT_USERNAME}", chat=group)
    await ana.wait(lambda: len(said()) == 2)
    await asyncio.sleep(0.5)  # nothing else comes
    assert said() == [PRIVATELY, PRIVATELY], "its addition once, then the command for it"

    await ana.send_text("/menu", chat=group)
    await ana.wait(lambda: len(said()) == 3)
    press = await ana.press_data("m:legal", sandbox.messages[group.id][-1])
    await ana.wait(lambda: sandbox.callbacks[press])
    assert sandbox.callback_answers[press]["text"] == PRIVATELY
    assert ana.messages == [], "nothing was sent to Ana privately"
