"""The local Bot API server over real HTTP: Telegram's answers, checks, long polling, faults."""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path

import aiohttp
import pytest

from bot.sandbox.server import Fault, Sandbox
from bot.sandbox.spec import SERVED_METHODS, SUBSET_PATH, subset
from tests.bot.harness import TOKEN, SandboxServer

REFERENCE = Path(__file__).resolve().parents[4] / "shared" / "reference" / "telegram-bot-api.json"


async def call(
    server: SandboxServer, method: str, token: str = TOKEN, **params: object
) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as http:
        url = f"{server.url}/bot{token}/{method}"
        async with http.post(url, json=params) as response:
            return response.status, await response.json()


@pytest.mark.skipif(
    not REFERENCE.exists() and not os.environ.get("CI"), reason="needs ../shared/reference"
)
def test_the_shipped_spec_is_the_reference_subset() -> None:
    full = json.loads(REFERENCE.read_text(encoding="utf-8"))
    assert json.loads(SUBSET_PATH.read_text(encoding="utf-8")) == subset(full, SERVED_METHODS)


async def test_get_me_and_a_wrong_token(server: SandboxServer) -> None:
    status, body = await call(server, "getMe")
    assert status == 200 and body["result"]["username"] == "sse_sandbox_bot"
    assert await call(server, "getMe", token="1:wrong") == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )


@pytest.mark.parametrize(
    ("method", "params", "status", "description"),
    [
        ("sendSticker", {}, 404, "Not Found"),
        ("sendMessage", {"chat_id": 1, "text": "hi", "colour": "red"}, 400,
         "Bad Request: unknown parameter 'colour' for sendMessage"),
        ("sendMessage", {"chat_id": 1}, 400,
         "Bad Request: parameter 'text' is required for sendMessage"),
        ("sendMessage", {"chat_id": 1, "text": "x" * 4097}, 400,
         "Bad Request: message is too long"),
        ("sendMessage", {"chat_id": 1, "text": "a <b>bold", "parse_mode": "HTML"}, 400,
         'Bad Request: can\'t parse entities: can\'t find end tag "b"'),
        ("sendMessage", {"chat_id": 1, "text": "Tom & Jerry", "parse_mode": "HTML"}, 400, None),
        ("sendMessage", {"chat_id": 1, "text": "<p>hi</p>", "parse_mode": "HTML"}, 400, None),
        ("sendMessage", {"chat_id": 1, "text": "hi", "reply_markup": {"inline_keyboard": [[
            {"text": "b", "callback_data": "x" * 65}]]}}, 400, "Bad Request: BUTTON_DATA_INVALID"),
        ("sendMessage", {"chat_id": 1, "text": "hi", "reply_markup": {"inline_keyboard": [[
            {"txt": "b"}]]}}, 400, None),
        ("sendDocument", {"chat_id": 1, "document": "nope", "caption": "c" * 1025}, 400,
         "Bad Request: message caption is too long"),
        ("sendMessage", {"chat_id": 999, "text": "hi"}, 400, "Bad Request: chat not found"),
    ],
)  # fmt: skip
async def test_requests_are_checked_like_telegram(
    server: SandboxServer, method: str, params: dict, status: int, description: str | None
) -> None:
    server.sandbox.user(1)
    got_status, body = await call(server, method, **params)
    assert (got_status, body["ok"], body["error_code"]) == (status, False, status)
    if description is not None:
        assert body["description"] == description
    else:
        assert body["description"].startswith("Bad Request: ")
    assert server.sandbox.messages.get(1) is None


async def test_get_updates_offsets_and_long_polling(server: SandboxServer) -> None:
    user = server.sandbox.user(5)
    await user.send_text("one")
    await user.send_text("two")
    _, body = await call(server, "getUpdates")
    assert [u["message"]["text"] for u in body["result"]] == ["one", "two"]
    last = body["result"][-1]["update_id"]
    _, again = await call(server, "getUpdates")
    assert len(again["result"]) == 2, "not confirmed until a higher offset is sent"
    start = time.monotonic()
    waiting = asyncio.create_task(call(server, "getUpdates", offset=last + 1, timeout=5))
    await asyncio.sleep(0.3)
    await user.send_text("three")
    _, body = await waiting
    assert [u["message"]["text"] for u in body["result"]] == ["three"]
    assert time.monotonic() - start < 3
    start = time.monotonic()
    _, body = await call(
        server, "getUpdates", offset=body["result"][-1]["update_id"] + 1, timeout=1
    )
    assert body["result"] == [] and time.monotonic() - start >= 0.9


async def test_faults_answer_as_telegram_does(server: SandboxServer) -> None:
    server.sandbox.user(1)
    server.sandbox.faults += [
        Fault("sendMessage", 429, "Too Many Requests: retry after 3", retry_after=3),
        Fault(None, 500, "Internal Server Error"),
        Fault("getMe", delay=0.5),
    ]
    status, body = await call(server, "sendMessage", chat_id=1, text="hi")
    assert status == 429 and body["parameters"] == {"retry_after": 3}
    status, _ = await call(server, "getMe")
    assert status == 500
    start = time.monotonic()
    status, _ = await call(server, "getMe")
    assert status == 200 and time.monotonic() - start >= 0.5


