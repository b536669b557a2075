"""The ``callout`` syntax: one case per rule in tests/fixtures/syntax_callout.txt, read by both
parse paths, where a callout ends, and properties of its reader on random Markdown-ish text."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from syntax_fixtures import SOUND, assert_sound, markdownish

from dea2anki.settings import DEFAULT_SYNTAXES
from dea2anki.syntax.blocks import FileContext
from dea2anki.syntax.callout import CARD_TYPES, callout_at, first_bold
from dea2anki.syntax.parse import parse_concepts
from dea2anki.syntax.walk import walk


def test_on_by_default() -> None:
    assert "callout" in DEFAULT_SYNTAXES
    (c,) = parse_concepts("# H\n\n> [!term] Idempotent\n> Twice is once.\n").concepts
    assert (c.term, c.definition) == ("Idempotent", "Twice is once.")


@pytest.mark.parametrize("kind", sorted(CARD_TYPES))
def test_every_card_type_in_every_case(kind: str) -> None:
    for written in (kind, kind.upper(), kind.title()):
        md = f"# H\n\n> [!{written}]- Closure\n> Body.\n"
        (c,) = parse_concepts(md, syntaxes=["callout"]).concepts
        assert (c.term, c.definition) == ("Closure", "Body."), written


def ends(md: str) -> list[tuple[int, int]]:
    """(first line, last line) of every callout in ``md``."""
    src = md if md.endswith("\n") else md + "\n"
    file = FileContext("note.md", src, 1, 2)
    heads = (callout_at(file, block) for block in walk(src, 1))
    return [(h.line, h.end) for h in heads if h is not None]


def test_where_a_callout_ends() -> None:
    assert ends("> [!note] a\n> b\n\n> [!tip] c\n") == [(1, 2), (4, 4)]
    assert ends("> [!note] a\n>\n> b\nlazy\n# H\n") == [(1, 4)]
    assert ends("> [!note] a\n> ```\n> x\n> ```\nafter\n") == [(1, 4)]
    assert ends("> [!note] a\n> > [!tip] b\n> > c\n> d\n") == [(1, 4), (2, 4)]
    assert ends("> [!note] a\n- item\n") == [(1, 1)]
    assert ends("> text\n> [!note] not a callout\n") == []


def test_columns_and_block_ids() -> None:
    md = "# H\n\n> [!definition] Heap ^heap-id\n> Body.\n\n>[!term] Other\n>Body. ^other\n"
    found = parse_concepts(md, syntaxes=["callout"]).concepts
    assert [(c.term, c.column, c.block_id) for c in found] == [
        ("Heap", 17, "heap-id"),
        ("Other", 10, "other"),
    ]


def test_a_block_id_on_its_own_last_line() -> None:
    md = "# H\n\n> [!definition] Anchor\n> A place a link can point to.\n> ^anchor-def\n"
    (c,) = parse_concepts(md, syntaxes=["callout"]).concepts
    assert (c.definition, c.block_id) == ("A place a link can point to.", "anchor-def")


BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
"""What ``first_bold`` finds, as a regex (quadratic in the number of unclosed openers)."""


@given(st.text(alphabet=st.sampled_from(list("*_ a\n\t")), max_size=40))
@settings(max_examples=2000, deadline=None, derandomize=True)
def test_first_bold_is_the_pattern(text: str) -> None:
    m = BOLD.search(text)
    assert first_bold(text) == (m.group(2) if m else None)


def test_many_unclosed_bold_openers_take_linear_time() -> None:
    # `**a ` 20000 times took 21 s with the regex; the scan takes well under a second.
    md = "> [!definition]\n> " + "**a " * 20000 + "\n"
    start = time.perf_counter()
    result = parse_concepts(md, syntaxes=["callout"])
    assert time.perf_counter() - start < 5
    assert [d.code for d in result.diagnostics] == ["callout-empty"]  # no bold closes


def test_a_callout_after_a_concept_block_is_its_own() -> None:
    md = "# H\n\n**_Concept_**\n\n- **A** : a\n\n> [!definition] B\n> b\n"
    found = parse_concepts(md).concepts
    assert [(c.term, c.definition) for c in found] == [("A", "a"), ("B", "b")]


# --- properties --------------------------------------------------------------------------------

FRAGMENTS = [
    "> [!definition] T",
    "> [!definition]- T",
    "> [!DEFINITION]+",
    ">[!term] U",
    "> [!concept] Definition:",
    "> [!flashcard]",
    "> [!flashcard] Why?",
    "> [!note] N",
    "> > [!definition] Inner",
    "> > nested body",
    "> body",
    "> **Q**: k",
    "> **A**: l",
    "> **Word** - def",
    "> - item",
    "> ```",
    ">",
    "lazy text",
    "",
    "",
    "# H",
    "---",
    "```",
    "- item",
    "  > [!term] In list",
    "Q: q",
    "A: a",
    "%%1%%",
    "^block-1",
]
TEXTS = markdownish(FRAGMENTS, "[]!>-+ \n#*:`abQA%^", lines=16)
SYNTAX_SETS = (["callout"], ["qa", "callout"], list(DEFAULT_SYNTAXES))


@given(TEXTS)
@SOUND
def test_any_text_is_read_soundly(text: str) -> None:
    assert_sound(text, SYNTAX_SETS)
