"""Splitting one concept line: ``Term : Definition : Tag ; Tag`` -> its parts. Pure.

A separator colon is never one inside `code`, **bold**, a link target, a URL, ``10:30``,
maths or ``\\:``; the first separator ends the term, and the last one starts the tag list
when what follows it is one (see docs/syntaxes.md), so a definition may contain colons.
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

# Colons that never separate: inside bold, link targets, autolinks, URLs, `\:`, between
# digits (10:30, 1:2) and in $math$. Code spans are masked separately (_mask_code_spans).
# (literal the alternative needs, alternative), in order: leftmost match, first alternative.
_PROTECTED_PARTS = (
    ("**", r"\*\*[^*\n]+?\*\*"),
    ("__", r"__[^_\n]+?__"),
    ("<", r"<[^<>\s]+>"),
    ("://", r"\b[A-Za-z][\w+.-]{0,31}://[^\s<>()]+"),
    ("\\:", r"\\:"),
    (":", r"\d:\d"),
    ("$", r"\$\$[^$\n]+\$\$|\$(?![\s$])[^$\n]+?\$(?!\d)"),
)


@functools.cache
def _protected_pattern(present: tuple[bool, ...]) -> re.Pattern[str]:
    parts = zip(_PROTECTED_PARTS, present, strict=True)
    return re.compile("|".join(p for (_, p), on in parts if on))


def _protected(text: str) -> re.Pattern[str]:
    """The protecting pattern with only the alternatives that can match in ``text``: the
    same matches, without trying (say) the URL alternative at every word of a definition."""
    return _protected_pattern(tuple(lit in text for lit, _ in _PROTECTED_PARTS))


_COLON = re.compile(":")
_BOLD_TERM_COLON = re.compile(r"^(\*\*|__)([^*_\n]+?):\1")
# A tag's characters: letters, digits, `-/.&+#_` and symbols such as emoji (`🌊`, `✅done`),
# not the punctuation and markup that prose after a colon is made of.
_TAG_CHAR = r"[^\s;:,()\[\]{}<>\"'`*|=!?$%^~\\]"
_TAG = rf"{_TAG_CHAR}+"
# Outside concept blocks a tag list is one-word tags joined by " ; " (at least one), which
# ordinary prose after a colon almost never is: `- Note: see below`, `- C;C++;Java` are not.
_LINE_TAG_LIST = re.compile(rf"^\s*(?:{_TAG}\s+;\s*)+(?:{_TAG}\s*)?$")
# Inside a block the tag list may also be a single tag, and tags may contain spaces.
_BLOCK_TAG_LIST = re.compile(rf"^\s*(?:{_TAG}|(?:{_TAG_CHAR}| )+(?:;(?:{_TAG_CHAR}| )*)+)\s*$")


def is_tag_list(text: str) -> bool:
    """Whether ``text`` is a tag list as a concept line outside a block ends in: one-word tags
    joined by `` ; `` (``DEA ; AWS``, ``DEA ;``), which prose after a colon almost never is."""
    return _LINE_TAG_LIST.match(text) is not None


class Parts(NamedTuple):
    term_md: str
    definition: str
    tags: str | None


def mask_code_spans(text: str) -> str:
    """Blank out `code spans` (CommonMark pairing: a run closes at the next run of the same
    length). Linear in the number of backtick runs, whatever their lengths."""
    if "`" not in text:
        return text
    runs = [(m.start(), m.end()) for m in re.finditer(r"`+", text)]
    next_same: dict[int, int] = {}
    last_by_len: dict[int, int] = {}
    for i in range(len(runs) - 1, -1, -1):
        n = runs[i][1] - runs[i][0]
        if n in last_by_len:
            next_same[i] = last_by_len[n]
        last_by_len[n] = i
    out = list(text)
    i = 0
    while i < len(runs):
        j = next_same.get(i)
        if j is None:
            i += 1
            continue
        for k in range(runs[i][0], runs[j][1]):
            out[k] = "\0"
        i = j + 1
    return "".join(out)


def _mask_link_targets(text: str) -> str:
    """Blank out `](target)` link targets. A regex would rescan to the end of the line from
    every `](` that never closes (quadratic); one pass from the right finds each closing ')'."""
    if "](" not in text:
        return text
    next_close = [len(text)] * (len(text) + 1)
    for i in range(len(text) - 1, -1, -1):
        next_close[i] = i if text[i] in ")\n" else next_close[i + 1]
    out = list(text)
    i = text.find("](")
    while i >= 0:
        end = next_close[i + 2]
        if end < len(text) and text[end] == ")":
            for k in range(i, end + 1):
                out[k] = "\0"
            i = text.find("](", end + 1)
        else:
            i = text.find("](", i + 2)
    return "".join(out)


def _separators(text: str) -> list[int]:
    text = _mask_link_targets(mask_code_spans(text))
    masked = _protected(text).sub(lambda m: "\0" * len(m.group(0)), text)
    return [m.start() for m in _COLON.finditer(masked)]


def split_concept_text(
    text: str, *, in_block: bool = True, bold_term: bool = False
) -> Parts | None:
    """``Term : Definition : Tag ; Tag`` -> parts; None without a separator colon (or, with
    ``bold_term``, when the term is not one bold span).

    The first separator ends the term; the last one starts the tag list when what follows it
    is one (see docs/syntaxes.md), so the definition may contain colons.
    """
    text = text.strip()
    if ":**" in text or ":__" in text:  # `**Term:**`: the colon inside the bold separates
        text = _BOLD_TERM_COLON.sub(r"\1\2\1 :", text, count=1)
    seps = _separators(text)
    if not seps:
        return None
    first = term_end = seps[0]
    if (
        len(seps) > 1
        and seps[1] == first + 1
        and first > 0
        and not text[first - 1].isspace()
        and not _LINE_TAG_LIST.match(text[first + 2 :])
    ):
        # `**Term**:: answer`, `::` glued to the term, is the spaced-repetition plugin's card,
        # not an empty definition and a tag list: the `::` is one separator. (`**Term** ::
        # DEA ; AWS` and `**Term**:: DEA ; AWS` still have no definition.)
        seps = seps[1:]
        first = seps[0]
    last = seps[-1]
    raw_term = text[:term_end].strip()
    term_md = _unwrap_bold(raw_term)
    if bold_term and term_md == raw_term:
        return None
    tail = text[last + 1 :].strip()
    if last == first:
        # `Term : DEA ; AWS` is a term with tags and no definition yet; `Term : word` is a
        # definition.
        if _LINE_TAG_LIST.match(tail):
            return Parts(term_md, "", tail)
    elif (_BLOCK_TAG_LIST if in_block else _LINE_TAG_LIST).match(tail):
        return Parts(term_md, text[first + 1 : last].strip(), tail)
    return Parts(term_md, text[first + 1 :].strip(), None)


# `**Term** : definition : Tag ; Tag`, the line most concepts are, when nothing in it can
# change how split_concept_text reads it: a plain term (no markup, no double space), a
# definition with no colon, bold, `__` or block id, and both separators as " : " (a colon
# after a space is never inside a URL or 10:30). tests/test_properties.py compares it with
# the full reading through the parser's two paths.
_PLAIN_CONCEPT = re.compile(
    r"\*\*([^\\`*_~\[\]()<>!&$=^|:\n]+)\*\* +: +([^:*_^\n]+?) +: +([^:\n]+)"
)


def plain_concept(text: str, in_block: bool) -> tuple[str, str, str] | None:
    """(term, definition, tag list) of a plain concept line, else None (read it in full)."""
    m = _PLAIN_CONCEPT.fullmatch(text.strip())
    if m is None:
        return None
    term, definition, tags = m.groups()
    if "  " in term or not term.strip():
        return None
    tags = tags.strip()
    if not (_BLOCK_TAG_LIST if in_block else _LINE_TAG_LIST).match(tags):
        return None
    return " ".join(term.split()), " ".join(definition.split()), tags


def _unwrap_bold(term: str) -> str:
    for mark in ("**", "__"):
        if term.startswith(mark) and term.endswith(mark) and len(term) >= 2 * len(mark):
            inner = term[len(mark) : -len(mark)]
            if mark not in inner:
                return inner.strip()
    return term
