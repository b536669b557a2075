"""The ``concept`` syntax: the seed's grammar (see the README, "Concepts").

A paragraph that is just ``**_Concept_**`` opens a block that runs to the next ``---`` or
heading; every list item in it is a concept (``**Term** : definition : Tag ; Tag``).
Anywhere else, a list item is a concept when it ends in a tag list joined by `` ; ``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..diagnostics import CONCEPT_NO_SEPARATOR, EMPTY_TERM, UNBALANCED_BOLD
from ..naming import BLOCK_ID, split_tags
from ..records import Concept
from ..render.text import plain_text
from .blocks import BREAK, HEADING, ITEM, PARAGRAPH, Block, FileContext, first_text_line
from .concept_line import mask_code_spans, plain_concept, split_concept_text

_BLOCK_MARKER = re.compile(r"^(?=[*_]+)[*_]+\s*concepts?\s*:?\s*[*_]+\s*:?$", re.IGNORECASE)
_BLOCK_ID = re.compile(rf"\s({BLOCK_ID})\s*$")


class ConceptSyntax:
    name = "concept"

    def reader(self, file: FileContext) -> ConceptReader:
        return ConceptReader(file)


class ConceptReader:
    def __init__(self, file: FileContext) -> None:
        self.file = file
        self.in_block = False
        self._tag_lists: dict[str | None, tuple[str, ...]] = {}

    def read(self, block: Block) -> Sequence[Concept]:
        kind = block.kind
        if kind == ITEM:
            found = self._concept(
                block.text, block.line, self.in_block and not block.quoted, block.details
            )
            return (found,) if found is not None else ()
        if kind == PARAGRAPH:
            # Only a paragraph of the file itself opens a block, never one in a list or quote.
            if block.level == 0 and not block.quoted and _BLOCK_MARKER.match(block.text.strip()):
                self.in_block = True
        elif kind in (HEADING, BREAK):
            self.in_block = False
        return ()

    def _tags(self, tag_list: str | None) -> tuple[str, ...]:
        # Concepts mostly repeat one tag list: they share one tuple (memory, cache size).
        tags = self._tag_lists.get(tag_list)
        if tags is None:
            tags = self._tag_lists[tag_list] = split_tags(tag_list)
        return tags

    def _concept(self, text: str, line: int, in_block: bool, details: str) -> Concept | None:
        file = self.file
        column = file.column(line, text)
        plain = plain_concept(text, in_block)
        if plain is not None:
            term, definition, written_tags = plain
            tags = self._tags(written_tags)
            return file.concept(term, term, definition, tags, line, column, None, details)
        block_id = None
        m = _BLOCK_ID.search(text)
        if m:
            block_id = m.group(1)[1:]
            text = text[: m.start()]
        parts = split_concept_text(text, in_block=in_block)
        if parts is None:
            if in_block and text.lstrip().startswith(("**", "__")):
                file.warn(
                    CONCEPT_NO_SEPARATOR,
                    line,
                    "list item in a concept block has no ':' after the term: "
                    f"{first_text_line(text)[1][:60]!r}",
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
        tags = self._tags(parts.tags)
        return file.concept(term, term_md, definition, tags, line, column, block_id, details)
