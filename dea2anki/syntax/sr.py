"""The ``sr`` syntax: the card formats of the obsidian-spaced-repetition plugin, read the way
its parser (``src/parser.ts``) reads them with its default settings (grammar in
docs/syntaxes.md, "sr").

- ``front::back`` on one line; ``front:::back`` also asks for the reverse card.
- Front lines, a line that is only ``?`` (``??``: reversed), back lines: the card runs from
  the blank line before it to the blank line after it (a code fence counts as one line).
- ``==answer==`` highlights (``==answer;;hint==``, ``==2;;answer==``): a cloze note of the
  whole paragraph. Bold and ``{{curly}}`` clozes are off in the plugin by default, and Anki's
  own ``{{c1::...}}`` is the ``cloze`` syntax's.
- ``<!--SR:...-->`` scheduling comments, tag lines (``#flashcards/deck``) and the tags that
  start a card are not card text.

The plugin reads lines, not Markdown blocks: a card's back may be a list or a code block
under its ``?`` line. So the reader finds every card in the file's lines first (``_cards``),
then hands each to the first block it touches, and claims every block a card covers. What
in a line's text is not card syntax, and the highlight clozes, are read by ``sr_marks``.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from typing import NamedTuple

from ..diagnostics import SR_EMPTY_SIDE
from ..naming import take_block_id
from ..records import Concept
from ..render.text import plain_text
from .blocks import HEADING, ITEM, Block, FileContext
from .cloze_marks import OPENER
from .concept_line import is_tag_list
from .lines import ATX, BREAK, QUOTE
from .sr_marks import (
    NOT_SEPARATOR,
    SR_COMMENT,
    has_highlight,
    highlight_cloze,
    masked,
    unscheduled,
)

SINGLE, REVERSED = "::", ":::"
MULTI, MULTI_REVERSED = "?", "??"
_CLOZE = "cloze"

# What holds a line's text: indentation, block-quote markers, a list marker, a task box.
_PREFIX = re.compile(
    r"(?:[ \t]*>)*[ \t]*(?:(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$)(?:\[[ xX]\][ \t]+)?)?"
)
_QUOTES = re.compile(r"(?:[ \t]*>[ \t]?)*")
_FENCE = re.compile(r"`{3,}|~{3,}")
_TAGS_LINE = re.compile(r"(?:#[^\s#:]+[ \t]*)+$")
_LEADING_TAGS = re.compile(r"(?:#[^\s#:]+[ \t]+)+(?=\S)")
_SR_CALLOUT = re.compile(r"\[!sr\|card-metadata\]", re.IGNORECASE)


class _Card(NamedTuple):
    first: int
    """File line where the card's text starts (a heading's line when the heading is its
    front)."""
    last: int
    """File line where it ends, scheduling comment included."""
    front: str
    back: str
    column: int | None
    reverse: bool = False
    cloze: bool = False
    term: str = ""
    """A cloze's text without its markers (plain); for other cards, computed on output."""
    block_id: str | None = None
    problem: str = ""
    """Why this card makes no card (an empty side): warned once it is read."""
    heading: bool = False
    """The front is the heading right above the ``?`` line."""


def _body(raw: str) -> tuple[int, str]:
    """(where the text starts, the text) of a line, its list marker and quotes left out."""
    end = _PREFIX.match(raw)
    start = end.end() if end else 0
    return start, raw[start:]


def _single(raw: str, line: int) -> _Card | None:
    """A ``front::back`` line, else None."""
    if "::" not in raw:
        return None
    start, text = _body(raw)
    tags = _LEADING_TAGS.match(text)
    if tags:
        start, text = start + tags.end(), text[tags.end() :]
    text = unscheduled(text).rstrip()
    hidden = masked(text, NOT_SEPARATOR)
    reverse = True
    at = hidden.find(REVERSED)
    if at < 0:
        reverse, at = False, hidden.find(SINGLE)
        if at < 0:
            return None
    front, back = text[:at].strip(), text[at + (3 if reverse else 2) :].strip()
    if is_tag_list(back):
        return None  # `**Term** :: DEA ; AWS`: the concept syntax's line, not a card
    back, block_id = take_block_id(back)
    sep = REVERSED if reverse else SINGLE
    problem = ""
    if not plain_text(front):
        problem = f"'{sep}' card without a question: write it before the '{sep}'"
    elif not back:
        problem = f"'{sep}' card without an answer: write it after the '{sep}' on the same line"
    column = start + len(text) - len(text.lstrip()) + 1
    return _Card(line, line, front, back, column, reverse, block_id=block_id, problem=problem)


