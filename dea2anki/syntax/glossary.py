"""The ``glossary`` syntax: bold terms and term tables (grammar in docs/syntaxes.md,
"glossary").

Off unless named: ordinary prose has bold words. It reads what no other syntax claimed:

- a list item that starts with a bold term and a separator (``- **Term**: def``,
  ``- **Term:** def``, ``- **Term**:: def``, ``1. **Term** - def``, en and em dashes too)
  and has no tag list (that is the ``concept`` syntax's line); the rest of the item is the
  card's details, or its definition when the line has none (``- **Term**`` or
  ``- **Term**:``, sub-bullets below);
- the lines of a paragraph that start that way (one card per line; a line that does not
  start with a bold term continues the definition above it), or a line that is only a bold
  term with its definition on the lines below (``**Term**`` then the text);
- a Markdown table whose first column holds the terms: its header cell is a word such as
  Term or 용어, or every first cell below the header is bold. The other columns make the
  definition: one column its text, several ``Header: value`` parts joined by ``; ``.

A bold word that labels a remark (``**Note**:``, ``**참고**:``, see ``LABELS``) is not a term.
Tables arrive as paragraphs (the block parser has no table plugin), so they are read from
the paragraph's text, one row per line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from ..naming import take_block_id
from ..records import Concept
from ..render.text import plain_text
from .blocks import ITEM, PARAGRAPH, Block, FileContext
from .concept_line import split_concept_text

# `**Term**: def`, `**Term** - def`, the same with an en or em dash (the separator after
# the bold), or `**Term:** def` (the colon inside it). A hyphen needs spaces around
# it: `**X**-based` is a word, not a definition. `**Term**:: def` (the spaced-repetition
# plugin's card, `:::` its reversed one) has one separator, as the concept syntax reads
# it, not a colon at the start of the definition.
_TERM = r"(\*\*|__)(?=\S)(?P<term>(?:(?!\1).)+?)"  # the term never contains its own marker
_AFTER_BOLD = re.compile(
    rf"{_TERM}(?<=\S)\1(?:\s*:{{1,3}}|\s+-(?=\s)|\s*[\u2013\u2014])\s*(?P<definition>.*)",
    re.DOTALL,
)
_INSIDE_BOLD = re.compile(rf"{_TERM}\s*:\1\s*(?P<definition>.*)", re.DOTALL)
# A paragraph line that is only a bold term (`**Term**`, `**Term:**`, a hard break after it):
# the definition is on the lines below.
_BOLD_ALONE = re.compile(rf"{_TERM}(?<=\S)\1\s*(?::{{1,3}}\s*)?\\?")

# A GFM table's delimiter row: cells of dashes with optional alignment colons.
# Read on a stripped row; one blank run between parts, so a long row fails in linear time.
_DELIMITER_ROW = re.compile(r"\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_BOLD_CELL = re.compile(r"(\*\*|__)(?=\S)((?:(?!\1).)+?)(?<=\S)\1")
TERM_HEADERS = frozenset(
    {
        "term",
        "terms",
        "word",
        "words",
        "concept",
        "concepts",
        "keyword",
        "keywords",
        "vocabulary",
        "glossary",
        "abbreviation",
        "abbreviations",
        "acronym",
        "acronyms",
        "용어",
        "단어",
        "개념",
        "키워드",
        "약어",
    }
)
"""First header cells (plain text, case-folded, a trailing ':' dropped) of a term table."""
LABELS = frozenset(
    {
        "note",
        "notes",
        "definition",
        "description",
        "summary",
        "pros",
        "cons",
        "tip",
        "tips",
        "hint",
        "warning",
        "caution",
        "important",
        "example",
        "info",
        "todo",
        "참고",
        "주의",
        "팁",
        "경고",
        "중요",
        "예",
        "예시",
        "정의",
        "설명",
        "특징",
        "주요 특징",
        "장점",
        "단점",
        "요약",
        "결론",
        "비고",
    }
)
"""Bold words that label a remark or a part of a note (``**Note**: ...``, ``**참고**: ...``,
``**정의**: ...``), not a term."""


class _BoldLine(NamedTuple):
    """A paragraph line that starts with a bold term, while its paragraph is read."""

    term_md: str
    definition: list[str]
    """The definition's parts: the text after the term, then each line below it that
    does not start a card of its own."""
    line: int
    source: str
    """The line as written (stripped): where the card's column points."""


class GlossarySyntax:
    name = "glossary"
    example = "`- **Term**: definition`"

    def reader(self, file: FileContext) -> GlossaryReader:
        return GlossaryReader(file)


