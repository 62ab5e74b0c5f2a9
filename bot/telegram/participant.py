"""The participant's journey in a private chat: join, consent, language, menu, questions,
/mydata and /forget, and a helpful answer to anything unexpected.

Handlers only read and write through `repo`/`conversations` and say things through `out`:
what they say is sent after their transaction commits (see `middlewares.UnitOfWork`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot import texts
from bot.conversations import Conversations
from bot.join_guard import JoinGuard
from bot.mydata import personal_data
from bot.reports.charts import radar
from bot.reports.figures import (
    BlockScores,
    above_threshold,
    block_scores,
    own_scores,
    short_path_blocks,
    territory_figures,
)
from bot.reports.summary_text import results_series, results_text, territory_line
from bot.telegram.callbacks import (
    AnswerCb,
    ConsentCb,
    ForgetCb,
    LanguageCb,
    MenuCb,
    NavCb,
    ToggleCb,
)
from bot.telegram.filters import ChatType, Joined, Slash, TextOrVoice
from bot.telegram.middlewares import CHANNEL
from bot.telegram.render import (
    Reply,
    esc,
    language_keyboard,
    menu_reply,
    render_outputs,
    with_answer,
)
from bot.telegram.sending import Replies
from dialogs import engine
from dialogs.conditions import COMMENTS
from dialogs.i18n import Translator, available_languages, language_in, language_name, translator
from dialogs.model import Flow
from dialogs.render import COMMENT, describe_answer, describe_comment
from dialogs.summary import Stats
from dialogs.texts import msg, shortened
from storage.models import Participant, Territory
from storage.repository import CodeMatch, Repository, normalise_join_code

MESSAGE_LIMIT = 4096


def plain(text: str) -> str:
    """What a person typed, as it can be stored anywhere: without NUL characters (which
    PostgreSQL refuses in text and JSON, and no person means to send)."""
    return text.replace("\x00", "")


router = Router(name="participant")
for observer in (router.message, router.edited_message, router.callback_query):
    observer.filter(ChatType("private"))


async def menu_of(conversations: Conversations, tr: Translator, text: str | None = None) -> Reply:
    return menu_reply(conversations.territory.id, await conversations.blocks(), tr, text)


# ---------------------------------------------------------------- joining


def consent_reply(territory: Territory, code: str, language: str) -> Reply:
    """The notice for a territory, its buttons carrying the code the person used."""
    tr = translator(language)

    def button(text: str, answer: str, lang: str = language) -> InlineKeyboardButton:
        data = ConsentCb(code=code, language=lang, answer=answer).pack()
        return InlineKeyboardButton(text=text, callback_data=data)

    languages = [
        button(("✓ " if lang == language else "") + language_name(lang), "lang", lang)
        for lang in available_languages()
    ]
    rows = [[button(tr(texts.AGREE), "yes"), button(tr(texts.DECLINE), "no")], languages]
    return Reply(
        esc(tr(texts.CONSENT, territory=territory.name)),
        InlineKeyboardMarkup(inline_keyboard=rows),
    )


@dataclass(frozen=True)
class CodeRefused:
    """Why a code was not checked (`waiting`: too many wrong ones) or not found."""

    text: str
    waiting: bool = False
    real: bool = False
    """A real code that takes no one now (replaced, or its territory closed): said in full."""


def typed_code(text: str) -> bool:
    """Whether a message is a join code typed alone: a code's form, and a digit or capitals
    (as on a poster), so that a word such as "perfecta" is not taken for one."""
    stripped = text.strip()
    has_digit = any(ch.isdigit() for ch in stripped)
    return normalise_join_code(stripped) is not None and (has_digit or stripped.isupper())


async def territory_for_code(
    code_text: str, user_id: int, repo: Repository, guard: JoinGuard, tr: Translator
) -> CodeMatch | CodeRefused:
    """The territory (and role) of a code someone typed or pressed; a wrong code is counted
    (a replaced code, or one of a closed territory, is not wrong: it is not counted)."""
    minutes = await guard.wait_minutes(repo, user_id)
    if minutes:
        return CodeRefused(tr.text(texts.code_wait(minutes)), waiting=True)
    code = normalise_join_code(code_text)
    found = await repo.territory_by_code(code) if code else None
    if found is None:
        if code is not None and await repo.retired_code(code) is not None:
            return CodeRefused(tr(texts.CODE_REPLACED), real=True)
        await guard.failed(repo, user_id)
        return CodeRefused(tr(texts.CODE_MALFORMED if code is None else texts.CODE_UNKNOWN))
    if found.closed and not await repo.is_member(CHANNEL, str(user_id), found.territory):
        return CodeRefused(tr(texts.TERRITORY_CLOSED, territory=found.territory.name), real=True)
    return found


async def join_with(
    found: CodeMatch,
    participant: Participant,
    current: Territory | None,
    role: str | None,
    repo: Repository,
    flows: Mapping[str, Flow],
    tr: Translator,
) -> Reply:
    """Join the territory of a code (again, or with a new role); the menu, headed by what
    changed."""
    territory = found.territory
    promoted = found.role == "facilitator" and not (
        current is not None and current.id == territory.id and role == "facilitator"
    )
    if current is not None and current.id == territory.id and not promoted:
        text = tr(texts.ALREADY_JOINED, territory=territory.name)
    else:
        text = tr(texts.JOINED_FACILITATOR if promoted else texts.JOINED, territory=territory.name)
    # joining again still takes a group link's first blocks
    membership = await repo.join(participant, territory, found.role, found.first_blocks)
    conversations = Conversations(repo, flows, participant, territory, membership.first_blocks)
    return await menu_of(conversations, tr, text)


@router.message(CommandStart(deep_link=True))
@router.message(Command("join", magic=F.args))
async def join(
    message: Message,
    command: CommandObject,
    repo: Repository,
    out: Replies,
    tr: Translator,
    participant: Participant | None,
    territory: Territory | None,
    role: str | None,
    flows: Mapping[str, Flow],
    guard: JoinGuard,
) -> None:
    """A code from a link (/start CODE) or typed (/join CODE)."""
    await join_by_code(
        command.args or "", message, repo, out, tr, participant, territory, role, flows, guard
    )


async def join_by_code(
    code: str,
    message: Message,
    repo: Repository,
    out: Replies,
    tr: Translator,
    participant: Participant | None,
    territory: Territory | None,
    role: str | None,
    flows: Mapping[str, Flow],
    guard: JoinGuard,
) -> None:
    """The consent notice for someone new or a territory new to them (its team will see their
    answers), else the territory's menu (it becomes the current one)."""
    user_id = message.from_user.id if message.from_user else message.chat.id
    found = await territory_for_code(code, user_id, repo, guard, tr)
    if isinstance(found, CodeRefused):
        out.say(found.text)
        return
    member = participant is not None and any(
        m.territory_id == found.territory.id for m in await repo.memberships(participant)
    )
    if participant is None or not member:  # a new territory: its team will see the answers
        out.send(consent_reply(found.territory, normalise_join_code(code) or "", tr.language))
        return
    out.send(await join_with(found, participant, territory, role, repo, flows, tr))


