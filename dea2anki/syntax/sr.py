"""The ``sr`` syntax: the card formats of the obsidian-spaced-repetition plugin, read the way
its parser (``src/parser.ts``) reads them with its default settings (see the README, "sr").

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
then hands each to the first block it touches, and claims every block a card covers.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from typing import NamedTuple

from ..diagnostics import SR_EMPTY_SIDE
from ..naming import BLOCK_ID
from ..records import Concept
from ..render.text import plain_text
from .blocks import HEADING, ITEM, Block, FileContext
from .concept_line import _LINE_TAG_LIST, mask_code_spans

SINGLE, REVERSED = "::", ":::"
MULTI, MULTI_REVERSED = "?", "??"
_CLOZE = "cloze"

# What holds a line's text: indentation, block-quote markers, a list marker, a task box.
_PREFIX = re.compile(
    r"(?:[ \t]*>)*[ \t]*(?:(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$)(?:\[[ xX]\][ \t]+)?)?"
)
_QUOTE = re.compile(r"[ \t]*>[ \t]?")
_QUOTES = re.compile(r"(?:[ \t]*>[ \t]?)*")
_ATX = re.compile(r" {0,3}#{1,6}(?:[ \t]|$)")
_BREAK = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_FENCE = re.compile(r"`{3,}|~{3,}")
_TAGS_LINE = re.compile(r"(?:#[^\s#:]+[ \t]*)+$")
_LEADING_TAGS = re.compile(r"(?:#[^\s#:]+[ \t]+)+(?=\S)")
_SR_COMMENT = re.compile(r"[ \t]*<!--SR:.*?-->")
_SR_CALLOUT = re.compile(r"\[!sr\|card-metadata\]", re.IGNORECASE)
_BLOCK_ID = re.compile(rf"[ \t]({BLOCK_ID})[ \t]*$")
_ANKI_CLOZE = re.compile(r"\{\{c\d+::")
# Never a separator: `::` inside an HTML comment, an Anki cloze marker, a URL or maths
# (code spans are masked first). The plugin itself only skips code spans.
_NOT_SEPARATOR = re.compile(
    r"<!--.*?-->|\{\{c\d+::.*?\}\}|\b[A-Za-z][\w+.-]{0,31}://[^\s<>()]+"
    r"|\$\$.+?\$\$|\$(?![\s$])[^$\n]+?\$(?!\d)"
)
_NOT_CLOZE = re.compile(r"<!--.*?-->|\{\{c\d+::.*?\}\}|\$\$.+?\$\$|\$(?![\s$])[^$\n]+?\$(?!\d)")
# The plugin's default cloze pattern "==[123;;]answer[;;hint]==", as clozecraft reads it:
# numbered ("classic") deletions first, then overlapping ones (`==ash;;x==`), then simple.
_CLASSIC = re.compile(r"==(\d+);;(.+?)(?:;;(.+?))?==")
_OVERLAPPING = re.compile(r"==([ash]+);;(.+?)(?:;;(.+?))?==")
_SIMPLE = re.compile(r"==()(.+?)(?:;;(.+?))?==")


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


def _mask(text: str, pattern: re.Pattern[str]) -> str:
    """``text`` with its code spans and ``pattern``'s matches blanked out (same length)."""
    return pattern.sub(lambda m: "\0" * len(m.group(0)), mask_code_spans(text))


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
    text = _SR_COMMENT.sub("", text).rstrip()
    masked = _mask(text, _NOT_SEPARATOR)
    reverse = True
    at = masked.find(REVERSED)
    if at < 0:
        reverse, at = False, masked.find(SINGLE)
        if at < 0:
            return None
    front, back = text[:at].strip(), text[at + (3 if reverse else 2) :].strip()
    if _LINE_TAG_LIST.match(back):
        return None  # `**Term** :: DEA ; AWS`: the concept syntax's line, not a card
    back, block_id = _block_id(back)
    sep = REVERSED if reverse else SINGLE
    problem = ""
    if not plain_text(front):
        problem = f"'{sep}' card without a question: write it before the '{sep}'"
    elif not back:
        problem = f"'{sep}' card without an answer: write it after the '{sep}' on the same line"
    column = start + len(text) - len(text.lstrip()) + 1
    return _Card(line, line, front, back, column, reverse, block_id=block_id, problem=problem)


