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
CODE_MALFORMED = N_(
    "A code has 8 characters: letters and the digits 2 to 9, like ABCD2345. It never uses "
    "0, 1, I, L or O. Please check your code."
)
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
MENU_OF_ANOTHER = N_(
    "That menu was for another territory. You now take part for {territory}: here are its "
    "blocks. /territory switches."
)
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
    "/stop – no more reminders (/start turns them on)\n"
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
    "participant": N_("{territory}: taking part since {when}, as {pseudonym}."),
    "facilitator": N_("{territory}: facilitating since {when}, as {pseudonym}."),
}
MYDATA_IN_FILES = N_(
    "Your answers are too long for one message, so they are in the two files below: one to "
    "read, and one for computers (JSON)."
)
NO_ANSWERS_YET = N_("No answers yet.")
MYDATA_NOTHING = N_(
    "I keep nothing about you: no name, no Telegram ID, and no answer linked to you."
)
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
    "stop": N_("No more reminders"),
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
    "/session – the session's date\n"
    "/schedule – what I will send, and when\n"
    "/remind – remind everyone who has not finished\n"
    "/digest – a daily digest, e.g. /digest 18:00\n"
    "/territory – switch territory"
)


# ---------------------------------------------------------------- territory profile and blocks

PROFILE_TITLE = N_("Your territory's profile")
PROFILE_INTRO = N_(
    "Three facts about your local government, answered once for everyone. Participants "
    "will not be asked them, and questions that do not apply follow your answers. Not sure? "
    "Tap Don't know: each participant will answer."
)
PROFILE_NOW = N_("Profile of {territory}:")
PROFILE_CHANGE = N_("Change any answer below, or tap Keep.")
PROFILE_SAVED = N_("Saved. Profile of {territory}:")
PROFILE_CANCELLED = N_("Cancelled. The profile has not changed. Send /profile to start again.")
PROFILE_APPLIES = N_("Participants are not asked these questions any more.")
PROFILE_NOTHING_SETTLED = N_("No fact given yet: each participant answers these questions.")
# Translators: one line of the profile, e.g. "• Powers: Training". French puts a space before ":".
PROFILE_LINE = N_("• {question}: {answer}")
PROFILE_EACH_ANSWERS = N_("each participant answers")
PROFILE_NOT_GIVEN = N_("not given")
PROFILE_LABELS = {
    "level": N_("Level of government"),
    "powers": N_("Powers"),
    "sse_law": N_("Law on the SSE"),
}
PROFILE_GONE = N_("This profile is no longer open. Send /profile to see it again.")

BLOCKS_HEAD = N_(
    "Blocks of {territory}. Tap a block to close it or open it again: closed blocks leave "
    "participants' menus. “Your territory” is always open."
)
BLOCK_OPENED = N_("Open: {block}")
BLOCK_CLOSED = N_("Closed: {block}")
BLOCKS_GROUP_BUTTON = N_("👥 Link for a break-out group")
BLOCKS_PERSON_BUTTON = N_("👤 Blocks first for one participant")
BLOCKS_PERSON_HOW = N_(
    "Send /blocks with the participant's pseudonym, for example /blocks P-0007, then pick "
    "their blocks. Or all at once: /blocks P-0007 markets legal\n\nBlock names:\n{blocks}"
)
PICK_GROUP = N_(
    "Break-out group: pick one or two blocks, then tap Create link. Who joins with the link "
    "finds them first in their menu."
)
PICK_PERSON = N_(
    "{pseudonym}: pick one or two blocks to put first in their menu, then tap Save. Save with "
    "none picked to go back to the usual order."
)
PICK_CREATE = N_("Create link ▶")
PICK_SAVE = N_("Save ✓")
PICK_AT_MOST = N_("Two blocks at most. Untick one first.")
PICK_NONE = N_("Pick one or two blocks first.")
# Translators: {first} and {second} are two block names.
TWO_BLOCKS = N_("{first} and {second}")
GROUP_LINK = N_(
    "Link for the break-out group on {blocks}:\n{link}\n\nWho joins with it takes part in "
    "{territory} and finds these blocks first in their menu."
)
FIRST_BLOCKS_SET = N_("{pseudonym} now finds {blocks} first in their menu.")
FIRST_BLOCKS_CLEARED = N_("The menu of {pseudonym} is back in the usual order.")
BAD_PSEUDONYM = N_("A pseudonym looks like P-0007. Please check it.")
NO_SUCH_MEMBER = N_("No one in {territory} has the pseudonym {pseudonym}.")
UNKNOWN_BLOCK = N_("I don't know the block “{block}”. Block names:\n{blocks}")
BLOCK_NOT_OPEN = N_("“{block}” is closed. Open it first with /blocks.")
TOO_MANY_BLOCKS = N_("One or two blocks, please.")
BLOCKS_STALE = N_("These buttons are out of date. Send /blocks again.")
BLOCK_CLOSED_NOW = N_("This block is closed now. Here are the open blocks.")
# ---- invite, territories, new territory

