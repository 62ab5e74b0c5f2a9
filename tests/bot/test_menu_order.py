"""Which blocks a menu shows and in what order: open ones, the person's first blocks first."""

from __future__ import annotations

from bot.conversations import is_open, menu_flows
from dialogs.loader import load_flows

FLOWS = load_flows()


def ids(open_blocks: list[str] | None, first: list[str] | None = None) -> list[str]:
    return [f.id for f in menu_flows(FLOWS, open_blocks, first)]


def test_all_blocks_in_order_by_default() -> None:
    assert ids(None) == list(FLOWS)
    assert ids(None)[0] == "context"


def test_closed_blocks_are_left_out_but_the_context_block_never_is() -> None:
    shown = ids(["legal", "data"])
    assert shown == ["context", "legal", "data"]
    assert ids([]) == ["context"]
    assert is_open("context", []) and not is_open("markets", ["legal"])


def test_first_blocks_come_right_after_the_context_block() -> None:
    shown = ids(None, ["markets", "legal"])
    assert shown[:3] == ["context", "markets", "legal"]
    assert shown[3:] == [f for f in FLOWS if f not in ("context", "markets", "legal")]
    assert ids(["legal", "data"], ["markets", "data"]) == ["context", "data", "legal"]
    assert ids(None, ["context", "gone"]) == list(FLOWS)
