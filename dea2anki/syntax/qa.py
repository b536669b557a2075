"""The ``qa`` syntax: ``Q:`` / ``A:`` pairs (the grammar: docs/syntaxes.md, "qa").

A paragraph, list item or heading whose text starts with a question marker (``Q:``,
``**Q:**``, ``**Q**:``, ``Question:``, ``Q.``, in any case) opens a card. Its answer starts at
an answer marker (``A:``, ``**A:**``, ``Answer:``, ``A.``): on a later line of the same
paragraph, after a ``?`` on the same line (``Q: Why? A: Because``), or at the start of the
next block.

- A question in a paragraph or heading of the file itself collects: its answer runs over the
  blocks after it (paragraphs, lists, quotes, code) up to the next question, a ``---``, a
  heading, a callout, a block another syntax has read, or the end of the file. The back is
  rebuilt from the file's lines, so lists and code keep their shape. A line that is only
  ``---`` ends it even with no blank line before it (Markdown makes the paragraph above a
  setext heading: ``Q: Why?`` / ``A: Because.`` / ``---`` is still one card).
- A heading another syntax took (a heading card, the front of an ``sr`` card) is no question.
- A question in a list item stays there: the answer is in that item (its text or its first
  sub-item) or in the next item, when that one starts with ``A:``.

Quotes and callouts are the ``callout`` syntax's (``> [!flashcard]`` holds ``Q:``/``A:``); it
imports the markers from here (imports go one way). The line helpers are in ``lines``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from ..diagnostics import QA_EMPTY, QA_NO_ANSWER, QA_NO_QUESTION
from ..naming import take_block_id
from ..records import Concept
from ..render.text import plain_text
from .blocks import HEADING, ITEM, PARAGRAPH, Block, FileContext
from .lines import (
    CALLOUT_HEAD,
    FENCE,
    ITEM_MARKER,
    back_fields,
    block_end,
    last_line,
    scan_gap,
    setext_underline,
    text_lines,
)

_EMPH = r"\*\*|__|\*|_"


def _marker(words: str) -> re.Pattern[str]:
    return re.compile(
        rf"[ \t]*(?P<open>{_EMPH})?(?P<word>{words})(?P<mid>{_EMPH})?[ \t]*"
        rf"(?:(?P<colon>[:\uff1a])|\.(?=\s|$))(?P<close>{_EMPH})?[ \t]*",
        re.IGNORECASE,
    )


_QUESTION = _marker("question|q")
_ANSWER = _marker("answer|a")
# `Q: Why? A: Because` on one line: only after a question mark, so `A:` inside a question
# (`the map A: B -> C`) stays in it.
_INLINE_ANSWER = re.compile(
    r"(?<=[?\uff1f])(?P<close>\*\*|__)?[ \t]+(?:\*\*|__)?A(?:\*\*|__)?[ \t]*[:\uff1a]"
    r"(?:\*\*|__)?(?:[ \t]+|$)"
)
_DIALOGUE = re.compile(r"^[ \t]*(?:\*\*|__)?B(?:\*\*|__)?[ \t]*[:\uff1a]", re.MULTILINE)


class Marker(NamedTuple):
    text: str  # what follows the marker, its emphasis made whole (`**Q: Why?**`: `Why?`)
    strong: bool  # a colon after a capital or a whole word: a near miss is worth a warning


def _match(pattern: re.Pattern[str], line: str) -> Marker | None:
    m = pattern.match(line)
    if m is None:
        return None
    rest, opener = line[m.end() :].rstrip(), m.group("open")
    if opener and not (m.group("mid") or m.group("close")):
        # The emphasis wraps the question (`**Q: Why?**`), or part of it: keep it paired.
        rest = rest[: -len(opener)] if rest.endswith(opener) else opener + rest
    word = m.group("word")
    return Marker(rest.strip(), bool(m.group("colon")) and (len(word) > 1 or word.isupper()))


def question_marker(line: str) -> Marker | None:
    return _match(_QUESTION, line)


def answer_marker(line: str) -> Marker | None:
    return _match(_ANSWER, line)


class Pair(NamedTuple):
    question: str  # Markdown, the marker removed
    answer: str | None  # Markdown; None: the text holds no answer marker
    answer_index: int  # the line the answer starts on (the number of lines when none)
    answer_head: str  # that line's text after the answer marker
    strong: bool


def split_pair(text: str) -> Pair | None:
    """A text that starts with a question marker, split at its answer marker."""
    lines = text.rstrip("\n").split("\n")
    q = question_marker(lines[0])
    if q is None:
        return None
    for i in range(1, len(lines)):
        a = answer_marker(lines[i])
        if a is not None:
            answer = "\n".join([a.text, *lines[i + 1 :]]).strip("\n")
            return Pair("\n".join([q.text, *lines[1:i]]), answer, i, a.text, q.strong)
    question = "\n".join([q.text, *lines[1:]])
    m = _INLINE_ANSWER.search(question)
    if m is None:
        return Pair(question, None, len(lines), "", q.strong)
    index = question.count("\n", 0, m.start())
    head = question[m.end() :].split("\n", 1)[0]
    answer = question[m.end() :].strip("\n")
    return Pair(question[: m.start()] + (m.group("close") or ""), answer, index, head, q.strong)


# --- the reader ----------------------------------------------------------------------------


class QaSyntax:
    name = "qa"
    example = "`Q: question` over `A: answer`"

    def reader(self, file: FileContext) -> QaReader:
        return QaReader(file)


@dataclass
class _Card:
    line: int
    column: int | None
    question: str
    strong: bool
    end: int  # the file line of its last line so far
    top: bool  # a paragraph of the file itself: the answer collects the blocks after it
    level: int
    parent: int
    answer_line: int = 0  # the file line the answer starts on (0: none yet)
    answer_head: str = ""
    answer_indent: int = 0  # how far the answer's list item indents its further lines


class QaReader:
    def __init__(self, file: FileContext) -> None:
        self.file = file
        self.card: _Card | None = None
        self.ready: list[Concept] = []  # ended at a block another syntax reads: out next claim

    def read(self, block: Block) -> Sequence[Concept] | None:
        card = self.card
        if block.quoted and (card is None or CALLOUT_HEAD.match(block.text)):
            # `Q:` in a quote or a callout is the callout syntax's (`> [!flashcard]`); a
            # callout is a box of its own, so it ends an answer.
            self._end(block.line)
            return None
        if card is not None:
            taken = self._answer(card, block) if card.answer_line == 0 else self._more(card, block)
            if taken is not None or block.quoted:
                return taken
        return self._start(block)

    def boundary(self, block: Block) -> Sequence[Concept]:
        self._end(block.line)
        file = self.file
        # A heading another syntax took (a heading card, sr's front above `?`) is theirs.
        pair = split_pair(block.text) if block.kind == HEADING and not file.heading_taken else None
        if pair is not None:
            # `### Q: Why?` over its `A:` paragraph: a question, not a deck.
            file.take_heading(block.level)
            card = self._open(block, pair, top=True)
            underline = setext_underline(file, block)
            if underline and card.answer_line:
                self._end(underline)  # `Q: … / A: … / ---`: the `---` ends the answer
            elif underline:
                card.end = underline  # `Q: … / ---`: the heading's underline, no code of it
        return self._claim()

    def finish(self) -> Sequence[Concept]:
        self._end(last_line(self.file) + 1)
        return self._claim()

    def _claim(self, *found: Concept | None) -> list[Concept]:
        out, self.ready = self.ready, []
        out.extend(c for c in found if c is not None)
        return out

    def _start(self, block: Block) -> Sequence[Concept] | None:
        file = self.file
        pair = split_pair(block.text)
        if pair is None:
            a = answer_marker(block.text.split("\n", 1)[0])
            # `- A: the attributes` in a list names a variable more often than it answers.
            if a and a.strong and block.kind == PARAGRAPH and not _DIALOGUE.search(block.text):
                message = f"answer {a.text[:60]!r} has no `Q:` before it: start the "
                message += "question's paragraph with `Q:` (no card until then)"
                file.warn(QA_NO_QUESTION, block.line, message, file.column(block.line, block.text))
            return None
        top = block.kind == PARAGRAPH and block.level == 0
        card = self._open(block, pair, top=top)
        if not top:
            answer = pair.answer
            if answer is None and block.kind == ITEM and block.details:
                # `- Q: ...` with its answer on the next line or in its first sub-item
                first, *rest = block.details.split("\n")
                m = ITEM_MARKER.match(first)
                a = answer_marker(first[m.end() :] if m else first)
                if a is not None:
                    answer = "\n".join([a.text, *rest])
            elif answer is not None and block.details:
                answer += "\n\n" + block.details
            if answer is not None:
                self.card = None
                return self._claim(self._card(card, answer))
        return self._claim()

    def _open(self, block: Block, pair: Pair, *, top: bool) -> _Card:
        """The card a question opens (its answer, if on its own lines, still to come)."""
        file = self.file
        column = file.column(block.line, pair.question) if pair.question.strip() else None
        card = self.card = _Card(
            block.line, column, pair.question, pair.strong, block_end(file, block), top,
            block.level, block.parent,
        )  # fmt: skip
        if top and pair.answer is not None:
            card.answer_line, card.answer_head = block.line + pair.answer_index, pair.answer_head
        return card

    def _answer(self, card: _Card, block: Block) -> Sequence[Concept] | None:
        """The block after a question without its answer: is it the answer?"""
        file = self.file
        fits = (
            (block.level == 0 and not block.quoted)
            if card.top
            else (block.level, block.quoted, block.parent) == (card.level, False, card.parent)
        )
        gap_ok, gap_last = scan_gap(file, card.end + 1, block.line)
        a = answer_marker(block.text.split("\n", 1)[0]) if fits and gap_ok else None
        if a is None:
            self._end(block.line)
            return None
        self.card = None
        if not card.top:
            rest = block.text.rstrip("\n").split("\n")[1:]
            answer = "\n".join([a.text, *rest]) + ("\n\n" + block.details if block.details else "")
            return self._claim(self._card(card, answer))
        if gap_last > card.end:  # code between the question and its answer is the question's
            lines = text_lines(file, card.end + 1, gap_last + 1)
            card.question = card.question.rstrip("\n") + "\n\n" + "\n".join(lines).strip("\n")
        m = ITEM_MARKER.match(file.line_text(block.line)) if block.kind == ITEM else None
        card.answer_line, card.answer_head = block.line, a.text
        card.answer_indent, card.end = (m.end() if m else 0), block_end(file, block)
        self.card = card
        return self._claim()

    def _more(self, card: _Card, block: Block) -> Sequence[Concept] | None:
        """A block after an answer: more of it, or the start of what comes next."""
        gap_ok, _ = scan_gap(self.file, card.end + 1, block.line)
        if gap_ok and question_marker(block.text.split("\n", 1)[0]) is None:
            card.end = block_end(self.file, block)
            return self._claim()
        self._end(block.line)
        return None

    def _end(self, stop: int) -> None:
        """The open card ends before line ``stop``."""
        card, self.card = self.card, None
        if card is None:
            return
        if card.answer_line == 0:
            if not card.question.strip():
                self._empty(card, "question after its `Q:`")
            elif card.strong and "::" not in card.question:  # `Q: x::y` is an sr card
                message = f"question {card.question[:60]!r} has no `A:` after it: start the "
                message += "answer's line with `A:` (no card until then)"
                self.file.warn(QA_NO_ANSWER, card.line, message, card.column)
            return
        _, last = scan_gap(self.file, card.end + 1, stop)
        lines = [card.answer_head]
        for line in text_lines(self.file, card.answer_line + 1, max(card.end, last) + 1):
            indent = len(line) - len(line.lstrip(" "))
            lines.append(line[min(indent, card.answer_indent) :])
        found = self._card(card, "\n".join(lines))
        if found is not None:
            self.ready.append(found)

    def _card(self, card: _Card, answer: str) -> Concept | None:
        file = self.file
        question, block_id = take_block_id(card.question.strip())
        answer, answer_id = take_block_id(answer.strip())
        term_md = question.strip() if "\n\n" in question else " ".join(question.split())
        # A fence's own lines (```go) are no words of the question.
        term = plain_text("\n".join(x for x in term_md.split("\n") if not FENCE.match(x)))
        if not term or not answer.strip():
            self._empty(card, "answer after its `A:`" if term else "question after its `Q:`")
            return None
        definition, details = back_fields(answer)
        return file.concept(
            term, term_md, definition, (), card.line, card.column, block_id or answer_id, details
        )

    def _empty(self, card: _Card, part: str) -> None:
        message = f"this card has no {part}: write it, or delete the marker (no card until then)"
        self.file.warn(QA_EMPTY, card.line, message, card.column)