class GlossaryReader:
    def __init__(self, file: FileContext) -> None:
        self.file = file

    def read(self, block: Block) -> Sequence[Concept] | None:
        if block.kind == ITEM:
            found = self._item(block)
            return (found,) if found is not None else None
        if block.kind == PARAGRAPH:
            concepts = self._paragraph(block)
            return concepts or None
        return None

    def boundary(self, block: Block) -> Sequence[Concept]:
        return ()

    def finish(self) -> Sequence[Concept]:
        return ()

    # --- list items ----------------------------------------------------------------------

    def _item(self, block: Block) -> Concept | None:
        text = block.text.strip()
        if not text.startswith(("**", "__")):
            return None
        text, block_id = take_block_id(text)
        parts = _bold_term(text)
        if parts is None:
            # `- **Term**` alone, its definition in the sub-bullets under it.
            m = _BOLD_ALONE.fullmatch(text)
            if m is None or not block.details or not _is_term(m.group("term")):
                return None
            parts = (m.group("term").strip(), "")
        tagged = split_concept_text(text, in_block=False)
        if tagged is not None and tagged.tags is not None:
            return None  # `**Term** : def : Tag ; Tag` is a concept line, not a glossary's
        term_md, definition = parts
        definition = " ".join(definition.split())
        details = block.details
        if not definition and details:
            # `- **Term**:` with the definition in sub-bullets under it.
            definition, details = details, ""
        return self._concept(term_md, definition, block.line, text, block_id, details)

    # --- paragraphs: bold-term lines and tables ------------------------------------------

    def _paragraph(self, block: Block) -> list[Concept]:
        # The paragraph's `^block-id` (at the end of its last line, or alone on a line
        # after it) is never text; it names the last card, the line it is written on.
        text, block_id = take_block_id(block.text.rstrip("\n"))
        lines = text.split("\n")
        table_at = _table_start(lines)
        prose = lines if table_at is None else lines[:table_at]
        concepts = self._bold_lines(prose, block.line)
        if table_at is not None:
            concepts.extend(self._table(lines[table_at:], block.line + table_at))
        if block_id is not None and concepts:
            concepts[-1] = concepts[-1]._replace(block_id=block_id)
        return concepts

    def _bold_lines(self, lines: list[str], first_line: int) -> list[Concept]:
        cards: list[_BoldLine] = []
        for i, raw in enumerate(lines):
            line = raw.strip()
            parts = None
            if line.startswith(("**", "__")):
                parts = _bold_term(line)
                if parts is None:
                    m = _BOLD_ALONE.fullmatch(line)
                    if m and _is_term(m.group("term")):
                        parts = (m.group("term").strip(), "")
            if parts is not None:
                cards.append(_BoldLine(parts[0], [parts[1]], first_line + i, line))
            elif cards and line:
                cards[-1].definition.append(line)  # the definition goes on below the term line
        return [
            self._concept(card.term_md, " ".join(card.definition).strip(), card.line, card.source)
            for card in cards
            if any(card.definition)  # a bold line with nothing after it is emphasis, not a card
        ]

    def _table(self, lines: list[str], first_line: int) -> list[Concept]:
        header = _cells(lines[0])
        rows = [(first_line + 2 + i, _cells(line)) for i, line in enumerate(lines[2:])]
        rows = [(n, cells) for n, cells in rows if any(cells)]
        by_header = _header_word(header[0]) in TERM_HEADERS
        if not by_header and not all(_BOLD_CELL.fullmatch(c[0]) for _, c in rows if c[0]):
            return []
        concepts = []
        for line, cells in rows:
            term_cell = cells[0]
            if not term_cell:
                continue
            definition = _row_definition(header, cells)
            concepts.append(self._concept(_unbold(term_cell), definition, line, term_cell))
        return concepts

    # --- the card ------------------------------------------------------------------------

    def _concept(
        self,
        term_md: str,
        definition: str,
        line: int,
        source: str,
        block_id: str | None = None,
        details: str = "",
    ) -> Concept:
        file = self.file
        term_md = " ".join(term_md.split())
        if "\n" not in definition:
            definition = " ".join(definition.split())
        term = plain_text(term_md)
        column = file.column(line, source)
        return file.concept(term, term_md, definition.strip(), (), line, column, block_id, details)


def _bold_term(text: str) -> tuple[str, str] | None:
    """(term Markdown, definition) of a line that starts with a bold term and a separator."""
    m = _INSIDE_BOLD.fullmatch(text) or _AFTER_BOLD.fullmatch(text)
    if m is None:
        return None
    term_md = m.group("term").strip()
    if not _is_term(term_md):
        return None
    return term_md, m.group("definition").strip()


def _is_term(term_md: str) -> bool:
    plain = plain_text(term_md).rstrip(":").strip()
    return bool(plain) and plain.casefold() not in LABELS


def _table_start(lines: list[str]) -> int | None:
    """Index of a table's header row in a paragraph's lines (the row above the first
    delimiter row with as many cells), else None."""
    for i in range(1, len(lines)):
        if "-" in lines[i] and _DELIMITER_ROW.fullmatch(lines[i].strip()):
            head, delimiter = lines[i - 1], lines[i]
            if "|" in head + delimiter and len(_cells(head)) == len(_cells(delimiter)):
                return i - 1
    return None


def _cells(row: str) -> list[str]:
    row = row.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    return [cell.strip().replace("\\|", "|") for cell in _CELL_SPLIT.split(row)]


def _header_word(cell: str) -> str:
    return plain_text(cell).strip().rstrip(":").strip().casefold()


def _unbold(cell: str) -> str:
    m = _BOLD_CELL.fullmatch(cell)
    return m.group(2).strip() if m else cell


def _row_definition(header: list[str], cells: list[str]) -> str:
    """One other column: its text. Several: ``Header: value`` for each non-empty one."""
    others = [
        (header[i] if i < len(header) else "", cells[i])
        for i in range(1, min(len(cells), max(len(header), 2)))
    ]
    if len(header) <= 2:
        return others[0][1] if others else ""
    return "; ".join(f"{name}: {value}" if name else value for name, value in others if value)
