"""Markdown body -> Concept records. Pure: no I/O, no Anki.

mistune parses the block structure (so code fences, setext headings and lazy list lines are
read the way every Markdown tool reads them); this module walks the tokens, keeps the heading
trail, finds concept blocks and concept lines, and splits each concept into term, definition
and tags on the Markdown *source* (a separator colon is never one inside `code`, a link
target, ``https://`` or ``10:30``). The grammar is written down in the README.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import mistune
from mistune.core import BlockState

from .diagnostics import Diagnostic, warning
from .render import plain_text

_block_md = mistune.create_markdown(renderer=None)

Token = dict[str, Any]


@dataclass(frozen=True)
class Concept:
    term: str
    """Plain text of the term (markup removed, whitespace collapsed): what identity uses."""
    term_md: str
    """The term as written, Markdown included (rendered on the card)."""
    definition: str
    """Markdown source of the definition, whitespace collapsed; may be empty."""
    tags: tuple[str, ...]
    """The concept's own tag list, cleaned (spaces inside a tag become ``_``)."""
    deck_path: tuple[str, ...]
    """Deck components below the root deck, from the enclosing headings."""
    context: tuple[str, ...]
    """The full heading trail (every level), outermost first, cleaned like deck names."""
    line: int
    """1-based line in the file where the concept's list item starts."""
    block_id: str | None = None
    """Obsidian block id (``^athena``) at the end of the line, if any."""


@dataclass(frozen=True)
class ParseResult:
    concepts: tuple[Concept, ...]
    diagnostics: tuple[Diagnostic, ...]


def parse_concepts(
    body: str, *, path: str = "<string>", first_line: int = 1, deck_depth: int = 2
) -> ParseResult:
    """Find every concept in a Markdown body (the file without its frontmatter).

    ``first_line`` is the file line number of the body's first line, so reported lines are
    lines of the file. ``deck_depth`` is how many heading levels make decks.
    """
    src = body if body.endswith("\n") else body + "\n"
    state = BlockState()
    state.process(src)
    _block_md.block.parse(state)
    walker = _Walker(src, path, first_line, deck_depth)
    walker.walk_top(state.tokens)
    return ParseResult(tuple(walker.concepts), tuple(walker.diagnostics))


# --- deck names ------------------------------------------------------------------------------

_COLON_RUN = re.compile(r"\s*:{2,}\s*")


def clean_deck_component(title: str) -> str:
    """A heading as one deck name component.

    ``::`` is Anki's level separator, so a run of colons inside a heading becomes one colon;
    surrounding whitespace and colons go (``# Security, Identity, and Compliance:``).
    """
    return _COLON_RUN.sub(": ", title).strip(" \t:")


# --- splitting one concept line ------------------------------------------------------------

_BLOCK_MARKER = re.compile(r"^(?=[*_]+)[*_]+\s*concepts?\s*:?\s*[*_]+\s*:?$", re.IGNORECASE)
_BLOCK_ID = re.compile(r"\s\^([A-Za-z0-9-]+)\s*$")
# Colons that never separate: inside code spans, link targets, autolinks, URL schemes and
# between digits (10:30, 1:2).
_PROTECTED = re.compile(r"(`+).+?\1|\]\([^)\n]*\)|<[^<>\s]+>|[A-Za-z][\w+.-]*://|\d:\d")
_BOLD_TERM_COLON = re.compile(r"^(\*\*|__)(.+?):\1")
_TAG_WORD = r"[\w\-/.&+#]+"
# Outside concept blocks a tag list is one-word tags joined by ';' (at least one ';'), which
# ordinary prose after a colon almost never is.
_LINE_TAG_LIST = re.compile(rf"^\s*(?:{_TAG_WORD}\s*;\s*)+(?:{_TAG_WORD}\s*)?$")


@dataclass(frozen=True)
class _Parts:
    term_md: str
    definition: str
    tags: str | None


