"""The ``cloze`` syntax: Anki's own ``{{c1::text}}`` / ``{{c1::text::hint}}`` markers.

A paragraph or list item that holds a cloze marker is one note of the cloze note type, with
one card per cloze number (Anki decides the cards from the numbers). The paragraph, or the
item's first paragraph, is the Text; the rest of a list item is shown on the back. Identity
is the text with its markers removed, so re-numbering or re-hinting a cloze keeps the note.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..diagnostics import CLOZE_UNCLOSED
from ..naming import BLOCK_ID
from ..records import Concept
from ..render.text import plain_text
from .blocks import Block, FileContext, first_text_line
from .concept_line import mask_code_spans

_BLOCK_ID = re.compile(rf"\s({BLOCK_ID})\s*$")
_OPEN = re.compile(r"\{\{c\d+::")
# The innermost marker first: Anki 23.10+ nests clozes, `{{c1::a {{c2::b}} c}}`.
_INNERMOST = re.compile(r"\{\{c\d+::((?:(?!\{\{c\d+::|\}\}).)*?)(?:::(?:(?!\}\}).)*?)?\}\}", re.S)


def has_cloze(text: str) -> bool:
    """A cloze marker outside code spans (whether or not it closes)."""
    return "{{c" in text and _OPEN.search(mask_code_spans(text)) is not None


def without_markers(text: str) -> str | None:
    """``text`` with every cloze marker replaced by its answer; None when one never closes."""
    while True:
        text, n = _INNERMOST.subn(r"\1", text)
        if not n:
            break
    return None if _OPEN.search(text) else text


class ClozeSyntax:
    name = "cloze"
    example = "`{{c1::text}}`"

    def reader(self, file: FileContext) -> ClozeReader:
        return ClozeReader(file)


class ClozeReader:
    def __init__(self, file: FileContext) -> None:
        self.file = file

    def read(self, block: Block) -> Sequence[Concept] | None:
        text = block.text.strip()
        if not has_cloze(text):
            return None
        file = self.file
        block_id = None
        m = _BLOCK_ID.search(text)
        if m:
            block_id, text = m.group(1)[1:], text[: m.start()].rstrip()
        masked = mask_code_spans(text)
        plain = without_markers(masked)
        column = file.column(block.line, text)
        if plain is None:
            file.warn(
                CLOZE_UNCLOSED,
                block.line,
                "a cloze '{{c1::' is never closed with '}}'; this paragraph makes no card: "
                f"{first_text_line(text)[1][:60]!r}",
                column,
            )
            return ()
        # The identity is the text a learner reads once every gap is filled; code spans
        # were masked only to find the markers, so take the answers from the real text.
        term = plain_text(without_markers(text) or plain)
        return (
            file.concept(
                term, text, "", (), block.line, column, block_id, block.details, cloze=True
            ),
        )

    def boundary(self, block: Block) -> Sequence[Concept]:
        return ()

    def finish(self) -> Sequence[Concept]:
        return ()
