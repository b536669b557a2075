"""Anki's cloze markers, ``{{c1::answer}}`` and ``{{c1::answer::hint}}``, read as Anki reads
them. Pure.

One grammar for every use: the text with its gaps filled (a cloze note's identity), the
numbers a note has (its cards) and a card as Anki shows it (the preview). Markers nest (Anki
23.10 and later: ``{{c1::a {{c2::b}} c}}``). One pass over the text, whatever it holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

OPENER = re.compile(r"\{\{c(\d+)::")
_TOKEN = re.compile(r"\{\{c(\d+)::|\}\}|::")


class Gap(NamedTuple):
    number: int
    answer: str
    """What the gap hides (with any gaps inside it already filled)."""
    hint: str | None


@dataclass
class _Open:
    number: int
    answer: list[str] = field(default_factory=list)
    hint: list[str] | None = None


def fill(text: str, gap: Callable[[Gap], str]) -> str | None:
    """``text`` with every gap replaced by ``gap(Gap)``, innermost first; None when a marker
    never closes. A ``}}`` or ``::`` outside any gap is text."""
    out: list[str] = []
    stack: list[_Open] = []

    def sink() -> list[str]:
        if not stack:
            return out
        top = stack[-1]
        return top.hint if top.hint is not None else top.answer

    pos = 0
    for m in _TOKEN.finditer(text):
        sink().append(text[pos : m.start()])
        pos = m.end()
        number, token = m.group(1), m.group(0)
        if number is not None:
            stack.append(_Open(int(number)))
        elif token == "::" and stack and stack[-1].hint is None:
            stack[-1].hint = []
        elif token == "}}" and stack:
            g = stack.pop()
            hint = "".join(g.hint) if g.hint is not None else None
            sink().append(gap(Gap(g.number, "".join(g.answer), hint)))
        else:
            sink().append(token)
    sink().append(text[pos:])
    return None if stack else "".join(out)


def filled(text: str) -> str | None:
    """``text`` as a learner reads it once every gap is filled; None when one never closes."""
    return fill(text, _answer)


def numbers(text: str) -> list[int]:
    """The cloze numbers of the gaps that close, ascending: Anki makes a card for each one
    above 0."""
    found: set[int] = set()

    def note(g: Gap) -> str:
        found.add(g.number)
        return g.answer

    fill(text, note)
    return sorted(found)


def _answer(g: Gap) -> str:
    return g.answer
