"""How answers read back (in /mydata, the exports, a closed question), and how a mean reads."""

from __future__ import annotations

from dialogs.i18n import translator
from dialogs.loader import load_flows
from dialogs.render import describe_answer
from dialogs.scoring import one_decimal

PLAN = load_flows()["communication"].question("plan")
EN, FR = translator("en"), translator("fr")


def test_a_comment_reads_with_its_answer_and_alone_is_no_skip() -> None:
    assert PLAN is not None
    comments = [{"text": "We argued about this one."}, {"voice": {"file_id": "v", "duration": 9}}]
    assert describe_answer(PLAN, {"choice": "1", "comments": comments}, EN) == (
        "1 · Some actions\nComment: We argued about this one.\nComment: voice note (9 s)"
    )
    assert describe_answer(PLAN, {"comments": comments[:1]}, EN) == (
        "Comment: We argued about this one."
    )
    assert describe_answer(PLAN, {"comments": comments[1:]}, FR).startswith("Commentaire\u00a0:")


def test_a_mean_reads_with_one_decimal_halves_up() -> None:
    assert [one_decimal(m) for m in (1.25, 1.35, 1.24, 2.0, 0.05, 2.95)] == [
        1.3, 1.4, 1.2, 2.0, 0.1, 3.0,
    ]  # fmt: skip