# Translators: one line on the printed poster, under the QR code; in the territory's language.
POSTER_INSTRUCTION = N_("Scan with your phone to give your views in Telegram")
INVITE = N_(
    "Links for {territory}\n\n"
    "For participants: share this link, or print the poster below.\n"
    "{participant_link}\n\n"
    "For facilitators only, do not share widely:\n"
    "{facilitator_link}"
)
# Translators: {language} is the territory's language, e.g. "Français".
INVITE_POSTER = N_("The poster to print on A4, in {language}.")
INVITE_POSTER_SVG = N_("The same poster as SVG, for a print shop.")

TERRITORY_NONE = N_(
    "You have not joined a territory yet. Open the link your facilitator shared, or type "
    "/join and your code."
)
TERRITORY_ONLY = N_(
    "You take part in {territory} only. To join another territory, open its link or type "
    "/join and its code."
)
TERRITORY_NONE_YET = N_("There are no territories yet. Create one with /newterritory.")
TERRITORY_CHOOSE = N_("Choose a territory. ✓ = the current one.")
TERRITORY_SWITCHED = N_("You are now in {territory}.")

ORGANISERS_ONLY = N_(
    "Only organisers can create territories. If you need one, please ask your organiser."
)
NEW_NAME = N_("A new territory. What is its name? (Send /cancel to stop.)")
NEW_NAME_BAD = N_("A name has 1 to 200 characters. Please type it again.")
NEW_NAME_TAKEN = N_(
    "There is already a territory named {name} in this country ({country}, join code {code}). "
    "Please type another name, for example with the district."
)
NEW_COUNTRY = N_(
    "In which country is {name}? Type its two-letter code, for example SN for Senegal or AR "
    "for Argentina."
)
NEW_COUNTRY_BAD = N_(
    "I don't know the country code “{given}”. Please type two letters, for example SN or AR."
)
NEW_ZONE_CHOOSE = N_("Which time zone? Choose one, or type another, for example {example}.")
NEW_ZONE_TYPE = N_("Which time zone? Type its name, for example {example}.")
NEW_ZONE_BAD = N_("I don't know the time zone “{given}”. Please type a name like {example}.")
NEW_LANGUAGE = N_(
    "Which language? The poster will be in it. Each participant can still choose their own."
)
NEW_LANGUAGE_BUTTONS = N_("Please choose the language with a button.")
# Translators: {timezone} is a time zone name, e.g. America/Argentina/Cordoba.
NEW_SESSION = N_(
    "When is the session, in {timezone} time? Type the date and time like 2027-06-01 16:15, "
    "or tap Skip."
)
NEW_SESSION_BAD = N_(
    "I can't read “{given}” as a date and time. Please type it like 2027-06-01 16:15, or tap Skip."
)
NEW_SESSION_PAST = N_(
    "This date is in the past. Please type a later one, like 2027-06-01 16:15, or tap Skip."
)
NEW_SKIP = N_("Skip")
NEW_TYPE_PLEASE = N_("Please type your answer as a message.")
NEW_NO_SESSION = N_("no session date yet")
NEW_CREATED = N_(
    "Territory created: {name}\n"
    "{country} · {timezone} · {language}\n"
    "Session: {session}\n\n"
    "Participants join with this link, or with /join {join_code}:\n"
    "{participant_link}\n\n"
    "For facilitators only, do not share widely (or /join {facilitator_code}):\n"
    "{facilitator_link}\n\n"
    "To facilitate it yourself, open the facilitator link or use /territory. Then /invite "
    "makes the QR poster."
)
NEW_CANCELLED = N_("Cancelled. No territory was created.")
NOTHING_TO_CANCEL = N_("There is nothing to cancel.")
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
TERRITORY = N_("Territory")
COLUMN_PSEUDONYM = N_("Pseudonym")
COLUMN_ROLE_GROUP = N_("Role group")
COLUMN_BLOCK_ID = N_("Block id")
BLOCK = N_("Block")
COLUMN_QUESTION_ID = N_("Question id")
QUESTION = N_("Question")
COLUMN_ANSWER = N_("Answer")
COLUMN_RAW = N_("Raw value")
SCORE_0_3 = N_("Score (0–3)")
COLUMN_ANSWERED_AT = N_("Answered at")
COLUMN_LANGUAGE = N_("Language")
COLUMN_GROUP = N_("Group")
COLUMN_PEOPLE = N_("People")
COLUMN_SCORED = N_("People with a score")
FINISHED = N_("Finished")
COLUMN_MEAN = N_("Mean (0–3)")
SCORE_0_100 = N_("Score (0–100)")
COLUMN_LOWEST = N_("Lowest")
COLUMN_HIGHEST = N_("Highest")
COLUMN_Q1 = N_("Lower quartile")
COLUMN_Q3 = N_("Upper quartile")
CONFIDENCE = N_("Confidence")
COLUMN_DONT_KNOW = N_("Don't know share")
COLUMN_TYPE = N_("Type")
COLUMN_CODE = N_("Code")