@router.message(Command("join"))
async def join_how(message: Message, out: Replies, tr: Translator) -> None:
    out.say(tr(texts.JOIN_HOW))


@router.message(CommandStart(), Joined())
async def start_again(
    message: Message,
    repo: Repository,
    out: Replies,
    tr: Translator,
    participant: Participant,
    conversations: Conversations,
) -> None:
    """The menu; for someone who had sent /stop, reminders come back on first."""
    if participant.stopped_at is not None:
        await repo.set_stopped(participant, False)
        out.say(tr(texts.REMINDERS_ON))
    out.send(await menu_of(conversations, tr))


@router.message(Command("menu"), Joined())
async def menu(
    message: Message, out: Replies, tr: Translator, conversations: Conversations
) -> None:
    out.send(await menu_of(conversations, tr))


@router.message(Command("stop"), Joined())
async def stop(
    message: Message, repo: Repository, out: Replies, tr: Translator, participant: Participant
) -> None:
    """No more reminders or nudges until /start; answers stay, and so does the person."""
    await repo.set_stopped(participant, True)
    out.say(tr(texts.STOPPED))


@router.message(Command("stop"))
async def stop_not_joined(message: Message, out: Replies, tr: Translator) -> None:
    out.say(tr(texts.NOTHING_TO_STOP))


@router.message(CommandStart())
@router.message(Command("menu"))
async def welcome(message: Message, out: Replies, tr: Translator) -> None:
    out.say(tr(texts.WELCOME))


