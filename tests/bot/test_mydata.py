"""A person's copy of their data reads in the order they were asked, with plain headings."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.mydata import personal_data
from dialogs.i18n import translator
from dialogs.loader import load_flows
from storage.models import Participant
from storage.repository import AnswerRecord

FLOWS = load_flows()


def test_answers_come_in_question_order_whatever_order_they_were_given_in() -> None:
    at = datetime(2026, 11, 28, 9, 12, tzinfo=UTC)
    given = [  # answered last question first, then went back
        AnswerRecord("Dakar", "communication", "next_step", 1, {"text": "A map."}, at),
        AnswerRecord("Dakar", "legal", "instrument", 1, {"choice": "1"}, at),
        AnswerRecord("Dakar", "communication", "plan", 1, {"choice": "2"}, at),
        AnswerRecord("Dakar", "communication", "plan", 2, {"choice": "3"}, at),
    ]
    person = Participant(external_id="42", display_name="Awa", language="fr")
    data = personal_data(person, [], given, FLOWS, translator("fr"), "Africa/Dakar")
    lines = data.answers.splitlines()
    headings = [line for line in lines if line.startswith("Dakar · ")]
    assert headings == [
        "Dakar · Cadres juridiques et institutionnels",
        "Dakar · Stratégies de communication",
    ]
    answers = [line.strip() for line in lines if line.strip().startswith("→")]
    assert [a.split(" (")[0] for a in answers] == [
        "→ 1 · Projet ou discussion",
        "→ 2 · Un plan, peu de moyens",
        "→ 3 · Un plan avec des moyens",
        "→ A map.",
    ]