def _separators(text: str) -> list[int]:
    masked = _PROTECTED.sub(lambda m: "\0" * len(m.group(0)), text)
    return [i for i, c in enumerate(masked) if c == ":"]


def split_concept_text(text: str) -> _Parts | None:
    """``Term : Definition : Tag ; Tag`` -> parts; None without a separator colon.

    The first separator ends the term; the last one, if there are two or more, starts the
    tag list, so the definition may contain colons.
    """
    text = _BOLD_TERM_COLON.sub(r"\1\2\1 :", text.strip(), count=1)
    seps = _separators(text)
    if not seps:
        return None
    first, last = seps[0], seps[-1]
    term_md = _unwrap_bold(text[:first].strip())
    if last == first:
        rest = text[first + 1 :].strip()
        # `Term : DEA ; AWS` is a term with tags and no definition yet.
        if _LINE_TAG_LIST.match(rest):
            return _Parts(term_md, "", rest)
        return _Parts(term_md, rest, None)
    return _Parts(term_md, text[first + 1 : last].strip(), text[last + 1 :].strip())


def _unwrap_bold(term: str) -> str:
    for mark in ("**", "__"):
        if term.startswith(mark) and term.endswith(mark) and len(term) > 2 * len(mark):
            inner = term[len(mark) : -len(mark)]
            if mark not in inner:
                return inner.strip()
    return term


def split_tags(tag_list: str | None) -> tuple[str, ...]:
    if not tag_list:
        return ()
    tags = ("_".join(t.split()) for t in tag_list.split(";"))
    return tuple(t.lstrip("#") for t in tags if t.lstrip("#"))


# --- the walk --------------------------------------------------------------------------------

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]|$)")
_BREAK = re.compile(r"^ {0,3}([-*_])[ \t]*(?:\1[ \t]*){2,}$")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_BULLET = re.compile(r"^[ \t>]*(?:[-+*]|\d{1,9}[.)])(?:[ \t]|$)")


@dataclass
class _Heading:
    level: int
    title: str
    deck: str


class _Lines:
    """Maps tokens back to file lines.

    mistune 3 tokens carry no positions, but tokens come in source order, so each one is
    found by searching forward from the previous one.
    """

    def __init__(self, src: str, first_line: int) -> None:
        self.lines = src.split("\n")
        self.pos = 0
        self.first_line = first_line

    def find(self, pred: Callable[[str], bool]) -> int:
        for i in range(self.pos, len(self.lines)):
            if pred(self.lines[i]):
                self.pos = i + 1
                return i + self.first_line
        return self.pos + self.first_line

    def skip(self, n: int) -> None:
        self.pos = min(self.pos + max(n, 0), len(self.lines))


def _first_line(text: str) -> str:
    for line in text.split("\n"):
        if line.strip():
            return line.strip()
    return ""


def _line_count(text: str) -> int:
    return len(text.rstrip("\n").split("\n"))


def _contains(needle: str) -> Callable[[str], bool]:
    return lambda line: needle in line


def _item_start(needle: str) -> Callable[[str], bool]:
    return lambda line: bool(_BULLET.match(line)) and needle in line