def _block_id(text: str) -> tuple[str, str | None]:
    m = _BLOCK_ID.search(text)
    return (text[: m.start()].rstrip(), m.group(1)[1:]) if m else (text, None)


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
        if not stripped or _ATX.match(raw) or _BREAK.match(raw):
            # A blank line ends a card; a heading or a break does too (they make decks).
            chunk = close()
            if _ATX.match(raw) and i + 1 < count and lines[i + 1].strip() in (MULTI, "??"):
                chunk.lines.append((line, stripped.strip("#").strip()))  # `## Q` above `?`
                chunk.heading = True
        elif text.startswith("<!--") and not text.startswith("<!--SR:"):
            while i + 1 < count and "-->" not in lines[i]:
                i += 1  # a comment: nothing in it is read
        elif not _SR_COMMENT.sub("", text).strip() or _SR_CALLOUT.match(text):
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
            elif (
                chunk.kind is None
                and "==" in text
                and not _ANKI_CLOZE.search(text)
                and _SIMPLE.search(_mask(text, _NOT_CLOZE))
            ):
                chunk.kind = _CLOZE
            chunk.last = i + first_line
        i += 1
    close()
    return cards


def _is_schedule(raw: str) -> bool:
    text = _body(raw)[1]
    return text.startswith("<!--SR:") or bool(_SR_CALLOUT.match(text))


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
    texts = [_SR_COMMENT.sub("", t) for t in texts]
    tags = _LEADING_TAGS.match(texts[0])
    if tags:
        texts[0] = texts[0][tags.end() :]
        column = column + tags.end() if column else None
    if chunk.kind == _CLOZE:
        text, block_id = _block_id(_side(texts))
        front, term = _cloze(text)
        if front is None:
            return None  # no deletion after all (say, a code span over two lines hid it)
        return _Card(first, chunk.last, front, "", column, cloze=True, term=term, block_id=block_id)
    sep = chunk.kind or MULTI
    at = next((k for k, t in enumerate(texts) if t.strip() == sep), len(texts))
    front, (back, block_id) = _side(texts[:at]), _block_id(_side(texts[at + 1 :]))
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
            m = _QUOTE.match(raw)
            if m is None:
                break
            raw = raw[m.end() :]
        out.append(raw[min(indent, len(raw) - len(raw.lstrip(" \t"))) :])
    return out


def _side(texts: Sequence[str]) -> str:
    kept = [t.rstrip() for t in texts if not _TAGS_LINE.match(t.strip())]
    return textwrap.dedent("\n".join(kept)).strip("\n")


def _cloze(text: str) -> tuple[str | None, str]:
    """(text with Anki cloze markers, plain text without them) of a highlight cloze; None
    for the text when no highlight in it is a deletion."""
    masked = _mask(text, _NOT_CLOZE)
    kind, found = "simple", list(_CLASSIC.finditer(masked))
    if found:
        kind = "classic"
    else:
        found = list(_OVERLAPPING.finditer(masked))
        kind = "overlapping" if found else "simple"
        found = found or list(_SIMPLE.finditer(masked))
    marked: list[str] = []
    shown: list[str] = []
    pos = deletions = 0
    for m in found:
        answer = text[m.start(2) : m.end(2)]
        hint = text[m.start(3) : m.end(3)] if m.group(3) is not None else ""
        if kind == "classic":
            number = max(int(m.group(1)), 1)
        elif kind == "overlapping":
            # Anki asks a deletion on one card: the first card the plugin asks it on.
            number = m.group(1).find("a") + 1
        else:
            number = deletions + 1
        if not answer.strip():
            number, answer = 0, text[m.start() : m.end()]  # `==  ==`: left as written
        cloze = f"{{{{c{number}::{answer}{'::' + hint if hint else ''}}}}}" if number else answer
        deletions += bool(number)
        marked.append(text[pos : m.start()] + cloze)
        shown.append(text[pos : m.start()] + answer)
        pos = m.end()
    marked.append(text[pos:])
    shown.append(text[pos:])
    term = plain_text("".join(shown))
    return ("".join(marked) if deletions and term else None), term


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
