"""Interface texts of the bot (message ids for the gettext catalogs), outside the flows.

Channel-neutral: any channel shows these, translated with `dialogs.i18n`.
"""

from __future__ import annotations

from dialogs.texts import N_, Msg, Np_

WELCOME = N_(
    "Hello! I collect your views on local policies for the social and solidarity "
    "economy (SSE).\n\nTo take part, open the link your facilitator shared, or type "
    "/join and your code."
)
JOIN_HOW = N_("Type /join and your code, for example: /join ABCD2345")
CODE_MALFORMED = N_("A code has 8 letters and numbers, like ABCD2345. Please check it.")
CODE_UNKNOWN = N_("I can't find this code. Please check it with your facilitator and try again.")


def code_wait(minutes: int) -> Msg:
    return Np_(
        "Too many wrong codes. Please wait {count} minute and try again.",
        "Too many wrong codes. Please wait {count} minutes and try again.",
        minutes,
    )


CONSENT = N_(
    "Before we start, here is what I keep:\n"
    "• your answers, for {territory};\n"
    "• your Telegram name and language.\n\n"
    "Who sees them: the facilitators of {territory}. They see your answers under a "
    "pseudonym (like P-0007), never your name or your Telegram account.\n\n"
    "See your data any time with /mydata. Delete it with /forget."
)
AGREE = N_("I agree")
DECLINE = N_("No, thanks")
DECLINED = N_("No problem. Nothing was kept. If you change your mind, open the link again.")
JOINED = N_(
    "Welcome to {territory}! Choose a block to answer. Start with “Your territory”: "
    "it takes two minutes."
)
ALREADY_JOINED = N_("You already take part for {territory}.")
JOINED_FACILITATOR = N_(
    "You are now a facilitator of {territory}. You can answer the blocks too. "
    "Your commands are in /help."
)
MENU = N_("Choose a block. ✅ = finished.")
NO_BLOCK_OPEN = N_("Choose a block first.")
LANGUAGE_PROMPT = N_("Choose your language.")
LANGUAGE_SET = N_("Done. I will write in {language}.")
HELP = N_(
    "How it works:\n"
    "• Tap a button to answer.\n"
    "• For open questions, write or send a voice note.\n"
    "• ◀ Back goes to the last question. Skip ▶ leaves a question for later.\n"
    "• Stop any time: your answers are saved. Come back with /menu.\n\n"
    "/menu – the blocks\n"
    "/language – change language\n"
    "/mydata – see your answers\n"
    "/results – your scores next to your territory's\n"
    "/forget – delete your data\n"
    "/about – about this bot"
)
ABOUT = N_(
    "This bot prepares co-creation sessions on local policies for the social and "
    "solidarity economy (SSE). Its questions are inspired by the Guidelines for Local "
    "Governments on Policies for Social and Solidarity Economy (UNRISD and GSEF, 2021); "
    "they are not quotations from it."
)
UNEXPECTED = N_("I can read text, voice notes and button presses. Please answer with one of these.")
UNKNOWN_COMMAND = N_("I don't know this command. Send /help to see what I can do.")
EDITED = N_("I can't read edited messages. Please send your answer again as a new message.")
GROUP = N_("Please write to me in a private chat: {link}")
BUTTON_GONE = N_("This button no longer works.")
SAVED = N_("Saved ✓")
MYDATA_TITLE = N_("Everything I keep about you:")
MYDATA_NAME = N_("Name: {name}. Language: {language}.")
MYDATA_ID = N_("Telegram ID: {id}.")
# Translators: {when} is a date and time, e.g. "28 Nov 2026, 09:12 Senegal Time".
MYDATA_CONSENT = N_("You gave your consent on {when}.")
MYDATA_ROLES = {
    "participant": N_("{territory}: taking part since {when}."),
    "facilitator": N_("{territory}: facilitating since {when}."),
}
MYDATA_IN_FILES = N_(
    "Your answers are too long for one message, so they are in the two files below: one to "
    "read, and one for computers (JSON)."
)
MYDATA_EMPTY = N_("No answers yet.")
MYDATA_NOTHING = N_("I keep nothing about you.")
FORGET_CONFIRM = N_(
    "Delete your data? Your name, language and your written and spoken answers will be "
    "deleted. Your button answers stay in the territory's figures, without your name. "
    "This cannot be undone."
)
FORGET_YES = N_("Yes, delete")
FORGET_NO = N_("No, keep it")
FORGOTTEN = N_("Your data is deleted. Thank you for taking part.")
KEPT = N_("Nothing was deleted.")
NOT_SAVED = N_("Sorry, something went wrong and I could not save this. Please try again.")

COMMANDS = {
    "menu": N_("Choose a block"),
    "language": N_("Change language"),
    "mydata": N_("See your data"),
    "results": N_("Your results"),
    "forget": N_("Delete your data"),
    "help": N_("How it works"),
    "about": N_("About this bot"),
    "join": N_("Join with a code"),
}


# ---------------------------------------------------------------- facilitators