@router.callback_query(ConsentCb.filter())
async def consent(
    query: CallbackQuery,
    callback_data: ConsentCb,
    repo: Repository,
    out: Replies,
    tr: Translator,
    participant: Participant | None,
    territory: Territory | None,
    role: str | None,
    flows: Mapping[str, Flow],
    guard: JoinGuard,
) -> None:
    """The notice's buttons: its language, "I agree" or "No, thanks" (a double tap of either
    changes nothing more and says nothing twice)."""
    message = query.message if isinstance(query.message, Message) else None
    language = callback_data.language
    tr = translator(language) if language in available_languages() else tr
    found = await territory_for_code(callback_data.code, query.from_user.id, repo, guard, tr)
    if isinstance(found, CodeRefused):  # under a button, a short notice is enough
        if found.real:  # closed or replaced since the notice was shown: say it in full
            out.say(found.text)
        else:
            out.toast(found.text if found.waiting else tr(texts.BUTTON_GONE))
        return
    if message is None:
        out.toast(tr(texts.BUTTON_GONE))
        return
    if callback_data.answer == "lang":
        reply = consent_reply(found.territory, callback_data.code, tr.language)
        out.edit(message.message_id, reply.text, reply.keyboard)
        return
    name = found.territory.name
    if callback_data.answer != "yes":
        if participant is None:
            out.edit(message.message_id, esc(tr(texts.DECLINED)))
        else:
            out.toast(tr(texts.ALREADY_JOINED, territory=name))
        return
    same = participant is not None and territory is not None and territory.id == found.territory.id
    if same and (found.role != "facilitator" or role == "facilitator"):
        out.toast(tr(texts.ALREADY_JOINED, territory=name))
        out.edit(message.message_id, None, closes=True)
        return
    joining = participant or await repo.ensure_participant(CHANNEL, str(query.from_user.id))
    if joining.consent_at is None:
        await repo.record_consent(
            joining, language=tr.language, display_name=plain(query.from_user.full_name)
        )
    out.edit(message.message_id, with_answer(message.html_text, tr(texts.AGREE)))
    out.send(await join_with(found, joining, None, None, repo, flows, tr))


# ---------------------------------------------------------------- commands


@router.message(Command("language"))
async def language(message: Message, out: Replies, tr: Translator) -> None:
    out.say(tr(texts.LANGUAGE_PROMPT), language_keyboard(tr.language))


@router.callback_query(LanguageCb.filter())
async def language_chosen(
    query: CallbackQuery,
    callback_data: LanguageCb,
    repo: Repository,
    out: Replies,
    tr: Translator,
    participant: Participant | None,
    conversations: Conversations | None,
) -> None:
    """The language chosen: said in it, and the question the person was on asked again in it
    (its old message's buttons are retired)."""
    chosen = callback_data.language
    if chosen not in available_languages() or not isinstance(query.message, Message):
        out.toast(tr(texts.BUTTON_GONE))
        return
    if participant is not None:
        await repo.set_language(participant, chosen)
    tr = translator(chosen)
    said = tr(texts.LANGUAGE_SET, language=language_in(chosen, chosen))
    out.edit(query.message.message_id, esc(said))
    if participant is None:
        out.say(tr(texts.WELCOME))
        return
    flow_id = await conversations.current_flow() if conversations is not None else None
    if conversations is not None and flow_id is not None and conversations.is_open(flow_id):
        await show(await conversations.step(flow_id, engine.Resume()), conversations, out, tr)


@router.message(Command("help"))
async def help_(message: Message, out: Replies, tr: Translator) -> None:
    out.say(tr(texts.HELP))


@router.message(Command("about"))
async def about(message: Message, out: Replies, tr: Translator) -> None:
    out.say(tr(texts.ABOUT))


@router.message(Command("mydata"))
async def mydata(
    message: Message,
    repo: Repository,
    out: Replies,
    tr: Translator,
    participant: Participant | None,
    territory: Territory | None,
    flows: Mapping[str, Flow],
) -> None:
    """Everything kept about the person; when it is long, also as two files."""
    if participant is None:
        out.say(tr(texts.MYDATA_NOTHING))
        return
    data = personal_data(
        participant,
        await repo.memberships(participant),
        await repo.everything_answered(participant),
        flows,
        tr,
        territory.timezone if territory is not None else "UTC",
    )
    whole = f"{data.summary}\n\n{data.answers}"
    if len(esc(whole)) <= MESSAGE_LIMIT:
        out.say(whole)
        return
    out.say(f"{data.summary}\n\n{tr(texts.MYDATA_IN_FILES)}")
    out.document("my-data.txt", whole.encode())
    out.document("my-data.json", data.as_json.encode())


