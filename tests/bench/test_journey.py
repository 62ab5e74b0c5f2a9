"""The journey benchmark's machinery at tiny scale: 3 people, the real bot and the floor."""

from __future__ import annotations

from bench.journey import JOURNEY, reply_to, report, run_series
from bot.sandbox.server import BotMessage, Sandbox

KEYBOARD = {"inline_keyboard": [[{"text": "Next", "callback_data": "next"}]]}


def test_a_closing_edit_or_a_message_without_keyboard_is_no_reply() -> None:
    sandbox = Sandbox("1:token")
    user = sandbox.user(7)
    question = BotMessage(5, 7, "Question", reply_markup=KEYBOARD)
    sandbox.store(question)
    assert reply_to(user, 5, question, 0) is None
    question.edits, question.reply_markup = 1, None  # the answer shown, the keyboard gone
    sandbox.store(BotMessage(6, 7, "Thank you!"))
    assert reply_to(user, 5, question, 0) is None
    following = BotMessage(8, 7, "Next question", reply_markup=KEYBOARD)
    sandbox.store(following)
    assert reply_to(user, 5, question, 0) is following
    assert reply_to(user, 8, following, 0) is None
    following.edits = 1  # a multi-select toggle: edited, still with its keyboard
    assert reply_to(user, 8, following, 0) is following


PRESSES = sum(1 for kind, _ in JOURNEY if kind == "press") / len(JOURNEY)
TEXTS = sum(1 for kind, _ in JOURNEY if kind == "text") / len(JOURNEY)
"""The shares of the journey's actions that are presses (14 of 17) and texts (3 of 17)."""


async def test_three_people_get_a_reply_to_every_action() -> None:
    bot = await run_series("bot", 3, target_actions=0, warmup_journeys=1)
    floor = await run_series("floor", 3, target_actions=0, warmup_journeys=1)
    for series in (bot, floor):
        assert (series.failed, series.actions) == (0, 3 * len(JOURNEY)), series.failures
        assert series.updates_per_s > 0 and series.p50_ms <= series.p95_ms <= series.p99_ms
        assert series.cpu_ms_per_update > 0 and series.peak_rss_mb > 0
        assert series.api_errors == {} and series.logged_errors == {}
        assert series.calls_by_method["answerCallbackQuery"] == PRESSES, "every press answered"
    assert floor.calls_by_method == {
        "answerCallbackQuery": PRESSES,
        "editMessageText": PRESSES,
        "sendMessage": TEXTS,
    }
    assert bot.calls_per_action > floor.calls_per_action
    printed = report(bot, floor).splitlines()
    assert printed[0].startswith("sqlite · 3 people × 1 journeys")
    assert printed[2].startswith("bot") and printed[3].startswith("floor")