FACILITATORS_ONLY = N_(
    "This command is for facilitators. To become one, open the facilitator link "
    "your organiser gave you."
)
FACILITATOR_HELP = N_(
    "For facilitators of {territory}:\n"
    "/progress – who answered\n"
    "/summary – results per block\n"
    "/export – all answers as files\n"
    "/briefing – one block, for a break-out group\n"
    "/invite – links and a QR poster\n"
    "/profile – facts about your local government\n"
    "/blocks – which blocks are open\n"
    "/territory – switch territory"
)


# ---- progress, summary and results

PROGRESS_TITLE = N_("Progress in {territory}")


def joined(count: int, facilitators: int) -> Msg:
    return Np_(
        "{count} person joined ({facilitators} facilitating).",
        "{count} people joined ({facilitators} facilitating).",
        count,
        facilitators=facilitators,
    )


PROGRESS_HEADER = N_("Per block, started · finished:")
PROGRESS_LINE = N_("{block}: {started} · {finished}")
PROGRESS_NOBODY = N_("Nobody has started a block yet. Share the join link: /invite")
PROGRESS_STARTED = N_("Started")
PROGRESS_FINISHED = N_("Finished")
PROGRESS_CHART = N_("People per block")

SUMMARY_NO_ANSWERS = N_(
    "Nobody in {territory} has answered a block yet. /progress shows who joined; /invite "
    "gives the links to share."
)
SUMMARY_RADAR = N_("Scores per block, from 0 to 100. Lines: {lines}.")
RADAR_TERRITORY = N_("Territory")
GROUPS = {"government": N_("Local government"), "sse": N_("SSE organisations")}
BLOCK_SCORE = N_("Score: {mean} of 3 · {level} ({percent}/100)")
BLOCK_NO_SCORE = N_("No score: nobody answered with a level.")
BLOCK_NO_ANSWERS = N_("No answers yet.")
NO_ANSWERS_IN = N_("No answers yet: {blocks}.")


def block_people(count: int, finished: int) -> Msg:
    return Np_(
        "{count} person answered, {finished} finished.",
        "{count} people answered, {finished} finished.",
        count,
        finished=finished,
    )


BLOCK_CONFIDENCE = N_("Confidence: {share}.")
BLOCK_SPREAD = N_("Spread: {minimum} to {maximum}; middle half: {q1} to {q3}.")
# Translators: a group's score, e.g. "Local government (4): 1.2".
BLOCK_GROUP = N_("{group} ({count}): {mean}")
BLOCK_DIFFERENCE = N_("difference {difference}")
BLOCK_DONT_KNOW = N_("“Don't know”: {share}.")
# Translators: {groups} is e.g. "Officials 35 %, SSE organisations 10 %".
BLOCK_DONT_KNOW_GROUPS = N_("“Don't know”: {share} ({groups}).")


def not_applicable_here(count: int, total: int) -> Msg:
    return Np_(
        "Does not apply here: {count} question of {total}.",
        "Does not apply here: {count} questions of {total}.",
        count,
        total=total,
    )


NA_BY_PROFILE = N_("by the territory's profile")
NA_BY_PEOPLE = N_("most people said so")
NA_AUTOMATIC = N_("from most people's answers about their local government")
BLOCK_DISAGREEMENTS = N_("Views differ on “not applicable”:")
DISAGREEMENT = N_("{na} say it does not apply, {levels} gave a level")


def more_answers(count: int) -> Msg:
    return Np_("… and {count} more.", "… and {count} more.", count)


# Translators: an open answer; {who} is a pseudonym and a language, e.g. "P-0007 (es)".
QUOTE = N_("{who}: {text}")
MORE_BUTTON = N_("All answers: {block}")
VOICE_BUTTON = N_("🎤 {pseudonym} · {seconds} s")
VOICE_FROM = N_("Voice answer of {pseudonym} ({language}), {block}.")

SCORE_WITH_LEVEL = N_("Your score: {mean} of 3 · {level} ({percent}/100).")


def territory_score(count: int, **params: object) -> Msg:
    """{territory}, {mean}, {level}."""
    return Np_(
        "{territory}: {mean} of 3 · {level}, from {count} person.",
        "{territory}: {mean} of 3 · {level}, from {count} people.",
        count,
        **params,
    )


def territory_score_later(count: int) -> Msg:
    return Np_(
        "You will see the territory's score once {count} person has answered this block.",
        "You will see the territory's score once {count} people have answered this block.",
        count,
    )


RESULTS_HEAD = N_("Your scores and {territory}'s, from 0 to 3:")
RESULTS_LINE = N_("{block}: you {mine} · territory {theirs}")
RESULTS_YOU = N_("You")


def results_threshold(count: int) -> Msg:
    return Np_(
        "The territory's score shows once {count} person has answered a block.",
        "The territory's score shows once {count} people have answered a block.",
        count,
    )


RESULTS_NOTHING = N_(
    "You have not finished a block yet. Choose one in /menu: your results will show here "
    "once you finish it."
)