@router.message(Command("results"), Joined())
async def results(
    message: Message,
    repo: Repository,
    out: Replies,
    tr: Translator,
    participant: Participant,
    territory: Territory,
    flows: Mapping[str, Flow],
) -> None:
    """The person's radar beside the territory's (where enough people answered), with a
    line per finished block."""
    stored = await repo.conversations(participant, territory)
    finished = {c.flow_id for c in stored if engine.is_finished(c.state)}
    answers = {c.flow_id: c.state.get("answers", {}) for c in stored}
    mine = own_scores(answers, finished, flows, territory.profile)
    if not mine:
        out.say(tr(texts.RESULTS_NOTHING))
        return
    figures = await territory_figures(repo.session, territory, flows)
    short = short_path_blocks(answers, territory.profile)
    text = results_text(mine, figures.blocks, flows, territory.name, tr, short)
    axes, series = results_series(mine, figures.blocks, flows, territory.name, tr)
    out.picture("results.png", partial(radar, axes, series), text)


@router.message(Command("results"))
async def results_not_joined(message: Message, out: Replies, tr: Translator) -> None:
    out.say(tr(texts.WELCOME))


@router.message(Command("forget"))
async def forget(
    message: Message, out: Replies, tr: Translator, participant: Participant | None
) -> None:
    if participant is None:
        out.say(tr(texts.MYDATA_NOTHING))
        return
    buttons = [
        InlineKeyboardButton(text=tr(label), callback_data=ForgetCb(answer=answer).pack())
        for label, answer in ((texts.FORGET_YES, "yes"), (texts.FORGET_NO, "no"))
    ]
    out.say(tr(texts.FORGET_CONFIRM), InlineKeyboardMarkup(inline_keyboard=[buttons]))


@router.callback_query(ForgetCb.filter())
async def forget_confirmed(
    query: CallbackQuery,
    callback_data: ForgetCb,
    repo: Repository,
    out: Replies,
    tr: Translator,
    participant: Participant | None,
) -> None:
    """ "Yes, delete" deletes (pressed again, it says the data is deleted: it is); "No, keep
    it" keeps."""
    if not isinstance(query.message, Message):
        out.toast(tr(texts.BUTTON_GONE))
        return
    if callback_data.answer == "yes":
        if participant is not None:
            await repo.forget_participant(participant)
        out.edit(query.message.message_id, esc(tr(texts.FORGOTTEN)))
    else:
        out.edit(query.message.message_id, esc(tr(texts.KEPT)))


@router.message(Slash())
async def unknown_command(message: Message, out: Replies, tr: Translator) -> None:
    out.say(tr(texts.UNKNOWN_COMMAND))


# ---------------------------------------------------------------- answering


async def show(
    outputs: list[engine.Output],
    conversations: Conversations,
    out: Replies,
    tr: Translator,
    pressed: Message | None = None,
    scores: BlockScores | None = None,
) -> None:
    """The engine's outputs as messages (a refreshed question edits `pressed` in place); at
    the end of a block, what it says goes on top of the menu."""
    replies = render_outputs(await with_territory(outputs, conversations, tr, scores), tr)
    finished = any(isinstance(o, engine.Finished) for o in outputs)
    closing = replies.pop().text if finished and replies and replies[-1].keyboard is None else ""
    for reply in replies:
        if reply.refresh and pressed is not None:
            out.edit(pressed.message_id, reply.text, reply.keyboard)
        else:
            out.send(reply)
    if finished:
        territory_id = conversations.territory.id
        out.send(menu_reply(territory_id, await conversations.blocks(), tr, before=closing))


async def with_territory(
    outputs: list[engine.Output],
    conversations: Conversations,
    tr: Translator,
    scores: BlockScores | None,
) -> list[engine.Output]:
    """At the end of a scored block: the person's score with its level in words, then the
    territory's once enough people answered the block (or when it will show)."""
    ended = next((o for o in outputs if isinstance(o, engine.Finished)), None)
    mean = ended.score.overall.mean if ended is not None and ended.score is not None else None
    if ended is None or ended.score is None or mean is None:
        return outputs
    territory, session = conversations.territory, conversations.repo.session
    if scores is not None:
        who = conversations.participant.id
        stats = await scores.territory(
            session, territory, conversations.flows, ended.flow, who, mean
        )
    else:
        read = await block_scores(session, territory, conversations.flows, ended.flow)
        stats = above_threshold(Stats.of(list(read.values())))
    # "{text}": a text already in the person's language, shown as it is
    line = msg("{text}", text=territory_line(stats, territory.name, tr))
    changed: list[engine.Output] = []
    for output in outputs:
        changed.append(output)
        if isinstance(output, engine.Say) and output.text.key in engine.LEVEL_LINES:
            changed.append(engine.Say(line, output.role))
    return changed


