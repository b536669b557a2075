"""The ``callout`` syntax: Obsidian callouts that hold a card (the grammar: docs/syntaxes.md,
"callout").

``> [!definition] Term`` (also ``term``, ``concept`` and ``flashcard``, in any case, foldable
``[!definition]-`` / ``[!definition]+`` too) is a card: the title is the front, the rest of
the callout (every ``>`` line under it: paragraphs, lists, code, nested quotes and callouts)
the back. Other callout types (``note``, ``tip``, ``warning``...) are no cards: they stay text
for whatever else reads the file.

The front, in order:

1. in a ``flashcard`` callout, or one without a title, ``Q:`` / ``A:`` lines in the body
   (``**Q**: ...`` / ``**A**: ...``): the question; the answer is the back;
2. the title, less a label before the name (``Definition 3.1: Group``, ``Definizione
   (Gioco)``) and parentheses around all of it;
3. when there is no title, or it is only a label (``Definition``, ``Definizione 6.1:``,
   ``Theorem.``): a bold term that starts the body (``**Term**: definition``, the rest is
   the back; a hyphen after the term needs spaces around it: ``**Cloud**-based`` is no
   term of its own); else the first bold words of the body, which stays whole on the back (``A
   **group** is ...``; not under a theorem label, whose bold words are emphasis); else a
   numbered label as written (``Teorema 6.8``); else, in a ``flashcard`` callout, the first
   paragraph.

With no front found, or nothing under the title, a ``callout-empty`` warning and no card.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from ..diagnostics import CALLOUT_EMPTY
from ..naming import take_block_id
from ..records import Concept
from ..render.text import plain_text
from .blocks import PARAGRAPH, Block, FileContext
from .lines import (
    CALLOUT_HEAD,
    FENCE,
    STARTS_BLOCK,
    back_fields,
    fence_step,
    last_line,
    split_back,
    unquote,
)
from .qa import split_pair

CARD_TYPES = frozenset({"definition", "term", "concept", "flashcard"})

_DEFINITION_WORD = (
    r"(?:definitions?|defn|def|definici[oó]n|definizione|d[ée]finition|defini[çc][ãa]o"
    r"|definitie|begriff|term|concept|concepto|concetto|정의|定义|定義)"
)
# A theorem is written in a definition callout too; its bold words are emphasis, not a term.
_THEOREM_WORD = (
    r"(?:theorem|teorema|th[ée]or[èe]me|satz|thm|lemma|lemme|corollary|corollario|corollaire"
    r"|proposition|proposizione|proposici[oó]n|prop|cor)"
)
_NUMBER = r"\d+(?:\.\d+)*\.?"
# A label before the name (`Definition:`, `Definition 3.1 —`, `Definizione (Gioco)`), or all
# of the title (`Definizione 6.1:`, `Theorem.`); never the first word of a name (`Concept
# drift`, `Definition-based`, `Lemma di Zorn`).
_LABEL = re.compile(
    rf"(?:\*\*|__)?(?P<word>{_DEFINITION_WORD}|{_THEOREM_WORD})\.?(?P<number>[ \t]+{_NUMBER})?"
    rf"(?:\*\*|__)?(?:[ \t]*[:\uff1a]|[ \t]+[-\u2013\u2014](?=[ \t])|[ \t]*$|[ \t]*(?=\())[ \t]*",
    re.IGNORECASE,
)
# `**Term**: definition`, `**Term:** definition`, `**Term** - definition`, `**Term**:: def`;
# as in a glossary, a hyphen needs spaces around it (`**Cloud**-based storage` is a sentence).
_LEAD_TERM = re.compile(
    r"(?P<e>\*\*|__)(?P<term>[^\n]+?)(?P<colon>[:\uff1a])?(?P=e)"
    r"(?(colon)|(?:[ \t]*[:\uff1a]{1,2}|[ \t]+-(?=\s)|[ \t]*[\u2013\u2014]))[ \t]*(?P<rest>.*)",
    re.DOTALL,
)
_COMMENT = re.compile(r"%%.*?%%")


class CalloutHead(NamedTuple):
    kind: str  # as written: `definition`, `NOTE`
    title: str
    line: int
    depth: int  # how many quotes it is in (`> > [!x]` is 2)
    end: int  # the file line of its last line


def callout_at(file: FileContext, block: Block) -> CalloutHead | None:
    """The callout a quoted paragraph opens, if its first line is a callout's ``[!type]``
    line at the start of its quote."""
    if not block.quoted or block.kind != PARAGRAPH or not block.text.startswith("[!"):
        return None
    m = CALLOUT_HEAD.fullmatch(block.text.split("\n", 1)[0].rstrip())
    depth = unquote(file.line_text(block.line))[0]
    if m is None or depth == 0 or unquote(file.line_text(block.line - 1))[0] >= depth:
        return None  # `[!x]` in the middle of a quote is text, as in Obsidian
    end = block.line
    text_before, fence = True, ""  # a lazy line continues only paragraph text
    for i in range(block.line + 1, last_line(file) + 1):
        line = file.line_text(i)
        n, rest = unquote(line, depth)
        if n >= depth:
            fence = fence_step(fence, rest)
            text_before = bool(rest.strip()) and not fence and not FENCE.match(rest)
        elif not (line.strip() and text_before and not STARTS_BLOCK.match(rest)):
            break
        end = i
    return CalloutHead(m.group("kind"), m.group("title"), block.line, depth, end)


class CalloutSyntax:
    name = "callout"
    example = "`> [!definition] Term` over the definition's `>` lines"

    def reader(self, file: FileContext) -> CalloutReader:
        return CalloutReader(file)


class CalloutReader:
    def __init__(self, file: FileContext) -> None:
        self.file = file
        self.until = 0
        """The last line of the card callout being read: every block up to it is its."""

    def read(self, block: Block) -> Sequence[Concept] | None:
        if block.line <= self.until:
            return ()
        head = callout_at(self.file, block)
        if head is None or head.kind.casefold() not in CARD_TYPES:
            return None
        self.until = head.end
        found = self._card(head)
        return (found,) if found is not None else ()

    def boundary(self, block: Block) -> Sequence[Concept]:
        return ()

    def finish(self) -> Sequence[Concept]:
        return ()

    def _card(self, head: CalloutHead) -> Concept | None:
        file = self.file
        kind = head.kind.casefold()
        lines = (
            unquote(file.line_text(i), head.depth)[1] for i in range(head.line + 1, head.end + 1)
        )
        body, body_id = take_block_id("\n".join(lines).strip("\n"))
        # `%%12345%%`: an Obsidian comment (AnkiLink keeps its note id there), never shown.
        title, title_id = take_block_id(_COMMENT.sub("", head.title).strip())
        column = file.column(head.line, title or f"[!{head.kind}]")
        pair = split_pair(body) if kind == "flashcard" or not title else None
        if pair is not None and pair.answer is not None:
            front, back = pair.question, pair.answer
        else:
            front, back = _front(title, body, flashcard=kind == "flashcard")
        term_md = " ".join(front.split())
        term = plain_text(term_md)
        if not term or not back.strip():
            file.warn(
                CALLOUT_EMPTY,
                head.line,
                f"callout [!{head.kind}] has no body under {term!r}: write the definition on "
                "the `>` lines under its title (no card until then)"
                if term
                else f"callout [!{head.kind}] has no term: write it after `[!{head.kind}]` on "
                "the callout's first line (no card until then)",
                column,
            )
            return None
        definition, details = back_fields(back)
        return file.concept(
            term, term_md, definition, (), head.line, column, title_id or body_id, details
        )


def _front(title: str, body: str, *, flashcard: bool) -> tuple[str, str]:
    """(front, back) of a card callout that holds no ``Q:`` / ``A:`` pair."""
    m = _LABEL.match(title)
    name = title[m.end() :].strip() if m is not None else title
    if name.startswith("(") and name.endswith(")") and name.count("(") == 1:
        name = name[1:-1].strip()
    name = name.rstrip(":\uff1a").strip()
    if name or (title and m is None):
        return name, body
    lead = _LEAD_TERM.match(body.lstrip())
    if lead is not None and not lead.group("term").strip().endswith(("*", "_")):
        return lead.group("term").strip(), lead.group("rest")
    first, rest = split_back(body)
    bold = first_bold(first)
    theorem = m is not None and re.fullmatch(_THEOREM_WORD, m.group("word"), re.IGNORECASE)
    if bold is not None and not theorem and not flashcard:
        return bold, body
    if m is not None and m.group("number"):
        return title.rstrip(":\uff1a").strip(), body  # `Teorema 6.8`: a name of sorts
    return (first, rest) if flashcard and not title else ("", body)


def first_bold(text: str) -> str | None:
    """The first ``**bold**`` (or ``__bold__``) words of ``text``: an opener before a
    non-space, then the nearest same closer after a non-space, on one line. One pass: a
    regex tries every opener to the end of its line (``**a **a **a ...`` took seconds)."""
    for line in text.split("\n"):
        closes = {
            d: [e for e in _find_all(line, d) if e and not line[e - 1].isspace()]
            for d in ("**", "__")
        }
        for s in _openers(line):
            ends = closes[line[s : s + 2]]
            if ends and ends[-1] >= s + 3:
                return line[s + 2 : next(e for e in ends if e >= s + 3)]
    return None


def _find_all(line: str, delimiter: str) -> list[int]:
    """Every index where ``delimiter`` starts, overlaps too (``***`` holds ``**`` twice)."""
    found, i = [], line.find(delimiter)
    while i >= 0:
        found.append(i)
        i = line.find(delimiter, i + 1)
    return found


def _openers(line: str) -> list[int]:
    """Where a bold could open: a delimiter before a non-space, in order."""
    starts = sorted(_find_all(line, "**") + _find_all(line, "__"))
    return [s for s in starts if s + 2 < len(line) and not line[s + 2].isspace()]
