"""The fake Telegram's state file: round trip, ids never reused (even after a crash or a bad
file), atomic writes, and where the file goes."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from bot.sandbox.server import Sandbox
from bot.sandbox.state import DEFAULT_STATE_FILE, SandboxState, default_state_path
from tests.bot.harness import TOKEN

NOW = 1_750_000_000.0
FLOOR = int(NOW * 1000)


def fresh(path: Path | None, *, used_before: bool = True) -> tuple[SandboxState, str | None]:
    state = SandboxState(Sandbox(TOKEN), path, clock=lambda: NOW)
    return state, state.load(ids_used_before=used_before)


async def test_a_restart_brings_back_people_chats_files_and_pending_updates(
    tmp_path: Path,
) -> None:
    path = tmp_path / "sandbox.telegram.json"
    state, notice = fresh(path, used_before=False)
    sandbox = state.sandbox
    assert notice is None and not path.exists()
    ana = sandbox.user(next(state.user_ids), "Ana", "es")
    await ana.send_text("/start CODE")
    keyboard = {"inline_keyboard": [[{"text": "Sí", "callback_data": "yes"}]]}
    question = {"chat_id": ana.id, "text": "<b>¿Listo?</b>", "parse_mode": "HTML"}
    sent = await sandbox.call("sendMessage", {**question, "reply_markup": keyboard})
    edit = {**question, "message_id": sent["message_id"], "text": "<b>¿Listo?</b> Sí"}
    await sandbox.call("editMessageText", {**edit, "reply_markup": keyboard})
    query = await ana.press("Sí")
    voice = await ana.send_voice(b"OggS-voice", 3)
    await state.close()

    again, notice = fresh(path)
    restored = again.sandbox
    assert notice is None
    assert restored.users == sandbox.users and list(restored.users) == [1001]
    assert restored.chats == sandbox.chats
    assert restored.messages == sandbox.messages and restored.messages[1001][0].edits == 1
    bold = [{"type": "bold", "offset": 0, "length": 7}]
    assert restored.messages[1001][0].entities == bold, "still bold after a restart"
    assert restored.written == sandbox.written
    assert [u["update_id"] for u in restored.updates] == [1, 2, 3]
    assert restored.callbacks == {query: False}, "the bot can still answer the press"
    assert restored.files == sandbox.files and restored.files[voice][1] == b"OggS-voice"
    used = max(u["update_id"] for u in sandbox.updates)
    assert next(restored.update_ids) > used
    assert next(restored.message_ids) > max(m["message_id"] for m in sandbox.written[1001])
    assert next(again.user_ids) == 1002


def test_ids_are_never_reused_after_a_crash(tmp_path: Path) -> None:
    """Killed with no last save: the ids on disk are still above every id handed out."""
    path = tmp_path / "state.json"
    state, _ = fresh(path, used_before=False)
    handed = [next(state.update_ids) for _ in range(250)]
    messages = [next(state.message_ids) for _ in range(7)]
    people = [next(state.user_ids) for _ in range(3)]
    assert handed == list(range(1, 251)) and people == [1001, 1002, 1003]
    again, _ = fresh(path)
    assert next(again.update_ids) > handed[-1]
    assert next(again.message_ids) > messages[-1]
    assert next(again.user_ids) == 1004


@pytest.mark.parametrize("content", ["{not json", '{"version": 1}', "[]", '{"version": 99}'])
def test_a_bad_file_starts_afresh_above_a_time_floor(tmp_path: Path, content: str) -> None:
    path = tmp_path / "state.json"
    path.write_text(content, encoding="utf-8")
    state, notice = fresh(path)
    assert notice is not None and "is unreadable" in notice and "\n" not in notice
    assert f"new ids start at {FLOOR}" in notice
    assert (tmp_path / "state.json.corrupt").read_text(encoding="utf-8") == content
    assert state.sandbox.users == {}
    assert (next(state.update_ids), next(state.message_ids)) == (FLOOR, FLOOR)
    assert next(state.user_ids) == FLOOR
    assert json.loads(path.read_text(encoding="utf-8"))["version"] == 1, "a good file again"


def test_a_missing_file_starts_afresh_above_a_time_floor_unless_the_database_is_new(
    tmp_path: Path,
) -> None:
    state, notice = fresh(tmp_path / "state.json")
    assert notice is not None and "was not found" in notice
    assert next(state.update_ids) == FLOOR
    state, notice = fresh(tmp_path / "other.json", used_before=False)
    assert notice is None
    assert (next(state.update_ids), next(state.user_ids)) == (1, 1001)


async def test_in_memory_by_default_and_nothing_written(tmp_path: Path) -> None:
    state, notice = fresh(None)
    assert notice is None and next(state.update_ids) == 1
    state.start()
    state.sandbox.user(next(state.user_ids))
    await state.close()
    assert list(tmp_path.iterdir()) == []
    assert next(Sandbox(TOKEN).update_ids) == 1


def test_a_failed_write_is_logged_and_the_sandbox_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    state, _ = fresh(blocker / "state.json", used_before=False)
    with caplog.at_level(logging.WARNING):
        assert next(state.update_ids) == 1
        assert next(state.user_ids) == 1001
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        f"could not save the sandbox state to {blocker / 'state.json'}"
    ], "said once, not at every try"
    assert not list(tmp_path.glob("**/*.tmp"))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite+aiosqlite:///sse-facilitator-sandbox.db", Path(DEFAULT_STATE_FILE)),
        ("sqlite+aiosqlite:///data/try.db", Path("data/try.telegram.json")),
        ("sqlite+aiosqlite:////srv/bot/x.sqlite3", Path("/srv/bot/x.telegram.json")),
        ("postgresql+asyncpg://u:p@db/sse", Path(DEFAULT_STATE_FILE)),
        ("sqlite+aiosqlite://", None),
        ("sqlite+aiosqlite:///:memory:", None),
    ],
)
def test_the_state_file_follows_the_database(url: str, expected: Path | None) -> None:
    assert default_state_path(url) == expected
