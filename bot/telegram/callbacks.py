"""Callback data of the inline buttons: short, typed, and checked by aiogram filters.

Ids come from the flows, whose loader keeps flow + question + choice within Telegram's 64 bytes.
"""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class AnswerCb(CallbackData, prefix="a"):
    flow: str
    question: str
    choice: str


class ToggleCb(CallbackData, prefix="t"):
    flow: str
    question: str
    choice: str


class NavCb(CallbackData, prefix="n"):
    flow: str
    question: str
    action: str  # done | back | skip


class MenuCb(CallbackData, prefix="m"):
    territory: int  # the menu's territory: a menu of another one opens nothing there
    flow: str


class ConsentCb(CallbackData, prefix="c"):
    code: str
    language: str
    answer: str  # yes | no | lang (show the notice in `language`)


class LanguageCb(CallbackData, prefix="l"):
    language: str


class ForgetCb(CallbackData, prefix="f"):
    answer: str  # yes | no


class ProfileCb(CallbackData, prefix="pf"):
    """A button of the territory profile dialog (its territory, so a forged one is refused)."""

    territory: int
    question: str
    verb: str  # a: answer | t: toggle a choice | n: done, back or skip
    value: str


class BlocksCb(CallbackData, prefix="bk"):
    """A button of /blocks: open or close a block, or start a pick."""

    territory: int
    action: str  # toggle | group | person
    block: str


class PickCb(CallbackData, prefix="bp"):
    """Picking one or two blocks to put first: for a break-out group's link (target 0) or for
    the participant P-<target>. The blocks picked so far travel in the button, by order."""

    territory: int
    target: int
    picked: str  # orders joined by ".", e.g. "1.6"; "" for none
    action: str  # t: tick or untick `block` | ok: create the link, or save
    block: int


class TerritoryCb(CallbackData, prefix="ter"):
    id: int  # the territory to make the current one (checked: forged ids change nothing)


class NewTerritoryCb(CallbackData, prefix="nt"):
    step: str  # timezone | language | session
    value: str  # a zone name, a language code, or "skip"
