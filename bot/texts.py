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


# ---- exports (/export and `sse-facilitator export`)


def export_ready(territory: str, people: int) -> Msg:
    return Np_(
        "{territory}: the answers of {count} person, as a workbook (XLSX) and as a table (CSV).",
        "{territory}: the answers of {count} people, as a workbook (XLSX) and as a table (CSV).",
        people,
        territory=territory,
    )


EXPORT_NOTHING = N_("Nobody has answered in {territory} yet, so there is nothing to export.")

# Translators: names of the workbook's sheets (at most 31 characters).
SHEET_ANSWERS = N_("Answers")
SHEET_SCORES = N_("Scores")
SHEET_CODEBOOK = N_("Codebook")

# Translators: column headings in the exported workbook and table.
COLUMN_TERRITORY = N_("Territory")
COLUMN_PSEUDONYM = N_("Pseudonym")
COLUMN_ROLE = N_("Role")
COLUMN_ROLE_GROUP = N_("Role group")
COLUMN_BLOCK_ID = N_("Block id")
COLUMN_BLOCK = N_("Block")
COLUMN_QUESTION_ID = N_("Question id")
COLUMN_QUESTION = N_("Question")
COLUMN_ANSWER = N_("Answer")
COLUMN_RAW = N_("Raw value")
COLUMN_SCORE = N_("Score (0–3)")
COLUMN_ANSWERED_AT = N_("Answered at")
COLUMN_LANGUAGE = N_("Language")
COLUMN_GROUP = N_("Group")
COLUMN_PEOPLE = N_("People")
COLUMN_SCORED = N_("People with a score")
COLUMN_FINISHED = N_("Finished")
COLUMN_MEAN = N_("Mean (0–3)")
COLUMN_PERCENT = N_("Score (0–100)")
COLUMN_LOWEST = N_("Lowest")
COLUMN_HIGHEST = N_("Highest")
COLUMN_Q1 = N_("Lower quartile")
COLUMN_Q3 = N_("Upper quartile")
COLUMN_CONFIDENCE = N_("Confidence")
COLUMN_DONT_KNOW = N_("Don't know share")
COLUMN_TYPE = N_("Type")
COLUMN_CODE = N_("Code")

ROLE_PARTICIPANT = N_("Participant")
ROLE_FACILITATOR = N_("Facilitator")
ANONYMOUS = N_("Anonymous (data deleted)")
GROUP_ALL = N_("Everyone")
GROUP_GOVERNMENT = N_("Local government")
GROUP_SSE = N_("SSE organisations")
GROUP_OTHER = N_("Other")
EXPORT_FAILED = N_("Sorry, I could not make this file. Please try /export again later.")
