"""The ``heading`` syntax: a heading is the front, what follows it the back (grammar in
docs/syntaxes.md, "heading"). The layout of markdown-anki-decks and md2anki.

A heading at the card level (``heading-level``, default 2) opens a card; it runs to the next
heading at that level or above, or the end of the file. Deeper headings inside it are part
of its back, and neither they nor the card's heading become deck levels. From md2anki:

- a trailing ``(id)`` (the UUID md2anki writes after a question) is not part of the front;
- the card's first ``---`` line splits it: the text before it joins the heading on the front,
  the text after it is the back (later ``---`` lines stay in the back);
- ``{=:tag, tag:=}`` in a code span gives the card tags; ``{=<model>=}`` is dropped;
- a ``Subdeck: Name`` heading is a deck, not a card, and the cards under it are one level
  deeper.

A front with Anki cloze markers (``{{c1::...}}``, which both tools accept in a question)
makes a cloze note whose back is its extra text; a card without ``---`` whose text has them
is one cloze note, the heading and the text (md2anki's cloze note types blank both). Markers
are read as the ``cloze`` syntax reads them (nested, none inside code spans), and a marker
that never closes makes no card, as there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from ..diagnostics import CLOZE_NO_CARD, HEADING_EMPTY
from ..naming import clean_deck_component
from ..records import Concept
from ..render.text import plain_text
from .blocks import BREAK, Block, FileContext, first_text_line
from .cloze import has_cloze, without_markers

# A run of blanks is only tried from its start (`(?<!\s)`) and a marker's text never holds a
# backtick (it is a code span): each pattern reads a line in linear time.
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_MD2ANKI_ID = re.compile(rf"(?<!\s)\s*\(\s*{_UUID}\s*\)\s*$")
# md2anki's deck ids are 32-bit random numbers; five digits or more is never a year.
_MD2ANKI_DECK_ID = re.compile(r"(?<!\s)\s+\(\d{5,}\)\s*$")
_MD2ANKI_TAGS = re.compile(r"(?<![ \t])[ \t]*`\{=:([^`\n]*?):=\}`")
_MD2ANKI_MODEL = re.compile(r"(?<![ \t])[ \t]*`\{=<[^`\n]*?>=\}`")
_MD2ANKI_SUBDECK = re.compile(r"Subdeck:\s")
_ATX = re.compile(r" {0,3}#")
# Blank lines a removed marker leaves, with the blank line around them.
_EMPTIED_LINES = re.compile(r"\n\n+(?:[ \t]*\n)+")


@dataclass
class _Card:
    line: int
    level: int
    title: str
    """The heading's Markdown, md2anki's id and markers removed."""
    body: int
    """The file line where the card's text starts (after the heading and its underline)."""
    split: int | None = None
    """The file line of its first ``---``, when it has one."""


class _DeckTags(NamedTuple):
    level: int
    """The level of the heading they were written under (0: above every heading)."""
    tags: list[str]


class HeadingSyntax:
    name = "heading"
    example = "a `## Heading` with its answer below it"

    def reader(self, file: FileContext) -> HeadingReader:
        return HeadingReader(file)


