"""Voice notes from the page: the length read from the file, and the bot's answers to presses."""

from __future__ import annotations

import io
import struct
import wave
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bot.sandbox import app as sandbox_app
from bot.sandbox.app import UNREADABLE_AUDIO, RunningSandbox, start_sandbox
from bot.sandbox.audio import seconds, whole_seconds
from bot.sandbox.server import Fault
from tests.bot.harness import free_port
from tests.bot.sandbox.test_restart import add_person


def wav(length: float, rate: int = 8000, channels: int = 1, width: int = 1) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as audio:
        audio.setnchannels(channels)
        audio.setsampwidth(width)
        audio.setframerate(rate)
        audio.writeframes(b"\0" * int(rate * length) * channels * width)
    return out.getvalue()


def ogg_page(body: bytes, granule: int, sequence: int) -> bytes:
    lacing = [255] * (len(body) // 255) + [len(body) % 255]
    header = b"OggS" + struct.pack("<BBqIII", 0, 0, granule, 1, sequence, 0)
    return header + bytes([len(lacing), *lacing]) + body


def ogg(first_packet: bytes, last_granule: int) -> bytes:
    """An Ogg stream as an encoder writes it: identification header, comments, audio pages."""
    return b"".join(
        [
            ogg_page(first_packet, 0, 0),
            ogg_page(b"OpusTags" + b"\0" * 8, 0, 1),
            ogg_page(b"\x55" * 300, last_granule // 2, 2),
            ogg_page(b"\x55" * 300, last_granule, 3),
        ]
    )


OPUS_HEAD = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, 312, 48000, 0, 0)
VORBIS_HEAD = b"\x01vorbis" + struct.pack("<IBIiiiBB", 0, 1, 44100, 0, 0, 0, 0xB8, 1)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (wav(14), 14.0),
        (wav(2.5, rate=44100, channels=2, width=2), 2.5),
        (ogg(OPUS_HEAD, 48000 * 7 + 312), 7.0),  # Opus counts at 48 kHz, after its pre-skip
        (ogg(VORBIS_HEAD, 44100 * 3), 3.0),
        (b"OggS-voice", None),
        (b"", None),
        (wav(3)[:30], None),  # cut before its samples
        (b"ID3\x04" + b"\0" * 100, None),  # MP3: the browser reads it, not the server
    ],
)
def test_the_length_of_an_audio_file(data: bytes, expected: float | None) -> None:
    assert seconds(data) == expected


def test_a_length_in_whole_seconds_as_telegram_gives_it() -> None:
    assert [whole_seconds(s) for s in (0.2, 1.49, 1.5, 13.6, 14.0)] == [1, 1, 2, 14, 14]


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[RunningSandbox]:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}"
    started = await start_sandbox("127.0.0.1", free_port(), database_url, None)
    yield started
    await started.stop()


async def post_voice(running: RunningSandbox, user: int, data: bytes, **fields: str) -> tuple:
    form = aiohttp.FormData()
    form.add_field("file", data, filename="note", content_type="audio/ogg")
    for name, value in fields.items():
        form.add_field(name, value)
    url = f"{running.url}/sandbox/api/users/{user}/voice"
    async with aiohttp.ClientSession() as http, http.post(url, data=form) as response:
        return response.status, await response.text()


async def test_a_voice_note_gets_the_length_the_page_or_the_file_gives(
    running: RunningSandbox,
) -> None:
    ana = await add_person(running, "Ana", "es")
    status, body = await post_voice(running, ana.id, wav(2), duration="14.4")
    assert status == 200 and '"duration": 14' in body and '"page"' in body
    status, body = await post_voice(running, ana.id, ogg(OPUS_HEAD, 48000 * 9 + 312))
    assert status == 200 and '"duration": 9' in body and '"server"' in body
    status, body = await post_voice(running, ana.id, wav(4), duration="NaN")
    assert status == 200 and '"duration": 4' in body, "the page could not read it: the server did"
    voices = [u["message"]["voice"] for u in running.sandbox.delivered if "message" in u]
    assert [v["duration"] for v in voices] == [14, 9, 4], "as the bot received them"
    shown = [w["text"] for w in running.sandbox.written[ana.id]]
    assert shown == ["🎤 0:14", "🎤 0:09", "🎤 0:04"], "as Ana sees her own notes"
    assert await post_voice(running, ana.id, b"not audio at all") == (400, UNREADABLE_AUDIO)


async def test_the_answer_to_a_press_reaches_the_person_who_pressed_only(
    running: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sandbox_app, "ANSWER_WAIT", 0.3)
    marie, kofi = await add_person(running, "Marie", "fr"), await add_person(running, "Kofi", "en")
    sandbox = running.sandbox
    keyboard = {"inline_keyboard": [[{"text": "Oui", "callback_data": "forged:1"}]]}
    sent = await sandbox.call(
        "sendMessage", {"chat_id": marie.id, "text": "?", "reply_markup": keyboard}
    )
    sandbox.faults.append(Fault("answerCallbackQuery", delay=0.6))  # a slow answer
    base = f"{running.url}/sandbox/api/users"
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{base}/{marie.id}/press", json={"message_id": sent["message_id"], "data": "forged:1"}
        ) as response:
            query = (await response.json())["query_id"]
        async with http.get(f"{base}/{kofi.id}/answers/{query}") as response:
            assert response.status == 404, "another person's press"
        async with http.get(f"{base}/{marie.id}/answers/{query}") as response:
            assert await response.json() == {"answered": False}, "not yet: the page asks again"
        monkeypatch.setattr(sandbox_app, "ANSWER_WAIT", 10.0)
        async with http.get(f"{base}/{marie.id}/answers/{query}") as response:
            answer = await response.json()
    assert answer["answered"] is True and answer["show_alert"] is False
    assert answer["text"] == "Ce bouton ne marche plus.", "the real bot's answer to a stale button"
