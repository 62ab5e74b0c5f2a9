"""A person's own copy of everything the bot keeps about them, as text to read and as JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from bot import texts
from dialogs.i18n import Translator, language_in
from dialogs.model import Flow
from dialogs.render import describe_answer
from storage.models import Membership, Participant
from storage.reports import pseudonym
from storage.repository import AnswerRecord


@dataclass(frozen=True)
class PersonalData:
    """The person, then their answers: `summary` fits one message; `answers` may be long."""

    summary: str
    answers: str
    as_json: str


def when(moment: datetime, tr: Translator, zone: str) -> str:
    """A date and time in the territory's zone, named the way people say it ("Senegal
    Time", "hora de Argentina (Córdoba)")."""
    return format_datetime(moment, "d MMM y, HH:mm VVVV", tzinfo=ZoneInfo(zone), locale=tr.language)


def question_order(record: AnswerRecord, flows: Mapping[str, Flow]) -> tuple[Any, ...]:
    """Answers in the order people are asked: by territory, block, question, then revision."""
    flow = flows.get(record.flow_id)
    known = flow is not None and flow.question(record.question_id) is not None
    return (
        record.territory,
        flow.order if flow is not None else len(flows) + 1,
        record.flow_id,
        flow.position(record.question_id) if flow is not None and known else 0,
        record.question_id,
        record.revision,
    )


def personal_data(
    participant: Participant,
    memberships: Sequence[Membership],
    answers: Sequence[AnswerRecord],
    flows: Mapping[str, Flow],
    tr: Translator,
    zone: str,
) -> PersonalData:
    """`zone`: the time zone to show times in (the person's current territory's)."""
    lines = [
        tr(texts.MYDATA_TITLE),
        tr(
            texts.MYDATA_NAME,
            name=participant.display_name or "-",
            language=language_in(participant.language or tr.language, tr.language),
        ),
        tr(texts.MYDATA_ID, id=participant.external_id),
    ]
    if participant.consent_at is not None:
        lines.append(tr(texts.MYDATA_CONSENT, when=when(participant.consent_at, tr, zone)))
    for membership in memberships:
        role = texts.MYDATA_ROLES.get(membership.role, texts.MYDATA_ROLES["participant"])
        lines.append(
            tr(
                role,
                territory=membership.territory.name,
                when=when(membership.joined_at, tr, zone),
                pseudonym=pseudonym(membership.number),
            )
        )
    records: list[dict[str, Any]] = []
    answer_lines: list[str] = []
    heading = None
    for record in sorted(answers, key=lambda r: question_order(r, flows)):
        flow = flows.get(record.flow_id)
        question = flow.question(record.question_id) if flow else None
        shown = (
            describe_answer(question, record.value, tr)
            if question is not None
            else json.dumps(record.value, ensure_ascii=False)
        )
        here = f"{record.territory} · {tr(flow.title) if flow else record.flow_id}"
        if here != heading:
            answer_lines += ["", here]
            heading = here
        text = tr(question.text) if question is not None else record.question_id
        answer_lines.append(
            f"• {text}\n  → {shown} ({when(record.answered_at, tr, zone)}, #{record.revision})"
        )
        records.append(
            {
                "territory": record.territory,
                "block": record.flow_id,
                "question": record.question_id,
                "revision": record.revision,
                "answer": record.value,
                "shown": shown,
                "answered_at": record.answered_at.isoformat(),
            }
        )
    if not answers:
        answer_lines = ["", tr(texts.NO_ANSWERS_YET)]
    as_json = {
        "telegram_id": participant.external_id,
        "name": participant.display_name,
        "language": participant.language,
        "consent_at": participant.consent_at.isoformat() if participant.consent_at else None,
        "territories": [
            {
                "name": m.territory.name,
                "role": m.role,
                "pseudonym": pseudonym(m.number),
                "joined_at": m.joined_at.isoformat(),
            }
            for m in memberships
        ],
        "answers": records,
    }
    return PersonalData(
        "\n".join(lines),
        "\n".join(answer_lines).strip("\n"),
        json.dumps(as_json, ensure_ascii=False, indent=2),
    )