async def test_edits_buttons_callbacks_and_files(server: SandboxServer) -> None:
    sandbox: Sandbox = server.sandbox
    user = sandbox.user(7, "Ana", "es")
    keyboard = {"inline_keyboard": [[{"text": "Sí", "callback_data": "yes"}]]}
    _, sent = await call(server, "sendMessage", chat_id=7, text="<b>¿Listo?</b>", parse_mode="HTML",
                         reply_markup=keyboard)  # fmt: skip
    message_id = sent["result"]["message_id"]
    assert user.messages[-1].text == "¿Listo?"
    query = await user.press("Sí")
    _, updates = await call(server, "getUpdates")
    assert updates["result"][-1]["callback_query"]["data"] == "yes"
    assert (await call(server, "answerCallbackQuery", callback_query_id=query))[0] == 200
    assert (await call(server, "answerCallbackQuery", callback_query_id=query))[0] == 400
    status, body = await call(server, "editMessageReplyMarkup", chat_id=7, message_id=message_id)
    assert status == 200 and user.messages[-1].buttons == []
    status, body = await call(server, "editMessageReplyMarkup", chat_id=7, message_id=message_id)
    assert body["description"] == "Bad Request: message is not modified"
    file_id = await user.send_voice(b"OggS", 3)
    _, got = await call(server, "getFile", file_id=file_id)
    async with aiohttp.ClientSession() as http:
        url = f"{server.url}/file/bot{TOKEN}/{got['result']['file_path']}"
        async with http.get(url) as response:
            assert await response.read() == b"OggS"
    form = aiohttp.FormData()
    form.add_field("chat_id", "7")
    form.add_field("caption", "Informe")
    form.add_field("document", b"%PDF-1.4", filename="report.pdf")
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{server.url}/bot{TOKEN}/sendDocument", data=form) as response,
    ):
        assert response.status == 200
    assert user.messages[-1].kind == "document" and user.messages[-1].text == "Informe"


async def test_a_voice_note_is_sent_again_by_its_file_id(server: SandboxServer) -> None:
    sandbox: Sandbox = server.sandbox
    ana, marie = sandbox.user(11, "Ana", "es"), sandbox.user(12, "Marie", "fr")
    file_id = await ana.send_voice(b"OggS-voice", 42)
    status, body = await call(
        server, "sendVoice", chat_id=12, voice=file_id, caption="<b>P-0001</b>",
        parse_mode="HTML", duration=42,
    )  # fmt: skip
    assert status == 200 and body["result"]["voice"] == {
        "file_id": file_id, "file_unique_id": file_id, "duration": 42,
    }  # fmt: skip
    assert (marie.messages[-1].kind, marie.messages[-1].text) == ("voice", "P-0001")
    status, body = await call(server, "sendVoice", chat_id=12, voice="f0000000000000000")
    assert (status, body["description"]) == (
        400,
        "Bad Request: wrong file identifier/HTTP URL specified",
    )


async def test_photos_chat_actions_and_webhook_conflict(server: SandboxServer) -> None:
    user = server.sandbox.user(8, "Kim", "en")
    form = aiohttp.FormData()
    form.add_field("chat_id", "8")
    form.add_field("photo", b"\x89PNG", filename="chart.png")
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{server.url}/bot{TOKEN}/sendPhoto", data=form) as response,
    ):
        body = await response.json()
    assert response.status == 200 and body["result"]["photo"][0]["file_id"]
    assert user.messages[-1].kind == "photo"
    assert (await call(server, "sendChatAction", chat_id=8, action="typing"))[0] == 200
    assert (await call(server, "setWebhook", url="https://example.invalid/hook"))[0] == 200
    status, body = await call(server, "getUpdates")
    assert (status, body["description"]) == (
        409,
        "Conflict: can't use getUpdates method while webhook is active",
    )
    assert (await call(server, "deleteWebhook"))[0] == 200
    assert (await call(server, "getUpdates"))[0] == 200


async def test_a_waiting_user_is_woken_by_what_they_see_only(server: SandboxServer) -> None:
    sandbox = server.sandbox
    ann, bob = sandbox.user(21), sandbox.user(22)
    checks = 0

    def ann_got_a_message() -> bool:
        nonlocal checks
        checks += 1
        return bool(ann.messages)

    waiting = asyncio.create_task(ann.wait(ann_got_a_message))
    await asyncio.sleep(0.05)
    for _ in range(5):
        assert (await call(server, "sendMessage", chat_id=bob.id, text="for Bob"))[0] == 200
    await call(server, "sendMessage", chat_id=ann.id, text="for Ann")
    await waiting
    assert checks == 2, "checked on entry and after her own message, not after Bob's"