async def press(
    query: CallbackQuery,
    button: AnswerCb | ToggleCb | NavCb,
    event: engine.Input,
    conversations: Conversations,
    out: Replies,
    tr: Translator,
    flows: Mapping[str, Flow],
    scores: BlockScores | None = None,
) -> None:
    """A question's button: step the engine, then close the pressed question with the answer
    it accepted (or edit it in place after a toggle), and show what comes next."""
    flow_id, question_id = button.flow, button.question
    pressed = query.message
    if flow_id not in flows or not isinstance(pressed, Message):
        out.toast(tr(texts.BUTTON_GONE))
        return
    if not conversations.is_open(flow_id):
        out.edit(pressed.message_id, None, closes=True)
        out.send(await menu_of(conversations, tr, tr(texts.BLOCK_CLOSED_NOW)))
        return
    outputs = await conversations.step(flow_id, event)
    recorded = next(
        (o for o in outputs if isinstance(o, engine.Recorded) and o.question == question_id),
        None,
    )
    out.toast(tr(texts.SAVED) if recorded is not None else None)
    refreshed = any(isinstance(o, engine.Ask) and o.refresh for o in outputs)
    if not refreshed and (recorded is None or recorded.changed or outputs != [recorded]):
        question = flows[flow_id].question(question_id)
        text = None
        if question is not None and recorded is not None:
            text = with_answer(pressed.html_text, describe_answer(question, recorded.answer, tr))
        elif question is not None and isinstance(event, engine.Skip):  # kept, or left for later
            kept = await conversations.answer(flow_id, question_id)
            shown = describe_answer(question, kept, tr)
            text = with_answer(pressed.html_text, shown, kept=kept is not None)
        out.edit(pressed.message_id, text, closes=True)
    await show(outputs, conversations, out, tr, pressed, scores)


@router.callback_query(MenuCb.filter(), Joined())
async def open_block(
    query: CallbackQuery,
    callback_data: MenuCb,
    conversations: Conversations,
    out: Replies,
    tr: Translator,
    flows: Mapping[str, Flow],
    scores: BlockScores | None = None,
) -> None:
    if callback_data.flow not in flows:
        out.toast(tr(texts.BUTTON_GONE))
        return
    if callback_data.territory != conversations.territory.id:  # an old menu of another one
        name = conversations.territory.name
        out.send(await menu_of(conversations, tr, tr(texts.MENU_OF_ANOTHER, territory=name)))
        return
    if not conversations.is_open(callback_data.flow):
        out.send(await menu_of(conversations, tr, tr(texts.BLOCK_CLOSED_NOW)))
        return
    left = await conversations.current_flow()
    blocks = await conversations.blocks()
    waiting = next((b for b in blocks if b.flow.id == left != callback_data.flow), None)
    if waiting is not None and waiting.progress.answered:  # another block waits, half answered
        out.say(
            tr(
                texts.BLOCK_LEFT,
                block=tr(waiting.flow.short_title),
                answered=waiting.progress.answered,
                total=waiting.progress.total,
            )
        )
    outputs = await conversations.step(callback_data.flow, engine.Start())
    await show(outputs, conversations, out, tr, scores=scores)


@router.callback_query(AnswerCb.filter(), Joined())
async def answer(
    query: CallbackQuery,
    callback_data: AnswerCb,
    conversations: Conversations,
    out: Replies,
    tr: Translator,
    flows: Mapping[str, Flow],
    scores: BlockScores | None = None,
) -> None:
    event = engine.Choose(callback_data.choice, callback_data.question)
    await press(query, callback_data, event, conversations, out, tr, flows, scores)