ANONYMOUS = N_("Anonymous (data deleted)")
EVERYONE = N_("Everyone")
GROUP_GOVERNMENT = N_("Local government")
GROUP_SSE = N_("SSE organisations")
GROUP_OTHER = N_("Other")
EXPORT_FAILED = N_("Sorry, I could not make this file. Please try /export again later.")
SUMMARY_FAILED = N_("Sorry, I could not make the summary. Please try /summary again later.")
BRIEFING_FAILED = N_("Sorry, I could not make this briefing. Please try /briefing again later.")
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
PROGRESS_CHART = N_("People per block")

SUMMARY_NO_ANSWERS = N_(
    "Nobody in {territory} has answered a block yet. /progress shows who joined; /invite "
    "gives the links to share."
)
SUMMARY_RADAR = N_("Scores per block, from 0 to 100. Lines: {lines}.")
GROUPS = {"government": GROUP_GOVERNMENT, "sse": GROUP_SSE}
BLOCK_SCORE = N_("Score: {mean} of 3 · {level} ({percent}/100)")
BLOCK_NO_SCORE = N_("No score: nobody answered with a level.")
BLOCK_TOO_FEW_LEVELS = N_(
    "No score: a person's score needs a level on at least {minimum} questions, and nobody "
    "gave that many."
)
NO_ANSWERS_IN = N_("No answers yet: {blocks}.")