class HeadingReader:
    def __init__(self, file: FileContext) -> None:
        self.file = file
        self.card: _Card | None = None
        self.subdecks: list[int] = []
        """Levels of the md2anki ``Subdeck:`` headings the reader is under."""
        self.deck_tags: list[_DeckTags] = [_DeckTags(0, [])]
        """md2anki's deck tags (``{=:tag:=}`` outside a card) by the level of the heading
        they were written under: every card under that heading gets them."""

    def read(self, block: Block) -> Sequence[Concept] | None:
        # Everything under a card heading is the card's; nothing else is ours.
        if self.card is not None:
            return ()
        if "`{=:" in block.text:
            _markers_out(block.text, self.deck_tags[-1].tags)
        return None

    def boundary(self, block: Block) -> Sequence[Concept]:
        file, card = self.file, self.card
        if block.kind == BREAK:
            if (
                card is not None
                and card.split is None
                and file.line_text(block.line).strip() == "---"
            ):
                card.split = block.line
            return ()
        level = block.level
        if card is not None and level > card.level:
            file.take_heading()  # a section of the card's back
            return ()
        out = self._close(block.line - 1) if card is not None else ()
        while self.subdecks and self.subdecks[-1] >= level:
            self.subdecks.pop()
        while self.deck_tags[-1].level >= level:
            self.deck_tags.pop()
        if level == (self.subdecks[-1] + 1 if self.subdecks else file.heading_level) and not (
            _MD2ANKI_SUBDECK.match(block.text)
        ):
            # A card heading makes no deck level, yet ends the sections it follows.
            file.take_heading(level)
            self.card = _Card(block.line, level, _title(block.text), self._body_start(block))
            return out
        if level >= file.heading_level and _MD2ANKI_SUBDECK.match(block.text):
            self.subdecks.append(level)
        self.deck_tags.append(_DeckTags(level, []))
        # `Subdeck: ` only as the heading's first word: `# Anki Subdeck: how` is a title.
        subdeck = _MD2ANKI_SUBDECK.match(block.text)
        title = _MD2ANKI_DECK_ID.sub("", block.text[subdeck.end() :] if subdeck else block.text)
        if title != block.text:
            title = plain_text(title, keep_html=False)
            deck = clean_deck_component(title)
            if deck:
                file.take_heading(level, as_deck=(title, deck))
        return out

    def finish(self) -> Sequence[Concept]:
        if self.card is None:
            return ()
        file = self.file
        return self._close(file.first_line + len(file.body_lines) - 1)

    def _body_start(self, block: Block) -> int:
        if _ATX.match(self.file.line_text(block.line)):
            return block.line + 1
        # A setext heading: its text lines, then the underline.
        return block.line + len(block.text.strip("\n").split("\n")) + 1

    def _text(self, first: int, last: int) -> str:
        """File lines ``first`` to ``last`` with the blank lines at both ends trimmed."""
        line_text = self.file.line_text
        while first <= last and not line_text(first).strip():
            first += 1
        while last >= first and not line_text(last).strip():
            last -= 1
        return "\n".join(line_text(n) for n in range(first, last + 1)).rstrip()

    def _close(self, last: int) -> Sequence[Concept]:
        """The concept of the open card, whose text ends at file line ``last``."""
        file, card = self.file, self.card
        assert card is not None
        self.card = None
        if card.split is None:
            question, back = "", self._text(card.body, last)
        else:
            question = self._text(card.body, card.split - 1)
            back = self._text(card.split + 1, last)
        tags = [tag for deck_tags in self.deck_tags for tag in deck_tags.tags]
        front = _markers_out(card.title, tags)
        question = _markers_out(question, tags)
        back = _markers_out(back, tags)
        if question:
            front = f"{front}\n\n{question}" if front else question
        cloze = has_cloze(front)
        if not cloze and card.split is None and has_cloze(back):
            # md2anki's cloze note types hide the blanks of the answer too: without a
            # `---`, the heading and its blanked text are one cloze note.
            front, back, cloze = f"{front}\n\n{back}" if front else back, "", True
        column = file.column(card.line, card.title or "#")
        answers = without_markers(front) if cloze else front
        if answers is None:
            file.warn(
                CLOZE_NO_CARD,
                card.line,
                f"heading card {first_text_line(front)[1][:60]!r} has a cloze '{{{{c1::' that "
                "is never closed, so it makes no card; close it with '}}'",
                column,
            )
            return ()
        term = plain_text(answers)
        if not term:
            file.warn(
                HEADING_EMPTY,
                card.line,
                "a heading card has no front text; write its question in the heading",
                column,
            )
            return ()
        if not back and not cloze:
            under = "after its '---'" if card.split is not None else "under it"
            file.warn(
                HEADING_EMPTY,
                card.line,
                f"heading card {term!r} has nothing {under}, so it makes no card; write the "
                f"answer below the heading, before the next heading of level {card.level} or above",
                column,
            )
            return ()
        tag_tuple = tuple(dict.fromkeys(tags))
        return (file.concept(term, front, back, tag_tuple, card.line, column, cloze=cloze),)


def _title(text: str) -> str:
    """A card heading's front: its text on one line, without md2anki's trailing id."""
    return _MD2ANKI_ID.sub("", " ".join(text.split()))


def _markers_out(text: str, tags: list[str]) -> str:
    """``text`` without md2anki's tag and model markers; the tags are added to ``tags``."""
    if "`{=" not in text:
        return text
    for m in _MD2ANKI_TAGS.finditer(text):
        for tag in m.group(1).split(","):
            tag = "_".join(tag.split())
            if tag:
                tags.append(tag)
    text = _MD2ANKI_MODEL.sub("", _MD2ANKI_TAGS.sub("", text))
    # A marker alone on its line leaves an empty line: drop it with the blank around it.
    text = _EMPTIED_LINES.sub("\n\n", text).strip("\n")
    # md2anki writes the id after the markers: `## Question `{=:tag:=}` (id)`.
    return _MD2ANKI_ID.sub("", text) if "\n" not in text else text
