"""Replies made after the commit: a chart that cannot be drawn still lets its text through;
replies gathered later go in their place, or say that they failed."""

from __future__ import annotations

from typing import Any

from bot.telegram.sending import Delivery, Photo, Replies, Send, Sender


class Recorder:
    """Stands for the Bot: records what would be sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, Any]] = []

    async def send_message(self, chat_id: int, text: str, **_: Any) -> None:
        self.sent.append(("message", text))

    async def send_photo(self, chat_id: int, photo: Any, **kwargs: Any) -> None:
        self.sent.append(("photo", (photo.data, kwargs.get("caption"))))


def broken() -> bytes:
    raise RuntimeError("no chart today")


async def test_a_drawing_is_made_when_sent_and_a_broken_one_leaves_its_text() -> None:
    out = Replies(chat_id=5)
    out.picture("a.png", lambda: b"PNG-a", "<b>short</b>")
    out.picture("b.png", broken, "caption of b")
    out.picture("c.png", b"PNG-c", "x" * 1025)
    assert isinstance(out.actions[2], Send) and isinstance(out.actions[3], Photo)
    bot = Recorder()
    assert await Sender().deliver(bot, out) is Delivery.SENT  # type: ignore[arg-type]
    assert bot.sent == [
        ("photo", (b"PNG-a", "<b>short</b>")),
        ("message", "caption of b"),
        ("message", "x" * 1025),
        ("photo", (b"PNG-c", None)),
    ]


async def test_replies_gathered_after_the_commit_go_in_their_place_or_say_they_failed() -> None:
    async def figures(out: Replies) -> None:
        out.say("figures <1>")
        out.photo("r.png", lambda: b"PNG-r")

    async def failing(out: Replies) -> None:
        out.say("never sent: gathering failed before the end")
        raise RuntimeError("the database went away")

    out = Replies(chat_id=5)
    out.say("first")
    out.later(figures, failed="unused")
    out.later(failing, failed="Sorry <no> summary")
    out.say("last")
    bot = Recorder()
    assert await Sender().deliver(bot, out) is Delivery.SENT  # type: ignore[arg-type]
    assert bot.sent == [
        ("message", "first"),
        ("message", "figures &lt;1&gt;"),
        ("photo", (b"PNG-r", None)),
        ("message", "Sorry &lt;no&gt; summary"),
        ("message", "last"),
    ]
