"""When a file gives no card: which syntax that is off would read it, and how to turn it on.

People arrive with notes written for another tool. A file that makes no card is read again
with each syntax it was not read with; the one that finds the most cards is named, with the
line to add, once per file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from ..settings import SYNTAX_NAMES
from .parse import SYNTAXES, parse_concepts


class Suggestion(NamedTuple):
    syntax: str
    cards: int
    """How many cards the file would give with it."""
    lines: int
    """How many of the file's lines they start on."""


def suggest(
    body: str, *, read_with: Sequence[str], first_line: int, heading_level: int
) -> Suggestion | None:
    """The syntax, not among ``read_with``, that would find the most cards in ``body``."""
    best: Suggestion | None = None
    for name in SYNTAX_NAMES:
        if name in read_with:
            continue
        found = parse_concepts(
            body, first_line=first_line, syntaxes=(name,), heading_level=heading_level
        ).concepts
        if found and (best is None or len(found) > best.cards):
            best = Suggestion(name, len(found), len({c.line for c in found}))
    return best


def advice(s: Suggestion, read_with: Sequence[str]) -> str:
    """What to tell the user: how much the syntax would read, and the line to add."""
    names = ", ".join((*read_with, s.syntax))
    lines = "1 line looks" if s.lines == 1 else f"{s.lines} lines look"
    return (
        f"{lines} like {SYNTAXES[s.syntax].example} ({s.cards} card"
        f"{'' if s.cards == 1 else 's'} with the {s.syntax} syntax); add "
        f"`syntax: [{names}]` to its frontmatter"
    )