@router.callback_query(ToggleCb.filter(), Joined())
async def toggle(
    query: CallbackQuery,
    callback_data: ToggleCb,
    conversations: Conversations,
    out: Replies,
    tr: Translator,
    flows: Mapping[str, Flow],
    scores: BlockScores | None = None,
) -> None:
    event = engine.Toggle(callback_data.choice, callback_data.question)
    await press(query, callback_data, event, conversations, out, tr, flows, scores)


NAVIGATION: dict[str, type[engine.Done | engine.Back | engine.Skip]] = {
    "done": engine.Done,
    "back": engine.Back,
    "skip": engine.Skip,
}


@router.callback_query(NavCb.filter(F.action.in_(NAVIGATION)), Joined())
async def navigate(
    query: CallbackQuery,
    callback_data: NavCb,
    conversations: Conversations,
    out: Replies,
    tr: Translator,
    flows: Mapping[str, Flow],
    scores: BlockScores | None = None,
) -> None:
    event = NAVIGATION[callback_data.action](callback_data.question)
    await press(query, callback_data, event, conversations, out, tr, flows, scores)


@router.callback_query(MenuCb.filter())
async def menu_of_nobody(query: CallbackQuery, out: Replies, tr: Translator) -> None:
    """An old menu pressed by someone no longer in a territory (after /forget): how to join."""
    out.toast(tr(texts.BUTTON_GONE))
    out.say(tr(texts.WELCOME))


@router.callback_query()
async def stale_or_forged(query: CallbackQuery, out: Replies, tr: Translator) -> None:
    out.toast(tr(texts.BUTTON_GONE))


@router.message(TextOrVoice(), Joined())
async def typed(
    message: Message,
    conversations: Conversations,
    repo: Repository,
    out: Replies,
    tr: Translator,
    participant: Participant,
    territory: Territory,
    role: str | None,
    flows: Mapping[str, Flow],
    guard: JoinGuard,
    scores: BlockScores | None = None,
) -> None:
    """Text or a voice note: an answer to the current question of the open block (or the
    next part of a long text the app cut in pieces)."""
    flow_id = await (
        conversations.current_flow() if message.voice else conversations.flow_for_text()
    )
    if flow_id is None and typed_code(message.text or ""):
        await join_by_code(
            message.text or "", message, repo, out, tr, participant, territory, role, flows, guard
        )  # a code typed alone, outside any block: as /join
        return
    if flow_id is None:
        out.send(await menu_of(conversations, tr, tr(texts.NO_BLOCK_OPEN)))
        return
    if not conversations.is_open(flow_id):
        out.send(await menu_of(conversations, tr, tr(texts.BLOCK_CLOSED_NOW)))
        return
    if message.voice is not None:
        event: engine.Input = engine.Voice(message.voice.file_id, message.voice.duration)
    else:
        event = engine.Text(plain(message.text or ""), message.date.timestamp())
    asked = await conversations.current_question(flow_id)
    outputs = await conversations.step(flow_id, event)
    recorded = next(
        (o for o in outputs if isinstance(o, engine.Recorded) and o.question == asked), None
    )
    question = flows[flow_id].question(asked) if asked is not None else None
    if recorded is not None and question is not None and recorded.comment:  # asked again below
        comment = describe_comment(recorded.answer[COMMENTS][-1], tr)
        out.close_question(shortened(tr(COMMENT, text=comment), ECHO_LIMIT), answered=False)
    elif recorded is not None and question is not None:  # closed as a press closes it
        label = describe_answer(question, recorded.answer, tr)
        out.close_question(shortened(label, ECHO_LIMIT))
    await show(outputs, conversations, out, tr, scores=scores)


ECHO_LIMIT = 60
"""Characters of a written answer noted under its question."""


@router.message(TextOrVoice())
async def not_joined(
    message: Message,
    repo: Repository,
    out: Replies,
    tr: Translator,
    participant: Participant | None,
    flows: Mapping[str, Flow],
    guard: JoinGuard,
) -> None:
    """Someone not in a territory yet: a code typed alone (off a poster) joins, as /join does;
    anything else gets the welcome, which says how to join."""
    if not typed_code(message.text or ""):
        out.say(tr(texts.WELCOME))
        return
    await join_by_code(
        message.text or "", message, repo, out, tr, participant, None, None, flows, guard
    )


@router.message()
async def anything_else(message: Message, out: Replies, tr: Translator) -> None:
    out.say(tr(texts.UNEXPECTED))


@router.edited_message()
async def edited(message: Message, out: Replies, tr: Translator) -> None:
    out.say(tr(texts.EDITED))
