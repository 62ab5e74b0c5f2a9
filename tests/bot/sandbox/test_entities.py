"""Telegram's HTML parse mode read as Telegram reads it: the text and its entities, which the
bot gets back in updates (so an edit keeps a bold title) and the page draws."""

from __future__ import annotations

from typing import Any

import pytest

from bot.sandbox.html_check import EntityError, parse_html
from bot.sandbox.server import Sandbox
from tests.bot.harness import SandboxServer


def entity(kind: str, offset: int, length: int, **more: Any) -> dict[str, Any]:
    return {"type": kind, "offset": offset, "length": length, **more}


@pytest.mark.parametrize(
    ("markup", "text", "entities"),
    [
        ("plain &lt;b&gt; &amp; text", "plain <b> & text", []),
        ("<b>Title</b>\n\nBody", "Title\n\nBody", [entity("bold", 0, 5)]),
        ("<b>bold <i>both</i></b>", "bold both", [entity("bold", 0, 9), entity("italic", 5, 4)]),
        ("🎉 <b>é</b>", "🎉 é", [entity("bold", 3, 1)]),  # offsets in UTF-16 code units
        ("<strong>a</strong><em>b</em><u>c</u><s>d</s><code>e</code>", "abcde",
         [entity("bold", 0, 1), entity("italic", 1, 1), entity("underline", 2, 1),
          entity("strikethrough", 3, 1), entity("code", 4, 1)]),
        ('<pre><code class="language-python">x = 1</code></pre>', "x = 1",
         [entity("pre", 0, 5, language="python")]),
        ('<a href="https://unrisd.org">UNRISD</a>', "UNRISD",
         [entity("text_link", 0, 6, url="https://unrisd.org")]),
        ('<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler>', "st",
         [entity("spoiler", 0, 1), entity("spoiler", 1, 1)]),
        ("<blockquote expandable>q</blockquote><b></b>", "q",
         [entity("expandable_blockquote", 0, 1)]),  # an empty tag gives no entity
    ],
)  # fmt: skip
def test_markup_gives_the_text_and_entities_telegram_gives(
    markup: str, text: str, entities: list[dict[str, Any]]
) -> None:
    assert parse_html(markup) == (text, entities)


@pytest.mark.parametrize("markup", ["<b>open", "<script>x</script>", "<span>x</span>", "a & b"])
def test_markup_telegram_refuses(markup: str) -> None:
    with pytest.raises(EntityError):
        parse_html(markup)


async def test_the_bot_gets_the_entities_back_with_a_pressed_message(
    server: SandboxServer,
) -> None:
    sandbox: Sandbox = server.sandbox
    user = sandbox.user(5, "Ana", "es")
    keyboard = {"inline_keyboard": [[{"text": "Sí", "callback_data": "yes"}]]}
    sent = await sandbox.call(
        "sendMessage",
        {"chat_id": 5, "text": "<b>Marcos</b>\n¿Listo?", "parse_mode": "HTML",
         "reply_markup": keyboard},
    )  # fmt: skip
    assert sent["entities"] == [entity("bold", 0, 6)]
    assert user.messages[-1].to_json()["entities"] == [entity("bold", 0, 6)], "for the page"
    await user.press("Sí")
    assert sandbox.updates[-1]["callback_query"]["message"]["entities"] == [entity("bold", 0, 6)]
    edited = await sandbox.call(
        "editMessageText",
        {"chat_id": 5, "message_id": sent["message_id"], "text": "<i>Hecho</i>",
         "parse_mode": "HTML"},
    )  # fmt: skip
    assert edited["entities"] == [entity("italic", 0, 5)]
    plain = await sandbox.call("sendMessage", {"chat_id": 5, "text": "<b>no parse mode</b>"})
    assert "entities" not in plain and user.messages[-1].text == "<b>no parse mode</b>"
