"""Fixture files of card syntaxes: Markdown in, concepts and diagnostics out.

Each ``tests/fixtures/syntax_<name>.txt`` has the layout of ``fixture_cases`` (a "## case"
line, the Markdown, "->", the expected lines). The Markdown is read with that one syntax on,
unless its first line is ``%syntax a,b`` (the syntaxes to turn on, in claim order; the line
is not part of the note) or ``%heading-level N``. The expected lines describe every concept
in order, then every diagnostic; a value that is empty or false is left out:

    front: the term as written (Markdown; a cloze's text with its markers)
    term: the plain term identity uses, when it differs from the front
    back: the definition (Markdown)
    details: the rest of a list item, newlines written as \\n
    tags: a, b
    deck: A / B
    context: A / B / C, when it differs from the deck
    line: 7
    flags: reverse, cloze
    warning: code @line      (or error: code @line)

A newline inside any value is written \\n. No expected line at all means no concept and no
diagnostic.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from fixture_cases import FixtureCase, read_cases
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from dea2anki.diagnostics import CODES
from dea2anki.syntax.parse import ParseResult, parse_concepts

FIXTURES = Path(__file__).parent / "fixtures"


def syntax_cases(name: str) -> dict[str, FixtureCase]:
    return read_cases(FIXTURES / f"syntax_{name}.txt")


def parse_case(case: FixtureCase, name: str, *, fast: bool = True) -> ParseResult:
    lines = list(case.input)
    syntaxes: list[str] = [name]
    heading_level = 2
    while lines and lines[0].startswith("%"):
        directive, _, value = lines.pop(0).partition(" ")
        if directive == "%syntax":
            syntaxes = [s.strip() for s in value.split(",") if s.strip()]
        elif directive == "%heading-level":
            heading_level = int(value)
        else:
            raise ValueError(f"{case.where}: unknown directive {directive!r}")
    body = "".join(line + "\n" for line in lines)
    return parse_concepts(
        body, path="note.md", syntaxes=syntaxes, heading_level=heading_level, fast=fast
    )


def describe(result: ParseResult) -> list[str]:
    """The expected-lines form of a parse result (see the module's docstring)."""
    out: list[str] = []
    for c in result.concepts:
        out.append(f"front: {c.term_md}")
        if c.term != c.term_md:
            out.append(f"term: {c.term}")
        if c.definition:
            out.append(f"back: {c.definition}")
        if c.details:
            out.append(f"details: {c.details}")
        if c.tags:
            out.append("tags: " + ", ".join(c.tags))
        if c.deck_path:
            out.append("deck: " + " / ".join(c.deck_path))
        if c.context != c.deck_path:
            out.append("context: " + " / ".join(c.context))
        out.append(f"line: {c.line}")
        flags = [f for f, on in (("reverse", c.reverse), ("cloze", c.cloze)) if on]
        if flags:
            out.append("flags: " + ", ".join(flags))
    for d in result.diagnostics:
        out.append(f"{d.severity.value}: {d.code} @{d.line}")
    return [line.replace("\n", "\\n") for line in out]


def assert_sound(text: str, syntax_sets: Sequence[Sequence[str]], heading_level: int = 2) -> None:
    """What every syntax promises on any text, with each set of syntaxes on: it never
    raises; the line scanner and mistune read the same; every card has a term and a line of
    the text; no line makes two cards; every diagnostic has a known code."""
    last = text.count("\n") + 2
    for syntaxes in syntax_sets:
        fast = parse_concepts(text, syntaxes=syntaxes, heading_level=heading_level, fast=True)
        slow = parse_concepts(text, syntaxes=syntaxes, heading_level=heading_level, fast=False)
        assert fast == slow, syntaxes
        for c in slow.concepts:
            assert c.term and 1 <= c.line <= last, c
        assert all(n == 1 for n in Counter(c.line for c in slow.concepts).values()), slow
        assert all(d.code in CODES for d in slow.diagnostics)


SOUND = settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
"""How each syntax's ``assert_sound`` property is searched: deterministic, as CI runs it."""


def markdownish(
    fragments: Sequence[str], alphabet: str, *, lines: int = 14
) -> st.SearchStrategy[str]:
    """Texts a syntax must read soundly: up to ``lines`` of its tricky fragments, or short
    runs of the characters its grammar turns on."""
    return st.lists(st.sampled_from(list(fragments)), max_size=lines).map("\n".join) | st.text(
        alphabet=st.sampled_from(list(alphabet)), max_size=60
    )
