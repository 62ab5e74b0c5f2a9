"""/profile: a facilitator gives the facts about the local government (level, powers, national
law) once for the territory, with the context block's questions and buttons; /profile again
shows them and lets them change any. The dialog's engine state waits in `pending_dialogs`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot import texts
from bot.telegram.callbacks import ProfileCb
from bot.telegram.facilitator.common import private_router
from bot.telegram.filters import Facilitates, PendingDialogOf
from bot.telegram.middlewares import CHANNEL
from bot.telegram.render import ButtonData, render_outputs, with_answer
from bot.telegram.sending import Replies
from dialogs import engine
from dialogs.i18n import Translator
from dialogs.model import Flow
from dialogs.profile import PROFILE_FLOW, profile_flow, profile_of, settled, settles
from dialogs.render import describe_answer
from storage.models import Participant, PendingDialog, Territory
from storage.repository import Repository

router = private_router("facilitator-profile")
KIND = "profile"
EVENTS: dict[str, type[engine.Done | engine.Back | engine.Skip]] = {
    "done": engine.Done,
    "back": engine.Back,
    "skip": engine.Skip,
}


def dialog_flow(flows: Mapping[str, Flow]) -> Flow:
    return profile_flow(
        flows[PROFILE_FLOW],
        title=texts.PROFILE_TITLE,
        intro=texts.PROFILE_INTRO,
        closing=texts.PROFILE_TITLE,
    )


def buttons(territory_id: int) -> ButtonData:
    verbs = {"answer": "a", "toggle": "t", "nav": "n"}

    def data(ask: engine.Ask, kind: str, value: str) -> str:
        return ProfileCb(
            territory=territory_id, question=ask.question, verb=verbs[kind], value=value
        ).pack()

    return data


def profile_text(flow: Flow, profile: Mapping[str, Any], tr: Translator) -> str:
    """One line per fact, as the facilitator reads it; those left to participants say so."""
    lines = []
    for q in flow.questions:
        answer = profile.get(q.id)
        value = describe_answer(q, answer, tr) if answer else tr(texts.PROFILE_NOT_GIVEN)
        if not settles(answer):
            value = f"{value} – {tr(texts.PROFILE_EACH_ANSWERS)}"
        lines.append(tr(texts.PROFILE_LINE, question=tr(texts.PROFILE_LABELS[q.id]), answer=value))
    return "\n".join(lines)


def review_state(flow: Flow, profile: Mapping[str, Any]) -> engine.State:
    """The dialog as if just finished with the stored answers: Start shows each one again."""
    state = engine.new_state(flow)
    answers = {q: dict(a) for q, a in profile.items() if flow.question(q) is not None}
    state.update(status="finished", answers=answers)
    return state


@router.message(Command("profile"), Facilitates())
async def profile(
    message: Message,
    repo: Repository,
    out: Replies,
    tr: Translator,
    participant: Participant,
    territory: Territory,
    flows: Mapping[str, Flow],
) -> None:
    """The first question; or, once given, the profile and each question with its answer."""
    flow = dialog_flow(flows)
    given = territory.profile or {}
    if given:
        state, outputs = engine.step(flow, review_state(flow, given), engine.Start())
        outputs = [
            o for o in outputs if not (isinstance(o, engine.Say) and o.text.key == engine.REVIEW)
        ]
        now = tr(texts.PROFILE_NOW, territory=territory.name)
        out.say(f"{now}\n{profile_text(flow, given, tr)}\n\n{tr(texts.PROFILE_CHANGE)}")
    else:
        state, outputs = engine.step(flow, None, engine.Start())
    await repo.save_pending_dialog(
        CHANNEL, participant.external_id, KIND, state, territory_id=territory.id
    )
    for reply in render_outputs(outputs, tr, buttons(territory.id)):
        out.send(reply)


@router.message(Command("cancel"), PendingDialogOf(KIND))
async def cancel(
    message: Message, repo: Repository, out: Replies, tr: Translator, dialog: PendingDialog
) -> None:
    """Stop the dialog half-way: the profile stays as it was (it is stored at the end)."""
    await repo.end_pending_dialog(CHANNEL, dialog.external_id, KIND)
    out.say(tr(texts.PROFILE_CANCELLED))


@router.callback_query(ProfileCb.filter(), Facilitates())
async def pressed(
    query: CallbackQuery,
    callback_data: ProfileCb,
    repo: Repository,
    out: Replies,
    tr: Translator,
    participant: Participant,
    territory: Territory,
    flows: Mapping[str, Flow],
) -> None:
    """A button of the dialog: step it; at its end, store the profile and show it."""
    message = query.message if isinstance(query.message, Message) else None
    dialog = await repo.pending_dialog(CHANNEL, participant.external_id, KIND)
    event = _event(callback_data)
    if (
        message is None
        or event is None
        or dialog is None
        or callback_data.territory != territory.id
        or dialog.territory_id != territory.id
    ):
        out.toast(tr(texts.PROFILE_GONE))
        return
    flow = dialog_flow(flows)
    state, outputs = engine.step(flow, dialog.state, event)
    recorded = next(
        (
            o
            for o in outputs
            if isinstance(o, engine.Recorded) and o.question == callback_data.question
        ),
        None,
    )
    out.toast(tr(texts.SAVED) if recorded is not None else None)
    refreshed = [o for o in outputs if isinstance(o, engine.Ask) and o.refresh]
    question = flow.question(callback_data.question)
    repeated = recorded is not None and not recorded.changed and outputs == [recorded]
    if not refreshed and not repeated:
        label = describe_answer(question, recorded.answer, tr) if recorded and question else None
        text = with_answer(message.html_text, label) if label else None
        out.edit(message.message_id, text, closes=True)
    finished = next((i for i, o in enumerate(outputs) if isinstance(o, engine.Finished)), None)
    if finished is None:
        await repo.save_pending_dialog(
            CHANNEL, participant.external_id, KIND, state, territory_id=territory.id
        )
        for reply in render_outputs(outputs, tr, buttons(territory.id)):
            if reply.refresh:
                out.edit(message.message_id, reply.text, reply.keyboard)
            else:
                out.send(reply)
        return
    for reply in render_outputs(outputs[:finished], tr, buttons(territory.id)):
        out.send(reply)  # what was said before the end (a problem, a notice)
    given = profile_of(state["answers"])
    await repo.set_profile(territory, given)
    await repo.end_pending_dialog(CHANNEL, participant.external_id, KIND)
    saved = tr(texts.PROFILE_SAVED, territory=territory.name)
    after = texts.PROFILE_APPLIES if settled(given) else texts.PROFILE_NOTHING_SETTLED
    out.say(f"{saved}\n{profile_text(flow, given, tr)}\n\n{tr(after)}")


def _event(data: ProfileCb) -> engine.Input | None:
    if data.verb == "a":
        return engine.Choose(data.value, data.question)
    if data.verb == "t":
        return engine.Toggle(data.value, data.question)
    if data.verb == "n" and data.value in EVENTS:
        return EVENTS[data.value](data.question)
    return None