class _Walker:
    def __init__(self, src: str, path: str, first_line: int, deck_depth: int) -> None:
        self.lines = _Lines(src, first_line)
        self.path = path
        self.deck_depth = deck_depth
        self.trail: list[_Heading] = []
        self.in_block = False
        self.concepts: list[Concept] = []
        self.diagnostics: list[Diagnostic] = []

    def walk_top(self, tokens: Iterable[Token]) -> None:
        for tok in tokens:
            kind = tok["type"]
            if kind == "heading":
                self._heading(tok)
            elif kind == "thematic_break":
                self.lines.find(lambda s: bool(_BREAK.match(s)))
                self.in_block = False
            elif kind == "paragraph":
                self._locate_text(tok["text"])
                if _BLOCK_MARKER.match(tok["text"].strip()):
                    self.in_block = True
            elif kind == "list":
                self._list(tok, in_block=self.in_block)
            else:
                self._locate_other(tok)

    def _heading(self, tok: Token) -> None:
        level = tok["attrs"]["level"]
        if tok.get("style") == "setext":
            line = self.lines.find(_contains(_first_line(tok["text"])))
            self.lines.skip(_line_count(tok["text"]))
        else:
            line = self.lines.find(lambda s: bool(_ATX.match(s)))
        title = plain_text(tok["text"])
        deck = clean_deck_component(title)
        if not deck and level <= self.deck_depth:
            self.diagnostics.append(
                warning(
                    self.path,
                    line,
                    "empty-deck-name",
                    f"heading {title!r} makes no deck name; its concepts go to the parent deck",
                )
            )
        while self.trail and self.trail[-1].level >= level:
            self.trail.pop()
        self.trail.append(_Heading(level, title, deck))
        self.in_block = False

    def _locate_text(self, text: str) -> int:
        line = self.lines.find(_contains(_first_line(text)))
        self.lines.skip(_line_count(text) - 1)
        return line

    def _locate_other(self, tok: Token) -> None:
        kind = tok["type"]
        if kind == "block_code" and tok.get("style") == "fenced":
            self.lines.find(lambda s: bool(_FENCE.match(s)))
            self.lines.skip(_line_count(tok.get("raw", "")) + 1)
        elif kind in ("block_code", "block_html"):
            self._locate_text(tok.get("raw", ""))
        elif kind == "block_quote":
            for child in tok.get("children", []):
                if child["type"] == "list":
                    self._list(child, in_block=False)
                elif "text" in child:
                    self._locate_text(child["text"])
                else:
                    self._locate_other(child)

    def _list(self, tok: Token, *, in_block: bool) -> None:
        for item in tok["children"]:
            children = item.get("children", [])
            head = children[0] if children and "text" in children[0] else None
            text = head["text"] if head else ""
            line = self.lines.find(_item_start(_first_line(text)))
            if head is not None:
                self.lines.skip(_line_count(text) - 1)
                self._item(text, line, in_block)
            for child in children[1 if head is not None else 0 :]:
                if child["type"] == "list":
                    # Sub-bullets of a concept are part of it, not concepts of their own.
                    if not in_block:
                        self._list(child, in_block=False)
                    else:
                        self._skip_list(child)
                elif "text" in child:
                    self._locate_text(child["text"])
                else:
                    self._locate_other(child)

    def _skip_list(self, tok: Token) -> None:
        for item in tok["children"]:
            for child in item.get("children", []):
                if "text" in child:
                    self._locate_text(child["text"])
                elif child["type"] == "list":
                    self._skip_list(child)
                else:
                    self._locate_other(child)

    def _item(self, text: str, line: int, in_block: bool) -> None:
        block_id = None
        m = _BLOCK_ID.search(text)
        if m:
            block_id = m.group(1)
            text = text[: m.start()]
        parts = split_concept_text(text)
        if parts is None:
            if in_block and text.lstrip().startswith(("**", "__")):
                self.diagnostics.append(
                    warning(
                        self.path,
                        line,
                        "concept-no-separator",
                        f"list item in a concept block has no ':' after the term: "
                        f"{_first_line(text)[:60]!r}",
                    )
                )
            return
        if not in_block and (parts.tags is None or not _LINE_TAG_LIST.match(parts.tags)):
            return
        term = plain_text(parts.term_md)
        if not term:
            if in_block or parts.term_md:
                self.diagnostics.append(
                    warning(self.path, line, "empty-term", "concept has no term before the ':'")
                )
            return
        self.concepts.append(
            Concept(
                term=term,
                term_md=" ".join(parts.term_md.split()),
                definition=" ".join(parts.definition.split()),
                tags=split_tags(parts.tags),
                deck_path=tuple(
                    h.deck for h in self.trail if h.level <= self.deck_depth and h.deck
                ),
                context=tuple(h.deck or h.title for h in self.trail),
                line=line,
                block_id=block_id,
            )
        )