class _Chunk:
    """Lines since the last blank line (or card): what a multi-line or cloze card is made of."""

    def __init__(self) -> None:
        self.lines: list[tuple[int, str]] = []  # (file line, raw line)
        self.kind: str | None = None
        self.last = 0
        self.heading = False


def _cards(lines: Sequence[str], first_line: int) -> list[_Card]:
    """Every card in a body's lines, in order: the plugin's parser, line by line."""
    cards: list[_Card] = []
    chunk = _Chunk()

    def close() -> _Chunk:
        card = _multi(chunk) if chunk.kind is not None and chunk.lines else None
        if card is not None:
            cards.append(card)
        return _Chunk()

    i, count = 0, len(lines)
    while i < count:
        raw, line = lines[i], i + first_line
        text = _body(raw)[1]
        stripped = raw.strip()
        if not stripped or ATX.match(raw) or BREAK.match(raw):
            # A blank line ends a card; a heading or a break does too (they make decks).
            chunk = close()
            if ATX.match(raw) and i + 1 < count and lines[i + 1].strip() in (MULTI, "??"):
                chunk.lines.append((line, stripped.strip("#").strip()))  # `## Q` above `?`
                chunk.heading = True
        elif text.startswith("<!--") and not text.startswith(SR_COMMENT):
            while i + 1 < count and "-->" not in lines[i]:
                i += 1  # a comment: nothing in it is read
        elif not unscheduled(text).strip() or _SR_CALLOUT.match(text):
            chunk.last = line  # scheduling data: part of the card above, never its text
        elif _TAGS_LINE.match(text):
            if chunk.kind is None:
                chunk = _Chunk()  # a deck tag line: the next card's text starts after it
        elif (card := _single(raw, line)) is not None:
            chunk = close()  # (the plugin drops a card still open here; we keep it)
            if i + 1 < count and _is_schedule(lines[i + 1]):
                i += 1
                card = card._replace(last=i + first_line)
            cards.append(card)
        else:
            fence = _FENCE.match(text)
            chunk.lines.append((line, raw))
            if fence:  # its lines are the card's, blank or not, and none is a separator
                while i + 1 < count:
                    i += 1
                    chunk.lines.append((i + first_line, lines[i]))
                    if _body(lines[i])[1].startswith(fence.group(0)):
                        break
            elif stripped in (MULTI, MULTI_REVERSED):
                chunk.kind = stripped
            elif chunk.kind is None and not OPENER.search(text) and has_highlight(text):
                chunk.kind = _CLOZE
            chunk.last = i + first_line
        i += 1
    close()
    return cards


def _is_schedule(raw: str) -> bool:
    text = _body(raw)[1]
    return text.startswith(SR_COMMENT) or bool(_SR_CALLOUT.match(text))


def _multi(chunk: _Chunk) -> _Card | None:
    """The card of a chunk: a ``?`` card or a cloze (None: no deletion after all)."""
    lines = [raw for _, raw in chunk.lines]
    first = chunk.lines[0][0]
    column: int | None = None
    if chunk.heading:
        texts = [lines[0], *_contained(lines[1:])]
    else:
        texts = _contained(lines)
        column = _body(lines[0])[0] + 1
    texts = [unscheduled(t) for t in texts]
    tags = _LEADING_TAGS.match(texts[0])
    if tags:
        texts[0] = texts[0][tags.end() :]
        column = column + tags.end() if column else None
    if chunk.kind == _CLOZE:
        text, block_id = take_block_id(_side(texts))
        front, term = highlight_cloze(text)
        if front is None:
            return None  # no deletion after all (say, a code span over two lines hid it)
        return _Card(first, chunk.last, front, "", column, cloze=True, term=term, block_id=block_id)
    sep = chunk.kind or MULTI
    at = next((k for k, t in enumerate(texts) if t.strip() == sep), len(texts))
    front, (back, block_id) = _side(texts[:at]), take_block_id(_side(texts[at + 1 :]))
    where = "above" if not plain_text(front) else "under" if not back else ""
    problem = (
        f"'{sep}' card without {'a question' if where == 'above' else 'an answer'}: write it "
        f"on the lines right {where} the '{sep}' line, with no blank line between"
        if where
        else ""
    )
    return _Card(
        first,
        chunk.last,
        front,
        back,
        column,
        reverse=sep == MULTI_REVERSED,
        block_id=block_id,
        problem=problem,
        heading=chunk.heading,
    )


