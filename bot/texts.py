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


# ---- briefing and reports (/briefing, report --all, the HTML files)

BRIEFING_CHOOSE = N_(
    "Which block is your break-out group on? I will brief you on it across your territories."
)
BRIEFING_UNKNOWN = N_(
    "I don't know the block “{given}”. Choose one below, or type /briefing and its number:\n"
    "{blocks}"
)
BRIEFING_CHAT_TITLE = N_("Block {order}: {block}. Scores (0–3 and 0–100):")
BRIEFING_CHAT_SCORE = N_("• {territory}: {mean}/3 ({level}) · {percent}/100 · n = {count}")
BRIEFING_CHAT_NO_SCORE = N_("• {territory}: no answers yet")
BRIEFING_NEXT_STEPS = N_("Proposed next steps")
BRIEFING_WHO = N_("{pseudonym}, {territory}")
BRIEFING_MORE_IN_FILE = N_("More in the file: {count}.")
BRIEFING_DOCUMENT = N_("The full briefing: open it on a laptop, share it on screen, or print it.")

REPORT_MADE_ON = N_("Made on {date}.")
REPORT_HOW_TO_READ = N_(
    "How to read this: scores go from 0 (absent) to 3 (consolidated), and from 0 to 100 to "
    "compare blocks. “Don't know” and “not applicable” are left out of scores. n is the "
    "number of people with a score. People appear under a pseudonym (like P-0007)."
)
REPORT_BRIEFING_TITLE = N_("Briefing: {block}")
REPORT_BRIEFING_META = N_("Block {order} of the guidelines: {block}.")
REPORT_TERRITORIES = N_("Territories: {territories}.")
REPORT_SCORES = N_("Scores side by side")
REPORT_COL_TERRITORY = N_("Territory")
REPORT_COL_SCORE = N_("Score (0–3)")
REPORT_COL_LEVEL = N_("Level")
REPORT_COL_PERCENT = N_("Score (0–100)")
REPORT_COL_PEOPLE = N_("People (n)")
REPORT_COL_CONFIDENCE = N_("Confidence")
REPORT_COL_RANGE = N_("Lowest–highest")
REPORT_COL_IQR = N_("Middle half")
REPORT_NO_ANSWERS = N_("No answers yet.")
REPORT_SCORES_NOTE = N_(
    "Confidence: the share of questions people answered with a level. Lowest–highest: "
    "the lowest and highest personal scores. Middle half: where the middle half of "
    "people's scores lie (interquartile range)."
)
REPORT_CHART_QUESTIONS = N_(
    "{block}: each question on 0–100, numbered as in the table of questions"
)
REPORT_PEOPLE_COUNT = N_("n = {count}")
REPORT_ROLES = N_("Local government and SSE organisations")
REPORT_COL_GOVERNMENT = N_("Local government")
REPORT_COL_SSE = N_("SSE organisations")
REPORT_COL_DIFFERENCE = N_("Difference")
REPORT_GROUP_TOO_SMALL = N_("fewer than {count}")
REPORT_ROLES_NOTE = N_(
    "A group's score is shown only when it has at least {count} people. Difference: the "
    "SSE organisations' score minus the local government's, on 0–3."
)
REPORT_GROUPS_NOTE = N_("A group's score is shown only when it has at least {count} people.")
REPORT_QUESTIONS = N_("Questions")
REPORT_STRONGEST = N_("Strongest questions")
REPORT_WEAKEST = N_("Weakest questions")
REPORT_COL_QUESTION = N_("Question")
REPORT_COL_ALL = N_("All territories")
REPORT_COL_DONT_KNOW = N_("“Don't know”")
REPORT_QUESTIONS_NOTE = N_(
    "The mean on 0–3 of the people who answered each question with a level, and how many they were."
)
REPORT_GAPS = N_("Information gaps and what does not apply")
REPORT_DONT_KNOW = N_("Share of “don't know” answers")
REPORT_COL_EVERYONE = N_("Everyone")
REPORT_DONT_KNOW_NOTE = N_("A high share shows an information gap, not a low score.")
REPORT_NA_DISAGREEMENTS = N_("Disagreements on “not applicable”")
REPORT_NA_DISAGREEMENT = N_("not applicable for {na}, answered with a level by {levels}")
REPORT_NO_DISAGREEMENT = N_("No disagreement.")
REPORT_NA_HERE = N_("Does not apply here")
REPORT_NA_BY_PROFILE = N_("by the territory's profile")
REPORT_NA_BY_MOST = N_("for most people who answered")
REPORT_ALL_APPLY = N_("Every question applies.")
REPORT_OPEN = N_("Open answers and proposed next steps")
REPORT_QUOTE_WHO = N_("{pseudonym} · {territory}")
REPORT_VOICE_NOTE = N_("🎤 Voice note ({duration})")
REPORT_NO_OPEN_ANSWERS = N_("No open answers yet.")
REPORT_COMPARISON_TITLE = N_("Comparison of territories")
REPORT_RADAR = N_("The eight blocks (0–100)")
REPORT_RADAR_GROUP = N_("The eight blocks (0–100), chart {index} of {count}")
REPORT_TABLE = N_("Scores by block (0–100)")
REPORT_COL_JOINED = N_("Joined")
REPORT_COL_ANSWERED = N_("Answered")
REPORT_COL_BLOCK = N_("Block")
REPORT_TABLE_NOTE = N_(
    "Each cell: the score on 0–100, and n, the people with a score. Joined: members of "
    "the territory. Answered: people who answered at least one block. —: no score yet."
)
REPORT_NO_TERRITORIES = N_("No territories yet.")
REPORT_TERRITORY_TITLE = N_("{territory}: summary")
REPORT_TERRITORY_META = N_("Joined: {joined}. Answered at least one block: {answered}.")
REPORT_OVERVIEW = N_("All blocks")


def report_territory_count(count: int) -> Msg:
    return Np_("{count} territory", "{count} territories", count)
