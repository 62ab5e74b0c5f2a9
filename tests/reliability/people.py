"""Simulated people for the reliability tests: each reacts to what their chat shows now, the
way a person does, so a lost reply or a restarted bot only slows them down."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sandbox.server import BotMessage, SandboxUser
from storage.models import Answer, Participant

Answers = dict[str, object]
BLOCK = "Communication"
SHORT = "Short (about 3 minutes)"
PRESSES = {
    1: "1 · Some actions",
    3: "Don't know",
    4: "3 · Reports with figures",
    6: "Both together",
    7: "Within 6 months",
    8: "Money",
}
"""What each person presses on the short path, by question number (2: a multi-select, 5: the
next step, written)."""
EXPECTED = {
    "path": {"choice": "short"},
    "plan": {"choice": "1"},
    "actions": {"choices": ["fairs"]},
    "advocacy": {"dk": True},
    "results": {"choice": "3"},
    "actor": {"choice": "together"},
    "horizon": {"choice": "months"},
    "obstacle": {"choice": "money"},
}
QUESTION = re.compile(r"Question (\d) of 8")


def next_step_of(n: int) -> str:
    return f"Next step of person {n}"


@dataclass
class Person:
    """Joins with `code` and answers the Communication block on its short path, reacting to the
    newest prompt (a message with buttons). When nothing comes back in `patience` seconds,
    sends /menu."""

    user: SandboxUser
    n: int
    code: str
    patience: float = 20.0
    actions: int = 0
    stalls: int = 0
    done: bool = False

    def prompt(self) -> BotMessage | None:
        return next((m for m in reversed(self.user.messages) if m.buttons), None)

    async def act(self) -> None:
        prompt = self.prompt()
        labels = [b["text"] for b in prompt.buttons] if prompt else []
        question = QUESTION.search(prompt.text) if prompt else None
        if prompt is None:
            await self.user.send_text(f"/start {self.code}")
        elif "I agree" in labels:
            await self.user.press("I agree", message=prompt)
        elif SHORT in labels:
            await self.user.press(SHORT, message=prompt)
        elif question is None:  # the menu
            block = next(label for label in labels if BLOCK in label)
            if block.startswith("✅"):
                self.done = True
                return
            await self.user.press(block, message=prompt)
        else:
            await self.answer(int(question.group(1)), prompt, labels)
        self.actions += 1

    async def answer(self, number: int, prompt: BotMessage, labels: list[str]) -> None:
        if number in PRESSES:
            await self.user.press(PRESSES[number], message=prompt)
        elif number == 2:
            await self.user.press("Done ✓" if "✓ Fairs" in labels else "Fairs", message=prompt)
        else:
            await self.user.send_text(next_step_of(self.n))

    def replied(self, acted: BotMessage | None, edits: int) -> bool:
        """A newer message with buttons, or the acted-on one edited and still with buttons (a
        closed question, which loses its buttons, is no reply)."""
        newest = self.prompt()
        if newest is None:
            return False
        if acted is None or newest.message_id > acted.message_id:
            return True
        return newest is acted and acted.edits > edits

    async def walk(self) -> None:
        while not self.done:
            acted = self.prompt()
            edits = acted.edits if acted else 0
            await self.act()
            while not self.done:
                try:
                    await self.user.wait(partial(self.replied, acted, edits), self.patience)
                    break
                except AssertionError:
                    self.stalls += 1  # no reply: ask for the menu and go on from there
                    acted = self.prompt()
                    edits = acted.edits if acted else 0
                    await self.user.send_text("/menu")


async def answers_by_person(sessions: async_sessionmaker[AsyncSession]) -> dict[str, Answers]:
    """Each person's stored answers (by Telegram id), checking each question is stored once."""
    async with sessions() as session:
        rows = (
            await session.execute(
                select(Participant.external_id, Answer.question_id, Answer.value).join(
                    Answer, Answer.participant_id == Participant.id
                )
            )
        ).all()
    out: dict[str, Answers] = {}
    for external_id, question, value in rows:
        assert question not in out.setdefault(external_id, {}), "each answer stored once"
        out[external_id][question] = value
    return out


def expected_answers(n: int) -> Answers:
    return EXPECTED | {"next_step": {"text": next_step_of(n)}}
