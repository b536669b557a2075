"""Every card syntax's fixture file, tests/fixtures/syntax_<name>.txt: one test per case, read
by both parse paths (the line scanner and mistune must agree). The concept syntax's cases are
tests/fixtures/grammar.txt (tests/test_parse.py)."""

from __future__ import annotations

import pytest
from syntax_fixtures import describe, parse_case, syntax_cases

# How many cases each file holds: a case that lost its "->" line would swallow the next.
CASE_COUNTS = {"cloze": 15, "sr": 40, "qa": 31, "callout": 26, "glossary": 28, "heading": 28}
CASES = [(name, case) for name in CASE_COUNTS for case in syntax_cases(name).values()]


def test_every_fixture_file_holds_its_cases() -> None:
    for name, count in CASE_COUNTS.items():
        assert len(syntax_cases(name)) == count, name


@pytest.mark.parametrize("fast", [True, False], ids=["scanner", "mistune"])
@pytest.mark.parametrize(("name", "case"), CASES, ids=[f"{n}: {c.name}" for n, c in CASES])
def test_case(name: str, case, fast: bool) -> None:  # type: ignore[no-untyped-def]
    assert describe(parse_case(case, name, fast=fast)) == list(case.expected)
