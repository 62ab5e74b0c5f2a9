"""Shared fixtures and options for the whole test suite."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--regen-transcripts",
        action="store_true",
        help="rewrite the expected outputs of the golden transcripts (review the diff)",
    )


@pytest.fixture
def regen_transcripts(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--regen-transcripts"))