def on_short_path(count: int) -> Msg:
    """After the people line of a block: how many took the short path."""
    return Np_(
        "{count} of them took the short path (core questions only).",
        "{count} of them took the short path (core questions only).",
        count,
    )


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
VOICE_BUTTON = N_("🎤 {pseudonym} · {block} · {seconds} s")
VOICE_FROM = N_("Voice answer of {pseudonym} ({language}), {block}.")


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
# Translators: after a person's score in /results, e.g. "1.5 · Emerging (short path)".
SHORT_PATH_MARK = N_("short path")


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
REPORT_COL_LEVEL = N_("Level")
REPORT_COL_PEOPLE = N_("People (n)")
# Translators: in the people column of the scores table, e.g. "12 (3 on the short path)".
REPORT_SHORT_PATH = N_("{count} on the short path")
REPORT_COL_RANGE = N_("Lowest–highest")
REPORT_COL_IQR = N_("Middle half")
REPORT_SCORES_NOTE = N_(
    "A person's score is the mean of their levels, from 3 levels at least. Confidence: the "
    'share of the questions that apply that people answered with a level ("don\'t know" '
    'counts as a gap; "not applicable" is left out). Lowest–highest: the lowest and highest '
    "personal scores. Middle half: where the middle half of people's scores lie "
    "(interquartile range)."
)
REPORT_CHART_QUESTIONS = N_(
    "{block}: each question on 0–100, numbered as in the table of questions"
)
REPORT_PEOPLE_COUNT = N_("n = {count}")
REPORT_ROLES = N_("Local government and SSE organisations")
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
REPORT_COL_ALL = N_("All territories")
REPORT_COL_DONT_KNOW = N_("“Don't know”")
REPORT_QUESTIONS_NOTE = N_(
    "The mean on 0–3 of the people who answered each question with a level, and how many they were."
)
REPORT_GAPS = N_("Information gaps and what does not apply")
REPORT_DONT_KNOW = N_("Share of “don't know” answers")
REPORT_DONT_KNOW_NOTE = N_("A high share shows an information gap, not a low score.")
REPORT_NA_DISAGREEMENTS = N_("Disagreements on “not applicable”")
REPORT_NA_DISAGREEMENT = N_("not applicable for {na}, answered with a level by {levels}")
REPORT_NO_DISAGREEMENT = N_("No disagreement.")
REPORT_NA_HERE = N_("Does not apply here")
REPORT_NA_BY_MOST = N_("for most people who answered")
REPORT_ALL_APPLY = N_("Every question applies.")
REPORT_OPEN = N_("Open answers and proposed next steps")
REPORT_QUOTE_WHO = N_("{pseudonym} · {territory}")


def more_in_export(count: int, territory: str) -> Msg:
    return Np_(
        "…and {count} more answer from {territory}: /export has them all.",
        "…and {count} more answers from {territory}: /export has them all.",
        count,
        territory=territory,
    )


REPORT_VOICE_NOTE = N_("🎤 Voice note ({seconds} s)")
REPORT_NO_OPEN_ANSWERS = N_("No open answers yet.")
REPORT_COMPARISON_TITLE = N_("Comparison of territories")
REPORT_RADAR = N_("The eight blocks (0–100)")
REPORT_RADAR_GROUP = N_("The eight blocks (0–100), chart {index} of {count}")
REPORT_TABLE = N_("Scores by block (0–100)")
REPORT_COL_JOINED = N_("Joined")
REPORT_COL_ANSWERED = N_("Answered")
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


# ---- scheduled messages (bot/scheduling)

NUDGE = N_("You started “{block}” for {territory}. Carry on where you stopped? A few minutes more.")
NUDGE_BUTTON = N_("Continue ▶")
INVITATION = N_(
    "Welcome to {territory}! Each block takes about 5 minutes, and I keep every answer. "
    "Send /menu to choose one."
)
SESSION_REMINDER = N_("Reminder: the session for {territory} is on {when}.")
SESSION_REMINDER_UNFINISHED = N_("Your answers help prepare it: /menu shows what is left.")
STOPPED = N_(
    "Done: I will send you no more reminders. Your answers stay. Send /start to get them again."
)
REMINDERS_ON = N_("Reminders are on again.")
NOTHING_TO_STOP = N_("I send you no reminders: you have not joined a territory.")
REMIND_TEXT = N_(
    "Your facilitator for {territory} reminds you: your answers help prepare the session. "
    "/menu shows what is left."
)

# ---- /session, /schedule and /remind (facilitators)

