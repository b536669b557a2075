"""The ``cloze`` syntax: Anki's own ``{{c1::text}}`` / ``{{c1::text::hint}}`` markers.

A paragraph or list item that holds a cloze marker is one note of the cloze note type, with
one card per cloze number (Anki decides the cards from the numbers). The paragraph, or the
item's first paragraph, is the Text; the rest of a list item is shown on the back. Identity
is the text with its markers removed, so re-numbering or re-hinting a cloze keeps the note.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..diagnostics import CLOZE_NO_CARD, EMPTY_TERM, Code
from ..naming import take_block_id
from ..records import Concept
from ..render.text import plain_text
from .blocks import Block, FileContext, first_text_line
from .cloze_marks import OPENER, filled, numbers
from .concept_line import mask_code_spans

# Stands for a brace inside a code span while the gaps are read (a code span shows a marker
# as text: `{{c1::` in a note about Anki itself), and is put back after.
_HIDDEN_BRACE = "\x01"


def has_cloze(text: str) -> bool:
    """A cloze marker outside code spans (whether or not it closes)."""
    return "{{c" in text and OPENER.search(mask_code_spans(text)) is not None


def without_markers(text: str) -> str | None:
    """``text`` with every cloze marker outside code spans replaced by its answer; None when
    one never closes."""
    out = filled(_hide_code_braces(text))
    return out.replace(_HIDDEN_BRACE, "{") if out is not None else None


def _hide_code_braces(text: str) -> str:
    if "`" not in text:
        return text
    masked = mask_code_spans(text)
    return "".join(
        _HIDDEN_BRACE if c == "{" and m == "\0" else c for c, m in zip(text, masked, strict=True)
    )


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
        text, block_id = take_block_id(text)
        column = file.column(block.line, text)
        answers = without_markers(text)
        if answers is None:
            self._warn(CLOZE_NO_CARD, block, "a cloze '{{c1::' is never closed with '}}'", text)
            return ()
        term = plain_text(answers)
        if not term:
            self._warn(EMPTY_TERM, block, "a cloze paragraph with no text", text)
            return ()
        if not any(n > 0 for n in numbers(_hide_code_braces(text))):
            self._warn(CLOZE_NO_CARD, block, "cloze numbers start at 1 ('{{c1::')", text)
            return ()
        return (
            file.concept(
                term, text, "", (), block.line, column, block_id, block.details, cloze=True
            ),
        )

    def _warn(self, code: Code, block: Block, problem: str, text: str) -> None:
        self.file.warn(
            code,
            block.line,
            f"{problem}; this paragraph makes no card: {first_text_line(text)[1][:60]!r}",
            self.file.column(block.line, text),
        )

    def boundary(self, block: Block) -> Sequence[Concept]:
        return ()

    def finish(self) -> Sequence[Concept]:
        return ()
