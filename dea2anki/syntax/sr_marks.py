"""The text of ``sr`` cards: what in a line is never card syntax, the plugin's scheduling
comments, and its ``==highlight==`` clozes. Pure.

Each function reads its text once, in linear time: a line of thousands of unclosed
``<!--``, ``{{c1::`` or ``==`` openers is text, not a stall (the lazy regexes these replace
looked for the end again after every opener).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ..render.text import plain_text
from .concept_line import mask_code_spans

SR_COMMENT = "<!--SR:"
"""How the plugin's scheduling comments start (``<!--SR:!2024-05-22,4,270-->``)."""
_COMMENT_END = "-->"

_MATHS = r"\$\$.+?\$\$|\$(?![\s$])[^$\n]+?\$(?!\d)"
# An opener's end is looked for by `masked`, on the opener's line.
_OPENER = r"(?P<open><!--|\{\{c\d+::)"
NOT_SEPARATOR = re.compile(rf"{_OPENER}|\b[A-Za-z][\w+.-]{{0,31}}://[^\s<>()]+|{_MATHS}")
"""Never a separator: ``::`` inside an HTML comment, an Anki cloze marker, a URL or maths
(code spans too, see ``masked``). The plugin itself only skips code spans."""
NOT_CLOZE = re.compile(rf"{_OPENER}|{_MATHS}")
"""Never a highlight cloze: ``==`` inside a comment, an Anki cloze marker or maths."""

# The plugin's default cloze pattern "==[123;;]answer[;;hint]==", as clozecraft reads it:
# numbered ("classic") deletions first, then overlapping ones (`==ash;;x==`), then simple.
# Here the part up to the answer; `highlights` finds the rest.
_CLASSIC = re.compile(r"==(\d+);;")
_OVERLAPPING = re.compile(r"==([ash]+);;")
_SIMPLE = re.compile(r"==()")


def masked(text: str, pattern: re.Pattern[str]) -> str:
    """``text`` with its code spans and what ``pattern`` finds blanked out (same length): a
    match, or from an opener (``<!--``, ``{{c1::``) to the first end after it on its line;
    an opener with no end is text."""
    text = mask_code_spans(text)
    out: list[str] = []
    pos = 0
    line_end = -1
    # An end not on a line is not after any later opener of that line either: looking for
    # it again would make a line of openers take quadratic time.
    missing: dict[str, int] = {}
    m = pattern.search(text)
    while m is not None:
        start, end = m.start(), m.end()
        opener = m.group("open")
        if opener is not None:
            if start > line_end:
                line_end = _line_end(text, start)
            closer = _COMMENT_END if opener == "<!--" else "}}"
            found = -1 if missing.get(closer) == line_end else text.find(closer, end, line_end)
            if found < 0:
                missing[closer] = line_end
                m = pattern.search(text, start + 1)
                continue
            end = found + len(closer)
        out.append(text[pos:start])
        out.append("\0" * (end - start))
        pos = end
        m = pattern.search(text, end)
    out.append(text[pos:])
    return "".join(out)


def _line_end(text: str, at: int) -> int:
    end = text.find("\n", at)
    return len(text) if end < 0 else end


def unscheduled(line: str) -> str:
    """A line without its ``<!--SR:...-->`` scheduling comments and the blanks before them."""
    if SR_COMMENT not in line:
        return line
    out: list[str] = []
    pos = 0
    while (start := line.find(SR_COMMENT, pos)) >= 0:
        end = line.find(_COMMENT_END, start + len(SR_COMMENT))
        if end < 0:
            break  # unclosed: no later comment on the line closes either
        out.append(line[pos:start].rstrip(" \t"))
        pos = end + len(_COMMENT_END)
    out.append(line[pos:])
    return "".join(out)


class Highlight(NamedTuple):
    """One ``==answer==`` or ``==answer;;hint==`` (``==2;;answer==``, ``==ash;;answer==``)."""

    start: int
    end: int
    label: str
    """Between the opening ``==`` and its ``;;``: a cloze number, letters, or ""."""
    answer_start: int
    answer_end: int
    hint_start: int = -1
    """-1: no hint."""
    hint_end: int = -1


def highlights(text: str, opener: re.Pattern[str]) -> list[Highlight]:
    """Every highlight that starts with ``opener``, left to right: what the regex
    ``opener(.+?)(?:;;(.+?))?==`` finds (on one line), found in linear time."""
    found: list[Highlight] = []
    pos = 0
    line_end = -1
    while (m := opener.search(text, pos)) is not None:
        answer = m.end()
        if answer > line_end:
            line_end = _line_end(text, answer)
        close = text.find("==", answer + 1, line_end)
        if close < 0:
            pos = m.start() + 1
            continue
        # The first `;;` inside ends the answer when a `==` follows its hint (one character
        # at least); `;;==` with no later `==` is part of the answer.
        semi = text.find(";;", answer + 1, close)
        hint_end = -1
        if semi >= 0:
            hint_end = close if semi + 3 <= close else text.find("==", semi + 3, line_end)
        if hint_end >= 0:
            found.append(
                Highlight(m.start(), hint_end + 2, m.group(1), answer, semi, semi + 2, hint_end)
            )
        else:
            found.append(Highlight(m.start(), close + 2, m.group(1), answer, close))
        pos = found[-1].end
    return found


def has_highlight(text: str) -> bool:
    """A ``==highlight==`` outside code, comments, Anki cloze markers and maths."""
    return "==" in text and bool(highlights(masked(text, NOT_CLOZE), _SIMPLE))


def highlight_cloze(text: str) -> tuple[str | None, str]:
    """(text with Anki cloze markers, plain text without them) of a highlight cloze; None
    for the text when no highlight in it is a deletion."""
    hidden = masked(text, NOT_CLOZE)
    kind, found = "classic", highlights(hidden, _CLASSIC)
    if not found:
        found = highlights(hidden, _OVERLAPPING)
        kind = "overlapping" if found else "simple"
        found = found or highlights(hidden, _SIMPLE)
    marked: list[str] = []
    shown: list[str] = []
    pos = deletions = 0
    for h in found:
        answer = text[h.answer_start : h.answer_end]
        hint = text[h.hint_start : h.hint_end] if h.hint_start >= 0 else ""
        if kind == "classic":
            number = max(int(h.label), 1)
        elif kind == "overlapping":
            # Anki asks a deletion on one card: the first card the plugin asks it on.
            number = h.label.find("a") + 1
        else:
            number = deletions + 1
        if not answer.strip():
            number, answer = 0, text[h.start : h.end]  # `==  ==`: left as written
        cloze = f"{{{{c{number}::{answer}{'::' + hint if hint else ''}}}}}" if number else answer
        deletions += bool(number)
        marked.append(text[pos : h.start] + cloze)
        shown.append(text[pos : h.start] + answer)
        pos = h.end
    marked.append(text[pos:])
    shown.append(text[pos:])
    term = plain_text("".join(shown))
    return ("".join(marked) if deletions and term else None), term