SESSION_NOW = N_("The session of {territory} is on {when}.")
SESSION_NONE = N_("{territory} has no session date yet.")
SESSION_HOW = N_(
    "To set it, send the date and time in {timezone} time, like /session 2027-06-01 16:15"
)
SESSION_SET = N_("Saved: the session of {territory} is on {when}. I plan the reminders again.")
SESSION_PAST = N_(
    "This date is in the past. Please send a later one, like /session 2027-06-01 16:15"
)
SESSION_UNREADABLE = N_(
    "I can't read “{given}” as a date and time. Please send it like /session 2027-06-01 16:15"
)
SCHEDULE_HEADER = N_("What I will send in {territory}:")
SCHEDULE_NOTHING = N_("Nothing is planned in {territory} for now.")
SCHEDULE_QUIET = N_(
    "Never between {start} and {end}, {timezone} time. /remind sends a reminder now."
)
SCHEDULED_KINDS = {
    "nudge": N_("a nudge to carry on"),
    "invitation": N_("an invitation to start"),
    "session": N_("a reminder of the session"),
    "remind": N_("your reminder"),
    "summary": N_("the summary, to facilitators"),
    "thanks": N_("thanks, with their results"),
    "digest": N_("a facilitator's daily digest"),
}
REMIND_NO_PARTICIPANTS = N_("No participant has joined {territory} yet: nobody to remind.")
REMIND_NOBODY = N_(
    "Everyone in {territory} has finished, or asked for no reminders: nobody to remind."
)


def schedule_line(when: str, what: str, count: int) -> Msg:
    return Np_(
        "• {when}: {what}, to {count} person",
        "• {when}: {what}, to {count} people",
        count,
        when=when,
        what=what,
    )


def remind_confirm(count: int, territory: str) -> Msg:
    return Np_(
        "Send a reminder to the {count} person in {territory} who has not finished?",
        "Send a reminder to the {count} people in {territory} who have not finished?",
        count,
        territory=territory,
    )


def remind_button(count: int) -> Msg:
    return Np_("Send to {count} person", "Send to {count} people", count)


def remind_planned(count: int, when: str) -> Msg:
    return Np_(
        "Done: {count} person will get it {when}.",
        "Done: {count} people will get it {when}.",
        count,
        when=when,
    )


REMIND_NOW = N_("now")
REMIND_AT = N_("at {time}, after the quiet hours")
REMIND_ALREADY = N_("Already sent.")

# ---- digests, the summary before the session, thanks after it

SUMMARY_TOMORROW = N_("The session of {territory} is tomorrow. Here is what people answered:")
THANKS = N_("Thank you for your answers for {territory}! They prepared the session.")
DIGEST_HOW = N_(
    "Send /digest and a time, like /digest 18:00, to get a daily digest; /digest off stops it."
)
DIGEST_SET = N_(
    "Every day at {time} ({timezone} time), you will get the progress of {territory} and "
    "what changed."
)
DIGEST_OFF = N_("No more daily digest for {territory}.")
DIGEST_NOW = N_(
    "Your daily digest for {territory}: {time} ({timezone} time). /digest off stops it."
)
DIGEST_UNREADABLE = N_(
    "I can't read “{given}” as a time. Please send it like /digest 18:00, or /digest off."
)


def digest_changes(answering: int, finished: int, joined: int) -> Msg:
    return Np_(
        "Since the last digest: {count} person answered. Blocks finished: {finished}. "
        "Joined: {joined}.",
        "Since the last digest: {count} people answered. Blocks finished: {finished}. "
        "Joined: {joined}.",
        answering,
        finished=finished,
        joined=joined,
    )


# ---- territory management (`sse-facilitator territory close / new-code`)

TERRITORY_CLOSED = N_(
    "You can no longer join {territory}. If you think you should take part, please ask its "
    "facilitation team."
)
CODE_REPLACED = N_(
    "This code has been replaced by a new one. Please ask your facilitation team for the new "
    "code or link."
)


# ---- the newcomer's journey

BLOCK_LEFT = N_(
    "Your answers in “{block}” are saved ({answered}/{total}). The block waits for you in the menu."
)
