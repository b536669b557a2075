"""Markdown body -> concepts and diagnostics, through the card syntaxes. Pure: no I/O.

To add a syntax: write a module with a class that implements ``blocks.Syntax`` and add it to
``SYNTAXES``. The grammar of each is written down in docs/syntaxes.md.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass

from ..diagnostics import EMPTY_DECK_NAME, NESTED_TOO_DEEP, Diagnostic
from ..naming import clean_deck_component
from ..records import Concept
from ..render.text import plain_text
from ..settings import DEFAULT_SYNTAXES
from .blocks import BREAK, HEADING, TOO_DEEP, Block, FileContext, Syntax
from .callout import CalloutSyntax
from .cloze import ClozeSyntax
from .concept import ConceptSyntax
from .glossary import GlossarySyntax
from .heading import HeadingSyntax
from .qa import QaSyntax
from .scan import scan
from .sr import SrSyntax

SYNTAXES: dict[str, Syntax] = {
    s.name: s
    for s in (
        ConceptSyntax(),
        GlossarySyntax(),
        HeadingSyntax(),
        ClozeSyntax(),
        SrSyntax(),
        QaSyntax(),
        CalloutSyntax(),
    )
}
"""Every card syntax by name (settings.SYNTAX_NAMES)."""
CLAIM_ORDER = ("heading", "callout", "sr", "concept", "cloze", "qa", "glossary")
"""Who reads a block first, whatever order the user lists them in: a heading card owns
everything under its heading; a card callout owns what is inside it (`std::vector` in its
body is no sr card); a file written for the spaced-repetition plugin means its ``::``
lines as cards, not as concept separators."""


@dataclass(frozen=True)
class ParseResult:
    concepts: tuple[Concept, ...]
    diagnostics: tuple[Diagnostic, ...]


def parse_concepts(
    body: str,
    *,
    path: str = "<string>",
    first_line: int = 1,
    deck_depth: int = 2,
    syntaxes: Sequence[str] = DEFAULT_SYNTAXES,
    heading_level: int = 2,
    fast: bool = True,
) -> ParseResult:
    """Find every concept in a Markdown body (the file without its frontmatter).

    ``first_line`` is the file line number of the body's first line, so reported lines are
    lines of the file. ``deck_depth`` is how many heading levels make decks;
    ``heading_level`` the level of the heading syntax's cards. ``fast=False``
    always uses mistune (the line scanner must give the same result; the tests compare them).
    """
    src = body.replace("\r\n", "\n").replace("\r", "\n")
    src = src if src.endswith("\n") else src + "\n"
    blocks = scan(src, first_line) if fast else None
    if blocks is None:
        # Imported here: mistune's block parser is for the files the line scanner cannot
        # read, and a tenth of the start-up of a build that needs it for none.
        from .walk import walk

        blocks = walk(src, first_line)
    file = FileContext(path, src, first_line, deck_depth, heading_level)
    on = set(syntaxes)
    readers = [SYNTAXES[n].reader(file) for n in CLAIM_ORDER if n in on]
    concepts: list[Concept] = []
    claimed: set[int] = set()
    for index, block in enumerate(blocks):
        kind = block.kind
        if block.parent >= 0 and block.parent in claimed:
            claimed.add(index)  # part of a list item a syntax has read
            continue
        if kind in (HEADING, BREAK):
            for reader in readers:
                concepts.extend(reader.boundary(block))
            if kind == HEADING:
                if not file.heading_taken:
                    _enter_heading(file, block)
                file.heading_done()
            continue
        if kind == TOO_DEEP:
            from .walk import MAX_DEPTH  # only walk() makes these blocks

            file.warn(
                NESTED_TOO_DEEP,
                block.line,
                f"lists nested more than {MAX_DEPTH} levels deep are read as text; "
                "nothing in them becomes a card",
            )
            continue
        for reader in readers:
            found = reader.read(block)
            if found is not None:
                concepts.extend(found)
                claimed.add(index)
                break
    for reader in readers:
        concepts.extend(reader.finish())
    # A reader that collects (a Q: and its answer) emits its card when the next block
    # arrives, which another syntax may read first: cards come out in the file's order.
    concepts.sort(key=_line)
    return ParseResult(tuple(concepts), tuple(file.diagnostics))


_line = operator.attrgetter("line")


def _enter_heading(file: FileContext, block: Block) -> None:
    title = plain_text(block.text, keep_html=False)
    deck = clean_deck_component(title)
    if not deck and block.level <= file.deck_depth:
        file.warn(
            EMPTY_DECK_NAME,
            block.line,
            f"heading {title!r} makes no deck name; its concepts go to the parent deck",
        )
    file.enter_heading(block.level, title, deck)
