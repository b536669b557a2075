"""Edits made in Anki, written back into the Markdown line they came from (``dea2anki
pull``). Pure: text in, text out.

Only the concept's own text changes: the term, the definition or the tag list as written on
its line, each replaced where it stands. Everything else in the file keeps its bytes. What
cannot be placed that way (a definition over several lines, a tag given by the frontmatter)
is said, and left alone; the caller parses the result again and keeps an edit only when the
concept then reads as Anki has it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from markdownify import markdownify

from ..records import Concept


def to_markdown(field_html: str) -> str:
    """A field's HTML as one line of Markdown, as the notes write it."""
    text = markdownify(
        field_html,
        heading_style="ATX",
        bullets="-",
        escape_underscores=False,
        escape_misc=False,
    )
    text = text.replace("\xa0", " ")
    # A line break inside a field stays one (a concept is one line of Markdown).
    text = re.sub(r" *\n+ *", "<br>", text.strip())
    return " ".join(text.split(" ")).strip()


class Change(NamedTuple):
    """What Anki says a concept now is (None: unchanged)."""

    term: str | None = None
    definition: str | None = None
    tags: Sequence[str] | None = None
    """The concept's own tags as they should be written."""


class Edited(NamedTuple):
    lines: list[str]
    problems: tuple[str, ...]
    """What could not be written back, and why."""


def edit_concept(lines: list[str], concept: Concept, change: Change, *, end: int) -> Edited:
    """``lines`` (the file's, without line ends) with ``change`` made to ``concept``, whose
    text lies between its line and ``end`` (1-based, exclusive: the next concept's line)."""
    out = list(lines)
    problems: list[str] = []
    first = concept.line - 1
    start = max((concept.column or 1) - 1, 0)
    after = start  # where the definition may begin: past the term
    if change.term is not None:
        at = out[first].find(concept.term_md, start)
        if at < 0:
            problems.append("the term is not written on one line as it reads")
        else:
            line = out[first]
            out[first] = line[:at] + change.term + line[at + len(concept.term_md) :]
            after = at + len(change.term)
    else:
        found = out[first].find(concept.term_md, start)
        after = found + len(concept.term_md) if found >= 0 else start
    if change.definition is not None:
        placed = False
        for i in range(first, max(end - 1, first + 1)):
            if i >= len(out):
                break
            from_col = after if i == first else 0
            at = out[i].find(concept.definition, from_col) if concept.definition else -1
            if at >= 0:
                line = out[i]
                out[i] = line[:at] + change.definition + line[at + len(concept.definition) :]
                placed = True
                break
        if not placed:
            problems.append("the definition is not written on one line as it reads")
    if change.tags is not None and not _retag(out, first, concept, change.tags):
        problems.append("the tags are not a ` ; ` list at the end of the concept's line")
    return Edited(out, tuple(problems))


def _retag(lines: list[str], i: int, concept: Concept, tags: Sequence[str]) -> bool:
    """The tag list at the end of line ``i`` made ``tags``: the tags kept as they are
    written there, the new ones added at its end."""
    line = lines[i]
    colon = line.rfind(":")
    if colon < 0 or not tags:
        return False
    written = [t.strip() for t in line[colon + 1 :].split(";") if t.strip()]
    if [t.replace(" ", "_") for t in written] != list(concept.tags):
        return False
    wanted = {t.casefold() for t in tags}
    kept = [t for t in written if t.replace(" ", "_").casefold() in wanted]
    have = {t.replace(" ", "_").casefold() for t in kept}
    lines[i] = (
        line[: colon + 1] + " " + " ; ".join(kept + [t for t in tags if t.casefold() not in have])
    )
    return True