def _contained(lines: Sequence[str]) -> list[str]:
    """The lines of a card as text: the first line without its list marker and quotes, the
    others without as much of them (they continue the first line's list item or quote)."""
    if not lines:
        return []
    first = lines[0]
    start, text = _body(first)
    quoted = _QUOTES.match(first)
    quotes = first[:start].count(">")
    indent = start - (quoted.end() if quoted else 0)
    out = [text]
    for raw in lines[1:]:
        for _ in range(quotes):
            m = QUOTE.match(raw)
            if m is None:
                break
            raw = raw[m.end() :]
        out.append(raw[min(indent, len(raw) - len(raw.lstrip(" \t"))) :])
    return out


def _side(texts: Sequence[str]) -> str:
    kept = [t.rstrip() for t in texts if not _TAGS_LINE.match(t.strip())]
    return textwrap.dedent("\n".join(kept)).strip("\n")


class SrSyntax:
    name = "sr"
    example = "`question::answer` or a `?` line between question and answer"

    def reader(self, file: FileContext) -> SrReader:
        return SrReader(file)


class SrReader:
    def __init__(self, file: FileContext) -> None:
        self.file = file
        self.cards = _cards(file.body_lines, file.first_line)
        self.next = 0
        self.done = 0
        """The last line of the cards read so far: blocks up to it are theirs."""
        self.last_line = file.first_line + len(file.body_lines) - 1
        self.headings = {c.first for c in self.cards if c.heading}
        self.taken: set[int] = set()

    def read(self, block: Block) -> Sequence[Concept] | None:
        start = block.line
        head_end = start + block.text.rstrip("\n").count("\n")
        end = self._item_end(head_end, block.details) if block.kind == ITEM else head_end
        cards = self.cards
        while self.next < len(cards) and cards[self.next].last < start:
            self.next += 1  # a card in no block (an HTML block, a heading card's text)
        if start > self.done and not (
            self.next < len(cards) and cards[self.next].first <= head_end
        ):
            return None
        found: list[Concept] = []
        while self.next < len(cards) and cards[self.next].first <= end:
            card = cards[self.next]
            self.next += 1
            self.done = max(self.done, card.last)
            concept = self._concept(card)
            if concept is not None:
                found.append(concept)
        return found

    def boundary(self, block: Block) -> Sequence[Concept]:
        if block.kind == HEADING and block.line in self.headings and not self.file.heading_taken:
            self.file.take_heading()  # `## Question` right above `?`: the card's front
            self.taken.add(block.line)
        return ()

    def finish(self) -> Sequence[Concept]:
        return ()

    def _item_end(self, head_end: int, details: str) -> int:
        """The last line of a list item: its first paragraph, then its other blocks."""
        if not details:
            return head_end
        line = head_end + 1
        while line < self.last_line and not self.file.line_text(line).strip():
            line += 1
        return line + details.count("\n")

    def _concept(self, card: _Card) -> Concept | None:
        file = self.file
        if card.heading and card.first not in self.taken:
            card = card._replace(
                problem="the heading above this '?' line is another syntax's card: write the "
                "question on its own line under the heading"
            )
        if card.problem:
            file.warn(SR_EMPTY_SIDE, card.first, card.problem, card.column)
            return None
        term = card.term if card.cloze else plain_text(card.front)
        return file.concept(
            term,
            card.front,
            card.back,
            (),
            card.first,
            card.column,
            card.block_id,
            reverse=card.reverse,
            cloze=card.cloze,
        )
