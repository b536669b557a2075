"""The ``sr`` syntax: one case per rule in tests/fixtures/syntax_sr.txt, read by both parse
paths, and properties of its reader on random Markdown-ish text."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from fixture_cases import FixtureCase
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from syntax_fixtures import describe, parse_case, syntax_cases

from dea2anki.diagnostics import CODES
from dea2anki.syntax.parse import parse_concepts

CASES = syntax_cases("sr")


def described(case: FixtureCase, *, fast: bool = True) -> list[str]:
    """``describe``'s lines, a newline in a front or back written as \\n (as in details):
    multi-line cards are this syntax's everyday case."""
    return [line.replace("\n", "\\n") for line in describe(parse_case(case, "sr", fast=fast))]


def test_fixture_file_has_all_cases() -> None:
    assert len(CASES) == 40


@pytest.mark.parametrize("name", list(CASES))
def test_case(name: str) -> None:
    case = CASES[name]
    assert described(case) == list(case.expected)


@pytest.mark.parametrize("name", list(CASES))
def test_case_through_mistune(name: str) -> None:
    case = CASES[name]
    assert described(case, fast=False) == list(case.expected)


def test_every_warning_says_what_to_do() -> None:
    result = parse_concepts("# H\n\nQ::\n\n?\nA\n\nQ\n?\n\nA\n", syntaxes=["sr"])
    messages = [d.message for d in result.diagnostics]
    assert len(messages) == 3
    assert all("write it" in m for m in messages)


def test_cards_keep_their_block_ids() -> None:
    md = "# H\n\nQ::A ^one\n\nF\n?\nB ^two\n\nThe ==x== is y ^three\n"
    found = parse_concepts(md, syntaxes=["sr"]).concepts
    assert [c.block_id for c in found] == ["one", "two", "three"]
    assert [c.definition for c in found] == ["A", "B", ""]


def test_columns_point_at_the_front() -> None:
    md = "# H\n\n- [ ] #flashcards/x Q::A\n\n  > Front\n\nPlain\n?\nBack\n"
    found = parse_concepts(md, syntaxes=["sr"]).concepts
    assert [(c.term, c.column) for c in found] == [("Q", 21), ("Plain", 1)]


# --- properties --------------------------------------------------------------------------------

FRAGMENTS = st.sampled_from(
    [
        "Q::A",
        "Q:::A",
        "::",
        ":::",
        "?",
        "??",
        "",
        "",
        "# H",
        "## H2",
        "---",
        "- item",
        "- Q::A",
        "  - nested::x",
        "  ?",
        "1) x::y",
        "> quote::q",
        "> ?",
        "```",
        "~~~",
        "`code::span`",
        "==hi== there",
        "==1;;a== ==b;;h==",
        "==ash;;x==",
        "{{c1::anki}}",
        "<!--SR:!2021-08-11,4,270-->",
        "<!-- comment",
        "-->",
        "#flashcards/deck",
        "#tag Q::A",
        "**T** :: DEA ; AWS",
        "text ^block-1",
        "http://[::1]/",
        "$a ::= b$",
        "  indented",
        "\t- tabbed::x",
        "==  ==",
        "- Which?",
        "> - Q",
        ">   ?",
        "   ```",
        "***",
        "===",
        "<details>",
        "- [x] done::y",
        "## Q",
        "Q\n?\nA",
    ]
)
TEXTS = st.lists(FRAGMENTS, max_size=14).map("\n".join) | st.text(
    alphabet=st.sampled_from(list(":?=#-> `\n\tab1;{}c$<!")), max_size=60
)
SETTINGS = settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)


@given(TEXTS)
@SETTINGS
def test_never_raises_and_reports_only_known_codes(text: str) -> None:
    for fast in (True, False):
        result = parse_concepts(text, syntaxes=["sr", "concept", "cloze"], fast=fast)
        for c in result.concepts:
            assert c.term, c
            assert 1 <= c.line <= text.count("\n") + 2
        assert all(d.code in CODES for d in result.diagnostics)


@given(TEXTS)
@SETTINGS
def test_no_line_is_read_twice(text: str) -> None:
    for syntaxes in (["sr"], ["sr", "concept", "cloze"]):
        result = parse_concepts(text, syntaxes=syntaxes)
        lines = Counter(c.line for c in result.concepts)
        assert all(n == 1 for n in lines.values()), result.concepts


@given(TEXTS)
@SETTINGS
def test_both_parse_paths_agree(text: str) -> None:
    fast = parse_concepts(text, syntaxes=["sr"], fast=True)
    slow = parse_concepts(text, syntaxes=["sr"], fast=False)
    assert fast == slow


@given(TEXTS)
@SETTINGS
def test_every_card_starts_on_its_line(text: str) -> None:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for c in parse_concepts(text, syntaxes=["sr"]).concepts:
        first = re.sub(r"\{\{c\d+::|\}\}", " ", c.term_md.split("\n")[0])
        word = re.search(r"\w+", first)
        assert word is None or word.group(0) in lines[c.line - 1], (c, lines[c.line - 1])
