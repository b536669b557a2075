"""Markdown body -> concepts and diagnostics, through the card syntaxes. Pure: no I/O.

To add a syntax: write a module with a class that implements ``blocks.Syntax`` and add it to
``SYNTAXES``. The grammar of each is written down in the README.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..diagnostics import EMPTY_DECK_NAME, NESTED_TOO_DEEP, Diagnostic
from ..naming import clean_deck_component
from ..records import Concept
from ..render.text import plain_text
from .blocks import BREAK, HEADING, TOO_DEEP, Block, FileContext, Syntax
from .concept import ConceptSyntax
from .scan import scan
from .walk import MAX_DEPTH, walk

SYNTAXES: dict[str, Syntax] = {s.name: s for s in (ConceptSyntax(),)}
"""Every card syntax by name, in the order they get to claim a block."""
DEFAULT_SYNTAXES = ("concept",)


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
    fast: bool = True,
) -> ParseResult:
    """Find every concept in a Markdown body (the file without its frontmatter).

    ``first_line`` is the file line number of the body's first line, so reported lines are
    lines of the file. ``deck_depth`` is how many heading levels make decks. ``fast=False``
    always uses mistune (the line scanner must give the same result; the tests compare them).
    """
    src = body.replace("\r\n", "\n").replace("\r", "\n")
    src = src if src.endswith("\n") else src + "\n"
    blocks = scan(src, first_line) if fast else None
    if blocks is None:
        blocks = walk(src, first_line)
    file = FileContext(path, src, first_line, deck_depth)
    readers = [SYNTAXES[name].reader(file) for name in syntaxes]
    concepts: list[Concept] = []
    claimed: set[int] = set()
    for index, block in enumerate(blocks):
        kind = block.kind
        if block.parent >= 0 and block.parent in claimed:
            claimed.add(index)  # part of a list item a syntax has read
            continue
        if kind in (HEADING, BREAK):
            # Where the file is: every syntax hears of it, and none takes it from the others
            # (a heading may end, or start, what a syntax reads).
            if kind == HEADING:
                _enter_heading(file, block)
            for reader in readers:
                concepts.extend(reader.read(block))
            continue
        if kind == TOO_DEEP:
            file.warn(
                NESTED_TOO_DEEP,
                block.line,
                f"lists nested more than {MAX_DEPTH} levels deep are read as text; "
                "nothing in them becomes a card",
            )
            continue
        for reader in readers:
            found = reader.read(block)
            if found:
                concepts.extend(found)
                claimed.add(index)
                break
    return ParseResult(tuple(concepts), tuple(file.diagnostics))


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
