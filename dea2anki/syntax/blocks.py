"""What a card syntax is: it reads a file's located Markdown blocks and yields concepts.

``scan`` (a line scanner, for plain files) and ``walk`` (mistune's token tree) both turn a
body into the same list of ``Block`` records, each with its file line. ``parse`` feeds the
blocks, in document order, to one ``Reader`` per enabled syntax:

- A paragraph or list item goes to the readers in turn until one claims it (``read`` returns
  a sequence, even an empty one, rather than None). Every block inside a claimed list item
  is part of that item, so no two syntaxes ever read the same list item or paragraph.
- A heading or a break goes to every reader (``boundary``), before the heading takes effect,
  so a reader can finish what it was collecting under the old heading. A reader that takes a
  heading as its own (``FileContext.take_heading``: a heading card, a ``## Concepts`` block
  opener) keeps it from becoming a deck level; given the heading's level, the heading still
  ends the sections before it, once every reader has heard it (``FileContext.heading_done``).
- At the end of the file every reader hears ``finish``.

The deck path and the Context line of each concept come from the headings (``FileContext``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol

from ..diagnostics import NO_HEADING, Code, Diagnostic, report
from ..records import Concept

# Block kinds (plain ints: a large vault has a block per concept line).
HEADING, BREAK, PARAGRAPH, ITEM, TOO_DEEP = range(5)


class Block(NamedTuple):
    kind: int
    line: int
    """1-based file line where the block's text starts."""
    text: str
    """HEADING: its text; PARAGRAPH: its Markdown; ITEM: the item's first paragraph."""
    level: int = 0
    """HEADING: 1-6. Otherwise how many lists and quotes enclose the block."""
    details: str = ""
    """ITEM: the rest of the item as Markdown (further paragraphs, sub-lists, code)."""
    quoted: bool = False
    """Inside a block quote."""
    parent: int = -1
    """Index (in the file's blocks) of the list item this block is inside, or -1."""


class Reader(Protocol):
    """One syntax reading one file."""

    def read(self, block: Block) -> Sequence[Concept] | None:
        """A paragraph or list item: the concepts it holds in this syntax, claiming it (an
        empty sequence claims it too: a part of a card still being collected); None leaves
        it to the next syntax."""
        ...

    def boundary(self, block: Block) -> Sequence[Concept]:
        """A heading or a break, before a heading takes effect: what ends here."""
        ...

    def finish(self) -> Sequence[Concept]:
        """The end of the file: what ends there."""
        ...


class Syntax(Protocol):
    name: str
    """Its name in ``parse.SYNTAXES`` (and so in ``parse_concepts(syntaxes=...)``)."""
    example: str
    """What its cards look like, as ``check`` quotes it: "`- **Term**: definition`"."""

    def reader(self, file: FileContext) -> Reader: ...


@dataclass
class _Heading:
    level: int
    title: str
    deck: str


class FileContext:
    """What every syntax shares while reading one file: where it is (the heading trail),
    its lines (for columns) and its diagnostics."""

    def __init__(
        self, path: str, src: str, first_line: int, deck_depth: int, heading_level: int = 2
    ) -> None:
        self.path = path
        self.heading_level = heading_level
        self.body_lines = src.split("\n")
        self.first_line = first_line
        self.deck_depth = deck_depth
        self.trail: list[_Heading] = []
        self.past_heading = False
        """A heading (even one a syntax took) came before this point."""
        self._headless = False
        self.heading_taken = False
        self._taken_ends = 0
        """The level whose sections the taken heading ends in ``heading_done`` (0: none)."""
        self._taken_as: tuple[str, str] | None = None
        """(title, deck) under which ``heading_done`` enters the taken heading, if any."""
        self.diagnostics: list[Diagnostic] = []
        # (deck_path, context) under the current trail: shared by the concepts under it,
        # which keeps a large vault's memory and cache small.
        self._where: tuple[tuple[str, ...], tuple[str, ...]] | None = None

    def warn(self, code: Code, line: int, message: str, column: int | None = None) -> None:
        self.diagnostics.append(report(code, self.path, line, message, column))

    def take_heading(self, level: int = 0, *, as_deck: tuple[str, str] | None = None) -> None:
        """The heading being read belongs to a syntax: it makes no deck level. Given its
        ``level``, it still ends the sections of that level and deeper (``## Concepts`` after
        ``## Athena``); given ``as_deck`` (title, deck) too, it is entered under those
        instead (md2anki's deck headings, without their ids). Both happen only in
        ``heading_done``: a reader that hears the heading after this one still finishes its
        card under the old trail."""
        self.heading_taken = True
        if level:
            self._taken_ends = level
            self._taken_as = as_deck

    def line_text(self, line: int) -> str:
        """The text of the file's ``line`` ("" outside the body)."""
        index = line - self.first_line
        return self.body_lines[index] if 0 <= index < len(self.body_lines) else ""

    def enter_heading(self, level: int, title: str, deck: str) -> None:
        self.end_sections(level)
        self.trail.append(_Heading(level, title, deck))

    def heading_done(self) -> None:
        """Every reader has heard the heading (and the driver entered it, if none took it)."""
        if self._taken_as is not None:
            self.enter_heading(self._taken_ends, *self._taken_as)
        elif self._taken_ends:
            self.end_sections(self._taken_ends)
        self._taken_ends, self._taken_as = 0, None
        self.heading_taken = False

    def end_sections(self, level: int) -> None:
        """The headings at ``level`` and deeper end here: a taken heading makes no deck level
        but still closes the sections it follows (``## Concepts`` after ``## Athena``)."""
        while self.trail and self.trail[-1].level >= level:
            self.trail.pop()
        self.past_heading = True
        self._where = None

    def column(self, line: int, text: str) -> int | None:
        """Where ``text`` starts on the file's ``line`` (blocks carry no columns)."""
        index = line - self.first_line
        if not 0 <= index < len(self.body_lines):
            return None
        pos = self.body_lines[index].find(first_text_line(text)[1][:12])
        return pos + 1 if pos >= 0 else None

    def concept(
        self,
        term: str,
        term_md: str,
        definition: str,
        tags: tuple[str, ...],
        line: int,
        column: int | None,
        block_id: str | None = None,
        details: str = "",
        *,
        reverse: bool = False,
        cloze: bool = False,
    ) -> Concept:
        """A concept at this point of the file (its decks and Context from the headings)."""
        if not self.trail and not self.past_heading and not self._headless:
            # Once a file: a deck of flashcards often has no heading at all.
            self._headless = True
            self.warn(
                NO_HEADING,
                line,
                f"concept {term!r} is not under any heading; it and any others above the "
                "first heading go to the root deck",
                column,
            )
        where = self._where
        if where is None:
            where = self._where = (
                tuple(h.deck for h in self.trail if h.level <= self.deck_depth and h.deck),
                tuple(h.deck or h.title for h in self.trail),
            )
        return Concept(
            term=term,
            term_md=term_md,
            definition=definition,
            tags=tags,
            deck_path=where[0],
            context=where[1],
            line=line,
            column=column,
            block_id=block_id,
            details=details,
            reverse=reverse,
            cloze=cloze,
        )


def first_text_line(text: str) -> tuple[int, str]:
    """(index, stripped text) of the first line of ``text`` that is not blank."""
    for i, line in enumerate(text.split("\n")):
        if line.strip():
            return i, line.strip()
    return 0, ""
