"""The ``concept`` syntax: the seed's grammar (the README's "Concepts", and docs/syntaxes.md).

A paragraph that is just ``**_Concept_**`` opens a block that runs to the next ``---`` or
heading; so does a heading that is just ``Concept``/``Concepts``, which then runs to the next
``---`` or heading of its level or above, and makes no deck. In a block every list item is a
concept (``**Term** : definition : Tag ; Tag``), and so is every line of a paragraph that
starts with a bold term and a separator colon. Anywhere else, a list item is a concept when
it ends in a tag list joined by `` ; ``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from ..diagnostics import CONCEPT_NO_SEPARATOR, EMPTY_TERM, UNBALANCED_BOLD
from ..naming import split_tags, take_block_id
from ..records import Concept
from ..render.text import plain_text
from .blocks import HEADING, ITEM, Block, FileContext, first_text_line
from .concept_line import Parts, mask_code_spans, plain_concept, split_concept_text

_BLOCK_MARKER = re.compile(r"^(?=[*_]+)[*_]+\s*concepts?\s*:?\s*[*_]+\s*:?$", re.IGNORECASE)
# A heading needs no emphasis to be one: `## Concepts`, `### _Concept_:`, `## **Concepts:**`.
_HEADING_MARKER = re.compile(r"^[*_]*\s*concepts?\s*:?\s*[*_]*\s*:?$", re.IGNORECASE)
# `**Term** - definition`: the glossary syntax's separator, not ours.
_DASH_AFTER_BOLD = re.compile(r"^(\*\*|__).+?\1\s*[-\u2013\u2014]\s")
# A paragraph line that is one bold span (`**Streaming**`, a hard break after it allowed):
# a heading-like label over the lines below it, never part of a definition.
_BOLD_LABEL = re.compile(r"(\*\*|__)(?:(?!\1).)+\1\s*\\?")
# A line that continues a concept's paragraph but belongs below its definition: display
# maths or an image / Obsidian embed (see _split_body).
_BODY_STARTS = ("$$", "![")


class ConceptSyntax:
    name = "concept"
    example = "`- **Term** : definition : Tag ;`"

    def reader(self, file: FileContext) -> ConceptReader:
        return ConceptReader(file)


class ConceptReader:
    def __init__(self, file: FileContext) -> None:
        self.file = file
        self.in_block = False
        # The level of the heading that opened the block (deeper headings stay in it), or 0
        # for a block a paragraph opened (any heading ends it).
        self._opener_level = 0
        self._tag_lists: dict[str | None, tuple[str, ...]] = {}

    def read(self, block: Block) -> Sequence[Concept] | None:
        if block.kind == ITEM:
            found = self._concept(
                block.text, block.line, self.in_block and not block.quoted, block.details
            )
            return (found,) if found is not None else None
        # Only a paragraph of the file itself opens a block or holds concepts, never one in a
        # list or quote.
        if block.level or block.quoted:
            return None
        text = block.text
        if _BLOCK_MARKER.match(text.strip()):
            self.in_block = True
            return ()
        if self.in_block and ("**" in text or "__" in text):
            return self._paragraph(block) or None
        return None

    def boundary(self, block: Block) -> Sequence[Concept]:
        if block.kind == HEADING:
            if _HEADING_MARKER.match(block.text.strip()):
                # Like the paragraph, it makes no deck and no Context entry; as a heading it
                # still ends the sections it follows at its level, once every reader has
                # heard it (a card another syntax was collecting above it keeps its deck).
                self.file.take_heading(block.level)
                # Inside a heading block a deeper `### Concepts` leaves the block as it was;
                # one of the opener's level or above opens a new block at its own level.
                if not (self.in_block and 0 < self._opener_level < block.level):
                    self._opener_level = block.level
                self.in_block = True
                return ()
            if self.in_block and 0 < self._opener_level < block.level:
                return ()  # a subsection of a `## Concepts` heading is part of its block
        self.in_block = False
        self._opener_level = 0
        return ()

    def finish(self) -> Sequence[Concept]:
        return ()

    def _tags(self, tag_list: str | None) -> tuple[str, ...]:
        # Concepts mostly repeat one tag list: they share one tuple (memory, cache size).
        tags = self._tag_lists.get(tag_list)
        if tags is None:
            tags = self._tag_lists[tag_list] = split_tags(tag_list)
        return tags

    def _paragraph(self, block: Block) -> list[Concept]:
        """A paragraph in a block: each line that starts with a bold term and a separator
        starts a concept; the lines after it continue it (as the lines of a list item's
        paragraph do) up to the next such line, a bold label line (``**Streaming**``) or a
        glossary line (``**Term** - definition``). Lines before the first and after a label
        or glossary line are prose."""
        lines = block.text.rstrip("\n").split("\n")
        starts: list[int] = []
        ends: list[int] = []
        for i, line in enumerate(lines):
            stripped = line.strip()
            if not stripped.startswith(("**", "__")):
                continue
            if split_concept_text(stripped, bold_term=True) is not None:
                starts.append(i)
                ends.append(i)
            elif _BOLD_LABEL.fullmatch(stripped) or _DASH_AFTER_BOLD.match(stripped):
                ends.append(i)
        ends.append(len(lines))
        found = []
        n = 0
        for start in starts:
            while ends[n] <= start:
                n += 1
            text = "\n".join(lines[start : ends[n]])
            concept = self._concept(text, block.line + start, True, "", bold_term=True)
            if concept is not None:
                found.append(concept)
        return found

    def _concept(
        self, text: str, line: int, in_block: bool, details: str, *, bold_term: bool = False
    ) -> Concept | None:
        file = self.file
        column = file.column(line, text)
        plain = plain_concept(text, in_block)
        if plain is not None:
            term, definition, written_tags = plain
            tags = self._tags(written_tags)
            return file.concept(term, term, definition, tags, line, column, None, details)
        text, block_id = take_block_id(text)
        parts = split_concept_text(text, in_block=in_block, bold_term=bold_term)
        body = ""
        if (parts is None or parts.tags is None) and "\n" in text.strip():
            split = _split_body(text, in_block, bold_term)
            if split is not None:
                text, parts, body = split.head, split.parts, split.body
                block_id = block_id or split.block_id
        if parts is None:
            first = first_text_line(text)[1]
            # `**Term** - definition` is the glossary syntax's line: a later syntax may read
            # it, and `check` says once per file which syntax would.
            if (
                in_block
                and not bold_term
                and first.startswith(("**", "__"))
                and not _DASH_AFTER_BOLD.match(first)
            ):
                file.warn(
                    CONCEPT_NO_SEPARATOR,
                    line,
                    "list item in a concept block has no ':' after the term: "
                    f"{first[:60]!r}; write '**Term** : definition'",
                    column,
                )
            return None
        if not in_block and parts.tags is None:
            return None
        term = plain_text(parts.term_md)
        if not term:
            if in_block or parts.term_md:
                file.warn(EMPTY_TERM, line, "concept has no term before the ':'", column)
            return None
        if mask_code_spans(text).count("**") % 2:
            file.warn(
                UNBALANCED_BOLD,
                line,
                f"concept {term!r} has an unpaired '**'; check the term and definition",
                column,
            )
        term_md = " ".join(parts.term_md.split())
        definition = " ".join(parts.definition.split())
        if body:
            if definition:
                details = f"{body}\n\n{details}" if details else body
            else:
                # `**Term** :: Tag ; Tag` over a formula or a picture: that is its definition.
                definition = " ".join(body.split())
        tags = self._tags(parts.tags)
        return file.concept(term, term_md, definition, tags, line, column, block_id, details)


class _Body(NamedTuple):
    """A concept line and the display maths or embed written right under it."""

    head: str
    """The concept line (or lines) above the maths or embed, without its block id."""
    parts: Parts
    """The head read as a concept: it has a tag list."""
    body: str
    """The rest of the text, from the maths or embed on."""
    block_id: str | None
    """The block id that ended the head, without its '^'."""


def _split_body(text: str, in_block: bool, bold_term: bool) -> _Body | None:
    """A tagged concept line followed, with no blank line, by display maths or an embed:
    Markdown makes them one paragraph, whose end then reads as no tag list. Its parts when
    the lines before the maths or embed are a concept with a tag list; else None."""
    lines = text.strip().split("\n")
    for k in range(1, len(lines)):
        if lines[k].lstrip().startswith(_BODY_STARTS):
            break
    else:
        return None
    head, head_id = take_block_id("\n".join(lines[:k]))
    parts = split_concept_text(head, in_block=in_block, bold_term=bold_term)
    if parts is None or parts.tags is None:
        return None
    body = "\n".join(line.strip() for line in lines[k:])
    return _Body(head, parts, body, head_id)
